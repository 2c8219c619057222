"""template-injection: move ``${{ }}`` into ``env:`` and use a shell variable."""

from __future__ import annotations

import re
from typing import Any

import tree_sitter
import tree_sitter_bash

from shipwarden.ci.yamlspan import Mapping, Scalar
from shipwarden.core.findings import Finding
from shipwarden.fix.edits import Edit
from shipwarden.fix.model import (
    Document,
    FixLevel,
    KeyPath,
    Outcome,
    Proposal,
    Skipped,
    add_block_key,
    append_to_block,
    node_at,
)
from shipwarden.fix.yamltext import block_indent

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
        env_edit = append_to_block(doc, env, lines) if isinstance(env, Mapping) else add_block_key(doc, step, "env", lines)
        if env_edit is None:
            return skip("no place to add `env:`")
        edits.append(env_edit)

    def expect(plain: Any, path: KeyPath = path) -> None:
        node = node_at(plain, path)
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


