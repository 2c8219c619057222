"""One fixer per rule: from findings in one workflow file to proposed edits.

A fixer never guesses: when the text is not in a shape it can edit exactly
(flow-style mappings, a shell it does not model, an expression inside single
quotes), it proposes nothing and says why. Each proposal carries the logical
change it makes (``expect``) so the engine can check that the edited file
parses to exactly the old document with that change and nothing else.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tree_sitter
import tree_sitter_bash

from shipwarden.findings import Finding
from shipwarden.fix.edits import Edit
from shipwarden.fix.yamltext import block_indent, content_end, ensure_newline, jobs_of, line_after
from shipwarden.github.knowledge import exposure_table
from shipwarden.rules.excessive_permissions import GIT_USE, TOKEN_USE
from shipwarden.github.yamlspan import Mapping, Node, Scalar, Sequence, YamlError, load
from shipwarden.textindex import SourceText


class FixLevel(enum.Enum):
    """``safe``: keeps what the workflow does; ``unsafe``: may change behaviour, needs a human look."""

    SAFE = "safe"
    UNSAFE = "unsafe"


#: A key path into the plain document (mapping keys and sequence indices).
KeyPath = tuple[str | int, ...]


@dataclass(slots=True)
class Document:
    """A workflow or action file as text, spans and plain data."""

    path: str
    source: SourceText
    root: Node
    #: Every step mapping with its key path in the plain document.
    steps: list[tuple[KeyPath, Mapping]] = field(default_factory=list)
    #: The scanned root (local actions are read from it), when known.
    base: Path | None = None
    #: Reads another file of the root the way the engine does (inside the root, bounded).
    read: Callable[[Path], str] = field(default=lambda path: _refuse(path))

    def offset(self, line: int, column: int) -> int:
        return self.source.line_start(line) + max(column, 1) - 1

    def step_at(self, offset: int) -> tuple[KeyPath, Mapping] | None:
        best: tuple[KeyPath, Mapping] | None = None
        for path, step in self.steps:
            if step.start <= offset < step.end and (best is None or step.start >= best[1].start):
                best = (path, step)
        return best

    def job_of(self, path: KeyPath) -> Mapping | None:
        if len(path) >= 2 and path[0] == "jobs":
            for key, job in jobs_of(self.root):
                if key.value == path[1]:
                    return job
        return None


@dataclass(slots=True)
class Proposal:
    """A fix for one or more findings of one rule in one file."""

    rule_id: str
    path: str
    line: int
    description: str
    level: FixLevel
    findings: list[Finding]
    edits: list[Edit] = field(default_factory=list)
    #: Applies the same change to the plain document (for the equivalence check).
    expect: Callable[[Any], None] | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A finding with no automatic fix, and why."""

    rule_id: str
    path: str
    line: int
    reason: str


Outcome = Proposal | Skipped
Fixer = Callable[[list[Finding], Document], list[Outcome]]


def _refuse(path: Path) -> str:
    raise OSError(f"{path}: no reader")


def _at(plain: Any, path: KeyPath) -> Any:
    for part in path:
        plain = plain[part]
    return plain


def _child_indent(doc: Document, mapping: Mapping) -> int | None:
    indent = block_indent(doc.source, mapping)
    return indent


def _append_to_block(doc: Document, mapping: Mapping, lines: list[str]) -> Edit | None:
    """Insert ``lines`` (``key: value`` texts) as new keys at the end of a block mapping."""
    indent = _child_indent(doc, mapping)
    if indent is None:
        return None
    at = line_after(doc.source, content_end(doc.source, mapping))
    text = "".join(" " * indent + line + "\n" for line in lines)
    return Edit(at, at, ensure_newline(doc.source, at) + text)


def _add_block_key(doc: Document, step: Mapping, key: str, lines: list[str]) -> Edit | None:
    """Insert ``key:`` with ``lines`` as its block mapping after the last key of ``step``."""
    indent = block_indent(doc.source, step)
    if indent is None:
        return None
    at = line_after(doc.source, content_end(doc.source, step))
    text = " " * indent + key + ":\n" + "".join(" " * (indent + 2) + line + "\n" for line in lines)
    return Edit(at, at, ensure_newline(doc.source, at) + text)


# ---------------------------------------------------------------------------
# artipacked: persist-credentials: false

