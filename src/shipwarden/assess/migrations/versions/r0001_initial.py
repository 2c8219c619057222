"""Initial history schema: repositories, assessments with their scope, findings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repositories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("identity", sa.String(1024), nullable=False, unique=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("remote", sa.String(2048)),
        sa.Column("root", sa.String(4096), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("repository_id", sa.Integer, sa.ForeignKey("repositories.id", ondelete="CASCADE"), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32), nullable=False),
        sa.Column("commit", sa.String(64)),
        sa.Column("branch", sa.String(512)),
        sa.Column("dirty", sa.Boolean),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("rules_hash", sa.String(80), nullable=False),
        sa.Column("config_hash", sa.String(80), nullable=False),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("worst_tier", sa.String(2)),
        sa.Column("p0", sa.Integer, nullable=False),
        sa.Column("p1", sa.Integer, nullable=False),
        sa.Column("p2", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
    )
    op.create_index("ix_assessments_repository", "assessments", ["repository_id", "started_at"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("tier", sa.String(2), nullable=False),
        sa.Column("analysis", sa.String(256), nullable=False),
        sa.Column("path", sa.String(4096), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_findings_assessment", "findings", ["assessment_id"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("assessments")
    op.drop_table("repositories")
