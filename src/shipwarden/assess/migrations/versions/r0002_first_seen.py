"""Since when each finding has been open, and how each assessment changed from the previous one.

Adds ``findings.first_seen`` (backfilled: a fingerprint that was in the
repository's previous assessment keeps that one's ``first_seen``, otherwise it
starts with its own assessment) and the ``new_count``/``fixed_count`` of each
assessment (backfilled the same way; "fixed" counts fingerprints of the previous
assessment that are gone).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("first_seen", sa.String(32), nullable=False, server_default=""))
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("new_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("fixed_count", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_findings_fingerprint", "findings", ["fingerprint"])

    bind = op.get_bind()
    assessments = bind.execute(
        sa.text("SELECT id, repository_id, started_at FROM assessments ORDER BY repository_id, started_at, id")
    ).all()
    previous: dict[int, dict[str, str]] = {}
    for assessment_id, repository_id, started_at in assessments:
        before = previous.get(repository_id, {})
        rows = bind.execute(
            sa.text("SELECT id, fingerprint FROM findings WHERE assessment_id = :a"), {"a": assessment_id}
        ).all()
        now: dict[str, str] = {}
        new = 0
        for finding_id, fingerprint in rows:
            first = before.get(fingerprint)
            if first is None:
                first = started_at
                new += 1
            now[fingerprint] = first
            bind.execute(sa.text("UPDATE findings SET first_seen = :f WHERE id = :i"), {"f": first, "i": finding_id})
        fixed = len(set(before) - set(now))
        bind.execute(
            sa.text("UPDATE assessments SET new_count = :n, fixed_count = :x WHERE id = :a"),
            {"n": new, "x": fixed, "a": assessment_id},
        )
        previous[repository_id] = now


def downgrade() -> None:
    op.drop_index("ix_findings_fingerprint", table_name="findings")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("fixed_count")
        batch.drop_column("new_count")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("first_seen")