#: Later steps that may need the credential a checkout persists, so that
#: ``persist-credentials: false`` could break them: any git or GitHub CLI use,
#: and release tooling (which may push tags or commits from scripts we cannot see).
_NEEDS_CREDENTIAL = re.compile(
    r"\bgit\b|\bgh\s|\bhub\s|release|publish|deploy|\bversion\b|changeset|\blerna\b|\bpush\b|\btag\b",
    re.IGNORECASE,
)


def _steps_need_credential(doc: Document, steps: list[Node], depth: int = 0) -> bool:
    for later in steps:
        if not isinstance(later, Mapping):
            continue
        run = later.get("run")
        if isinstance(run, Scalar) and _NEEDS_CREDENTIAL.search(run.value):
            return True
        uses = later.get("uses")
        if not isinstance(uses, Scalar):
            continue
        if uses.value.startswith("./"):
            local = _local_action_steps(doc, uses.value)
            if local is None or depth > 2 or _steps_need_credential(doc, local, depth + 1):
                return True
            continue
        action = uses.value.split("@", 1)[0].lower()
        if action not in exposure_table().no_token_actions:
            return True  # an action not known to leave git alone may push with the persisted credential
    return False


def _local_action_steps(doc: Document, ref: str) -> list[Node] | None:
    """The steps of a local composite action, read like the scan reads it (inside the root, bounded)."""
    if doc.base is None:
        return None
    folder = doc.base / ref.split("@", 1)[0]
    for name in ("action.yml", "action.yaml"):
        try:
            text = doc.read(folder / name)
        except (OSError, YamlError):
            continue
        root = load(text)
        runs = root.get("runs") if isinstance(root, Mapping) else None
        steps = runs.get("steps") if isinstance(runs, Mapping) else None
        return list(steps.items) if isinstance(steps, Sequence) else None
    return None


def _later_steps_need_credential(doc: Document, path: KeyPath) -> bool:
    job = doc.job_of(path)
    steps = job.get("steps") if job is not None else None
    if not isinstance(steps, Sequence) or not isinstance(path[-1], int):
        return True  # an action's steps run after unknown caller steps: cannot tell
    return _steps_need_credential(doc, steps.items[path[-1] + 1 :])


def fix_artipacked(findings: list[Finding], doc: Document) -> list[Outcome]:
    out: list[Outcome] = []
    for finding in findings:
        loc = finding.primary
        found = doc.step_at(doc.offset(loc.line, loc.column))
        if found is None:
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "the checkout step was not found"))
            continue
        path, step = found
        with_ = step.get("with")
        edit: Edit | None
        if isinstance(with_, Mapping) and with_.items:
            current = with_.get("persist-credentials")
            if isinstance(current, Scalar):
                if "${{" in current.value:
                    out.append(Skipped(finding.rule_id, loc.path, loc.line, "persist-credentials is an expression"))
                    continue
                edit = Edit(current.start, current.end, "false")
            else:
                edit = _append_to_block(doc, with_, ["persist-credentials: false"])
        elif with_ is None:
            edit = _add_block_key(doc, step, "with", ["persist-credentials: false"])
        else:
            edit = None
        if edit is None:
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "the step is written in flow style"))
            continue

        def expect(plain: Any, path: KeyPath = path) -> None:
            node = _at(plain, path)
            with_map = node.setdefault("with", {})
            with_map["persist-credentials"] = "false"

        level = FixLevel.UNSAFE if _later_steps_need_credential(doc, path) else FixLevel.SAFE
        why = "" if level is FixLevel.SAFE else " (a later step may need the credential: check it still works)"
        out.append(
            Proposal(
                finding.rule_id,
                loc.path,
                loc.line,
                f"set `persist-credentials: false` on the checkout{why}",
                level,
                [finding],
                [edit],
                expect,
            )
        )
    return out


# ---------------------------------------------------------------------------
# template-injection: move ${{ }} into env: and use a shell variable

_LANGUAGE = tree_sitter.Language(tree_sitter_bash.language())
_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_UNQUOTED_SAFE = frozenset({"string", "heredoc_body", "comment"})
_UNSAFE_CONTEXTS = frozenset({"raw_string", "ansi_c_string", "arithmetic_expansion", "translated_string"})
_RESERVED = re.compile(r"^(GITHUB|RUNNER|ACTIONS|CI|HOME|PATH|SHELL|IFS|PWD)(_|$)")


