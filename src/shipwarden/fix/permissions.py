"""excessive-permissions (least privilege where the rule proved a grant idle) and
publish-without-environment (a suggestion, never an invented environment)."""

from __future__ import annotations

from typing import Any

from shipwarden.ci.github.knowledge import exposure_table
from shipwarden.ci.github.rules.excessive_permissions import GIT_USE, TOKEN_USE
from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence
from shipwarden.core.findings import Finding
from shipwarden.fix.edits import Edit
from shipwarden.fix.model import Document, FixLevel, KeyPath, Outcome, Proposal, Skipped, node_at
from shipwarden.fix.yamltext import block_indent, jobs_of


def _top_key(doc: Document, key: str) -> Scalar | None:
    return doc.root.key_node(key) if isinstance(doc.root, Mapping) else None


def fix_excessive_permissions(findings: list[Finding], doc: Document) -> list[Outcome]:
    out: list[Outcome] = []
    for finding in findings:
        loc = finding.primary
        kind = finding.key.rsplit("|", 1)[-1] if finding.key else ""
        if kind == "no-permissions":
            users = _token_users(doc, [str(j) for j in finding.properties.get("jobs", [])])
            if users:
                out.append(
                    Skipped(
                        finding.rule_id,
                        loc.path,
                        loc.line,
                        "the token is used by " + "; ".join(users) + ": give those jobs their own `permissions:` with"
                        " the scopes they need, then `permissions: {}` at the top",
                    )
                )
                continue
            jobs = _top_key(doc, "jobs")
            if jobs is None or block_indent(doc.source, doc.root) != 0:  # type: ignore[arg-type]
                out.append(Skipped(finding.rule_id, loc.path, loc.line, "no top-level `jobs:` key to insert before"))
                continue
            line = doc.source.line(jobs.start)
            while line > 1 and doc.source.line_text(line - 1).lstrip().startswith("#"):
                line -= 1  # keep the comment above `jobs:` with it
            at = doc.source.line_start(line)

            def expect_top(plain: Any) -> None:
                plain["permissions"] = {"contents": "read"}

            out.append(
                Proposal(
                    finding.rule_id,
                    loc.path,
                    loc.line,
                    "add a top-level `permissions:` with `contents: read` (grant more per job where a job needs it)",
                    FixLevel.UNSAFE,
                    [finding],
                    [Edit(at, at, "permissions:\n  contents: read\n\n")],
                    expect_top,
                )
            )
        elif kind == "unused":
            perms_node = _permissions_mapping_at(doc, doc.offset(loc.line, loc.column))
            scopes = [str(s) for s in finding.properties.get("scopes", [])]
            if perms_node is None or not scopes:
                out.append(Skipped(finding.rule_id, loc.path, loc.line, "the permissions mapping was not found"))
                continue
            perms_path, mapping = perms_node
            edits = []
            for scope in scopes:
                value = mapping.get(scope)
                if isinstance(value, Scalar) and value.value == "write":
                    edits.append(Edit(value.start, value.end, "read"))
            if not edits:
                out.append(Skipped(finding.rule_id, loc.path, loc.line, "the write grants are not plain values"))
                continue

            def expect_read(plain: Any, perms_path: KeyPath = perms_path, scopes: list[str] = scopes) -> None:
                node = node_at(plain, perms_path)
                for scope in scopes:
                    if node.get(scope) == "write":
                        node[scope] = "read"

            out.append(
                Proposal(
                    finding.rule_id,
                    loc.path,
                    loc.line,
                    "make the idle write grants read-only: " + ", ".join(f"`{s}: read`" for s in scopes),
                    FixLevel.UNSAFE,
                    [finding],
                    edits,
                    expect_read,
                )
            )
        else:
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "`write-all` needs the scopes the jobs use"))
    return out


def _token_users(doc: Document, job_ids: list[str]) -> list[str]:
    """Which of ``job_ids`` may use the token (so a read-only grant would break them), and how."""
    users: list[str] = []
    for key, job in jobs_of(doc.root):
        if key.value not in job_ids:
            continue
        why = _job_uses_token(job)
        if why:
            users.append(f"job `{key.value}` ({why})")
    return users


def _job_uses_token(job: Mapping) -> str:
    if job.get("uses") is not None:
        return "calls a reusable workflow"
    for holder in (job, *(s for s in _seq(job.get("steps")) if isinstance(s, Mapping))):
        for field_name in ("env", "with"):
            values = holder.get(field_name)
            if isinstance(values, Mapping) and any(
                isinstance(v, Scalar) and TOKEN_USE.found(v.value) for _, v in values
            ):
                return f"passes it in `{field_name}:`"
    for step in _seq(job.get("steps")):
        if not isinstance(step, Mapping):
            continue
        run = step.get("run")
        if isinstance(run, Scalar) and (TOKEN_USE.found(run.value) or GIT_USE.search(run.value)):
            return "its scripts use git, the GitHub CLI or the API"
        uses = step.get("uses")
        if isinstance(uses, Scalar):
            action = uses.value.split("@", 1)[0].lower()
            if not action.startswith("./") and action not in exposure_table().no_token_actions:
                return f"runs `{uses.value}`, which may use the token"
    return ""


def _seq(node: Node | None) -> list[Node]:
    return list(node.items) if isinstance(node, Sequence) else []


def _permissions_mapping_at(doc: Document, offset: int) -> tuple[KeyPath, Mapping] | None:
    if not isinstance(doc.root, Mapping):
        return None
    top = doc.root.get("permissions")
    if isinstance(top, Mapping) and top.start <= offset < top.end:
        return ("permissions",), top
    for key, job in jobs_of(doc.root):
        perms = job.get("permissions")
        if isinstance(perms, Mapping) and perms.start <= offset < perms.end:
            return ("jobs", key.value, "permissions"), perms
    return None


# ---------------------------------------------------------------------------
# publish-without-environment: a suggestion, never an invented environment


def suggest_environment(findings: list[Finding], doc: Document) -> list[Outcome]:
    return [
        Skipped(
            f.rule_id,
            f.primary.path,
            f.primary.line,
            "suggestion: create a deployment environment with required reviewers in the repository settings and "
            "add `environment: <its name>` to the publishing job (shipwarden does not invent one)",
        )
        for f in findings
    ]