#: How the name of a moved expression starts, by the context it reads (longest first).
_NAME_PREFIXES = (
    ("github.event.pull_request.", "PR_"),
    ("github.event.issue.", "ISSUE_"),
    ("github.event.comment.", "COMMENT_"),
    ("github.event.review.", "REVIEW_"),
    ("github.event.discussion.", "DISCUSSION_"),
    ("github.event.head_commit.", "HEAD_COMMIT_"),
    ("github.event.workflow_run.", "RUN_"),
    ("github.event.inputs.", "INPUT_"),
    ("inputs.", "INPUT_"),
    ("github.event.", "EVENT_"),
    ("github.", ""),
)


def env_name(expression: str, taken: set[str]) -> str:
    """An environment variable name for ``${{ expression }}``
    (``github.event.pull_request.title`` → ``PR_TITLE``, ``github.head_ref`` →
    ``HEAD_REF``, ``steps.meta.outputs.tag`` → ``OUTPUTS_TAG``)."""
    text = expression.strip()
    simple = re.fullmatch(r"[A-Za-z_][\w\-]*(?:\.[\w\-]+|\[\d+\])*", text) is not None
    prefix, rest = "", text
    for start, short in _NAME_PREFIXES:
        if text.startswith(start):
            prefix, rest = short, text[len(start) :]
            break
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", rest) if p]
    base = (prefix + "_".join(parts[-2:] if not prefix else parts[-3:])).upper() if simple and parts else "VALUE"
    base = re.sub(r"[^A-Z0-9_]", "_", base).strip("_") or "VALUE"
    if base[0].isdigit() or _RESERVED.match(base):
        base = "SW_" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _context(tree: tree_sitter.Tree, offset: int) -> str:
    """``quoted`` (inside double quotes/heredoc/comment), ``bare``, or ``unsafe``."""
    node = tree.root_node.descendant_for_byte_range(offset, offset + 1)
    while node is not None:
        if node.type in _UNSAFE_CONTEXTS:
            return "unsafe"
        if node.type == "heredoc_redirect" or node.type == "heredoc_body":
            return "unsafe" if _quoted_heredoc(node) else "quoted"
        if node.type in _UNQUOTED_SAFE:
            return "quoted"
        node = node.parent
    return "bare"


def _quoted_heredoc(node: tree_sitter.Node) -> bool:
    redirect = node if node.type == "heredoc_redirect" else node.parent
    if redirect is None:
        return True
    for child in redirect.children:
        if child.type == "heredoc_start":
            text = (child.text or b"").decode("utf-8", "replace")
            return any(q in text for q in "'\"\\")
    return False


def _job_is_windows(doc: Document, path: KeyPath) -> bool:
    job = doc.job_of(path)
    runs_on = job.get("runs-on") if job is not None else None
    text = doc.source.text[runs_on.start : runs_on.end] if runs_on is not None else ""
    return "windows" in text.lower() or "${{" in text


def fix_template_injection(findings: list[Finding], doc: Document) -> list[Outcome]:
    by_step: dict[int, list[Finding]] = {}
    steps: dict[int, tuple[KeyPath, Mapping]] = {}
    out: list[Outcome] = []
    for finding in findings:
        loc = finding.primary
        found = doc.step_at(doc.offset(loc.line, loc.column))
        run = found[1].get("run") if found else None
        if found is None or not isinstance(run, Scalar) or not run.start <= doc.offset(loc.line, loc.column) < run.end:
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "only expressions in a `run:` script are moved"))
            continue
        by_step.setdefault(found[1].start, []).append(finding)
        steps[found[1].start] = found
    for key, group in by_step.items():
        out.extend(_fix_step(doc, steps[key], group))
    return out


def _fix_step(doc: Document, found: tuple[KeyPath, Mapping], findings: list[Finding]) -> list[Outcome]:
    path, step = found
    first = findings[0].primary
    run = step.get("run")
    assert isinstance(run, Scalar)

    def skip(reason: str) -> list[Outcome]:
        return [Skipped(f.rule_id, f.primary.path, f.primary.line, reason) for f in findings]

    shell = step.get("shell")
    if isinstance(shell, Scalar):
        if shell.value.split()[0] not in ("bash", "sh"):
            return skip(f"the step's shell is `{shell.value}`, not bash or sh")
    elif _job_is_windows(doc, path):
        return skip("the job may run on Windows, where the default shell is PowerShell")
    env = step.get("env")
    if env is not None and not (isinstance(env, Mapping) and block_indent(doc.source, env) is not None):
        return skip("the step's `env:` is not a block mapping")
    if block_indent(doc.source, step) is None:
        return skip("the step is written in flow style")

    text = doc.source.text
    # Every ${{ }} of the script, in source order, with its source span.
    spans = [(m.start() + run.start, m.end() + run.start, m.group(0)) for m in _EXPR.finditer(text[run.start : run.end])]
    value_hits = list(_EXPR.finditer(run.value))
    if len(spans) != len(value_hits) or any(s[2] != v.group(0) for s, v in zip(spans, value_hits, strict=True)):
        return skip("the script's text is escaped in the YAML source; move the expression by hand")
    wanted = {doc.offset(f.primary.line, f.primary.column) for f in findings}
    chosen = [i for i, s in enumerate(spans) if s[0] in wanted]
    if len(chosen) != len(wanted):
        return skip("the expression's span does not match the script")

    # Shell context of each chosen expression: parse the script with placeholders.
    placeholder = {i: f"__SW{i:04d}__" for i in chosen}
    parts: list[str] = []
    offsets: dict[int, int] = {}
    pos = 0
    for i, hit in enumerate(value_hits):
        parts.append(run.value[pos : hit.start()])
        rendered = "".join(parts)
        if i in placeholder:
            offsets[i] = len(rendered.encode("utf-8"))
            parts.append(placeholder[i])
        else:
            parts.append(hit.group(0))
        pos = hit.end()
    parts.append(run.value[pos:])
    tree = tree_sitter.Parser(_LANGUAGE).parse("".join(parts).encode("utf-8"))
    if tree.root_node.has_error:
        return skip("the script does not parse as a shell script")

    taken: set[str] = set()
    existing: dict[str, str] = {}
    if isinstance(env, Mapping):
        for k, v in env:
            taken.add(k.value)
            if isinstance(v, Scalar):
                existing[v.value.strip()] = k.value
    new_env: list[tuple[str, str]] = []
    edits: list[Edit] = []
    new_script = run.value
    replacements: list[tuple[int, int, str]] = []
    for i in chosen:
        start, end, expr_text = spans[i]
        context = _context(tree, offsets[i])
        if context == "unsafe":
            return skip("an expression sits inside single quotes, a quoted heredoc or arithmetic: move it by hand")
        name = existing.get(expr_text)
        if name is None:
            name = next((n for n, v in new_env if v == expr_text), None)
        if name is None:
            inner = _EXPR.fullmatch(expr_text)
            name = env_name(inner.group(1) if inner else "", taken)
            taken.add(name)
            new_env.append((name, expr_text))
        # Unquoted where the expression was unquoted: the value is split into
        # words as before but never parsed as code again (the injection).
        ref = "${" + name + "}"
        source_ref = ref.replace('"', '\\"') if run.style == '"' else ref
        if run.style == "'" and "'" in source_ref:
            return skip("the script is a single-quoted YAML scalar")
        edits.append(Edit(start, end, source_ref))
        replacements.append((value_hits[i].start(), value_hits[i].end(), ref))
    for start, end, ref in sorted(replacements, reverse=True):
        new_script = new_script[:start] + ref + new_script[end:]
    lines = [f"{name}: {value}" for name, value in new_env]
    if lines:
        env_edit = _append_to_block(doc, env, lines) if isinstance(env, Mapping) else _add_block_key(doc, step, "env", lines)
        if env_edit is None:
            return skip("no place to add `env:`")
        edits.append(env_edit)

    def expect(plain: Any, path: KeyPath = path) -> None:
        node = _at(plain, path)
        node["run"] = new_script
        env_map = node.setdefault("env", {})
        for name, value in new_env:
            env_map[name] = value

    names = ", ".join(f"`{n}`" for n, _ in new_env) or "the step's existing variables"
    return [
        Proposal(
            findings[0].rule_id,
            first.path,
            first.line,
            f"move {len(chosen)} expression{'s' if len(chosen) > 1 else ''} into `env:` ({names}) and use "
            "the shell variable",
            FixLevel.SAFE,
            findings,
            edits,
            expect,
        )
    ]


# ---------------------------------------------------------------------------
# excessive-permissions: least privilege where the rule proved the grant idle


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
                node = _at(plain, perms_path)
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
                isinstance(v, Scalar) and TOKEN_USE.search(v.value) for _, v in values
            ):
                return f"passes it in `{field_name}:`"
    for step in _seq(job.get("steps")):
        if not isinstance(step, Mapping):
            continue
        run = step.get("run")
        if isinstance(run, Scalar) and (TOKEN_USE.search(run.value) or GIT_USE.search(run.value)):
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




# ---------------------------------------------------------------------------
# install-in-publish-job: --ignore-scripts on the job's npm/pnpm installs

#: Installs that run dependency lifecycle scripts and accept ``--ignore-scripts``.
#: (Yarn is left out: berry has no such flag and the version is not in the file.)
_INSTALL = re.compile(r"\b(?:npm\s+(?:ci|install|i)|pnpm\s+(?:install|i))\b(?![\w-])")
#: The rest of one shell command after the install words.
_COMMAND_REST = re.compile(r"[^\n;&|]*")


def _install_edits(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(offset, end of command)`` after each install command words in ``text[start:end]``
    that lacks ``--ignore-scripts``."""
    out: list[tuple[int, int]] = []
    for match in _INSTALL.finditer(text, start, end):
        rest = _COMMAND_REST.match(text, match.end(), end)
        tail = rest.group(0) if rest else ""
        if "--ignore-scripts" in tail or "--no-scripts" in tail:
            continue
        out.append((match.end(), match.end() + len(tail)))
    return out


def fix_install_in_publish_job(findings: list[Finding], doc: Document) -> list[Outcome]:
    out: list[Outcome] = []
    for finding in findings:
        loc = finding.primary
        job_id = str(finding.properties.get("job", ""))
        job = doc.job_of(("jobs", job_id))
        steps = job.get("steps") if job is not None else None
        prefix: KeyPath = ("jobs", job_id, "steps")
        runs = doc.root.get("runs") if job is None and isinstance(doc.root, Mapping) else None
        if isinstance(runs, Mapping):
            # the install sits in a local composite action the publishing job runs
            steps, prefix = runs.get("steps"), ("runs", "steps")
        if not isinstance(steps, Sequence):
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "the job's steps were not found"))
            continue
        edits: list[Edit] = []
        changes: list[tuple[int, str]] = []
        for index, step in enumerate(steps.items):
            run = step.get("run") if isinstance(step, Mapping) else None
            if not isinstance(run, Scalar) or run.style in ("'", '"'):
                continue
            source_hits = _install_edits(doc.source.text, run.start, run.end)
            value_hits = _install_edits(run.value, 0, len(run.value))
            if len(source_hits) != len(value_hits):
                continue
            edits.extend(Edit(at, at, " --ignore-scripts") for at, _ in source_hits)
            if value_hits:
                new = run.value
                for at, _ in reversed(value_hits):
                    new = new[:at] + " --ignore-scripts" + new[at:]
                changes.append((index, new))
        if not edits:
            out.append(
                Skipped(
                    finding.rule_id,
                    loc.path,
                    loc.line,
                    "no npm or pnpm install to add --ignore-scripts to (pip, builds and yarn need a hand-made change:"
                    " build in a job without publish power)",
                )
            )
            continue

        def expect(plain: Any, prefix: KeyPath = prefix, changes: list[tuple[int, str]] = changes) -> None:
            for index, new in changes:
                _at(plain, prefix)[index]["run"] = new

        out.append(
            Proposal(
                finding.rule_id,
                loc.path,
                loc.line,
                f"add `--ignore-scripts` to {len(edits)} npm/pnpm install(s) of "
                + (f"job `{job_id}`" if prefix[0] == "jobs" else "the composite action (every caller is affected)")
                + " (packages whose"
                " install scripts build a native binary then need an explicit `npm rebuild NAME`)",
                FixLevel.UNSAFE,
                [finding],
                edits,
                expect,
            )
        )
    return out


#: Rule id → fixer. A rule not listed here has no automatic fix.
FIXERS: dict[str, Fixer] = {
    "artipacked": fix_artipacked,
    "template-injection": fix_template_injection,
    "excessive-permissions": fix_excessive_permissions,
    "publish-without-environment": suggest_environment,
    "install-in-publish-job": fix_install_in_publish_job,
}
