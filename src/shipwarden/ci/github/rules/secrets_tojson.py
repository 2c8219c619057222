"""secrets-tojson: the whole ``secrets`` context is used (``toJSON(secrets)``, ``secrets[expr]``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.model import Mapping, Node, Repository, Scalar, Sequence, Workflow
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier
from shipwarden.core.patterns import CaselessPattern

META = RuleMeta(
    id="secrets-tojson",
    row=2,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Every secret dumped at once (toJSON(secrets))",
)


#: A field's place in the workflow: ``(parent, key)`` with a mapping key or a sequence index.
_Trail = tuple["_Trail | None", "str | int"] | None


#: ``secrets`` not followed by ``.name``: a use of the whole context may start there (``secrets.NAME``,
#: one secret, never is one). Case-insensitive in ASCII only, as ``str.lower`` of the value sees it.
_WHOLE_CONTEXT = CaselessPattern(r"secrets(?!\.[a-z_])", re.ASCII)


def _may_use_secrets(text: str) -> bool:
    """Whether a scalar of a file with this text can use the whole ``secrets`` context: only an
    escape (``\\x73``, an escaped line break) in a quoted scalar makes text that the file does
    not hold as it is."""
    return "\\" in text or ("${{" in text and _WHOLE_CONTEXT.found(text))


def _candidates(node: Node | None, trail: _Trail, out: list[tuple[Scalar, _Trail]]) -> None:
    """The scalars under ``node`` whose value holds ``${{`` and ``secrets`` (any case), in document order."""
    if isinstance(node, Scalar):
        if "${{" in node.value and "secrets" in node.value.lower():
            out.append((node, trail))
    elif isinstance(node, Mapping):
        for key, value in node.items:
            _candidates(value, (trail, key.value), out)
    elif isinstance(node, Sequence):
        for i, item in enumerate(node.items):
            _candidates(item, (trail, i), out)


def _field(trail: _Trail) -> str:
    """``jobs.build.steps[0].run``: the dotted path of a field."""
    parts: list[str | int] = []
    while trail is not None:
        trail, part = trail
        parts.append(part)
    path = ""
    for part in reversed(parts):
        if isinstance(part, int):
            path = f"{path}[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path


def _whole_uses(expr: ex.Expr) -> Iterator[tuple[ex.Context, str]]:
    """``secrets`` used as a whole ("all") or indexed by a computed key ("dynamic")."""
    todo: list[tuple[ex.Expr, ex.Expr | None]] = [(expr, None)]
    while todo:
        e, parent = todo.pop()
        if isinstance(e, ex.Context) and e.name.lower() == "secrets":
            if isinstance(parent, ex.Property):
                pass  # secrets.NAME: one secret, the normal case
            elif isinstance(parent, ex.Index):
                if not isinstance(parent.index, ex.String):
                    yield e, "dynamic"
            else:
                yield e, "all"  # bare, a function argument, or `secrets.*`
        for child in ex.children(e):
            todo.append((child, e))


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    if not _may_use_secrets(wf.file.source.text):
        return
    found: list[tuple[Scalar, _Trail]] = []
    _candidates(wf.root, None, found)
    for node, trail in found:
        field = _field(trail)
        for site in ex.find_expressions(node.value):
            if not site.terminated:
                continue
            try:
                expr = ex.parse_site(site)
            except ex.ExprSyntaxError:
                continue
            flows = {ref.start: ref.flows for ref in ex.context_refs(expr) if ref.path and ref.path[0] == "secrets"}
            for ctx, kind in _whole_uses(expr):
                location = wf.file.value_location(node, site.start, site.end)
                if kind == "dynamic":
                    yield META.finding(
                        f"`{field}` indexes the secrets context with a computed key (`${{{{{site.text}}}}}`): GitHub"
                        " cannot tell which secret the job needs, so it sends every secret to the runner",
                        [location],
                        tier=Tier.P2,
                        confidence=Confidence.MEDIUM,
                        key=f"{wf.path}|{field}|{site.text.strip()}",
                        properties={"field": field, "kind": "dynamic-index"},
                    )
                    continue
                reaches = flows.get(ctx.start, True)
                tier = Tier.P1 if reaches else Tier.P2
                tail = (
                    "every repository and organisation secret lands in one value that any step, log line or"
                    " third-party action it reaches can take at once, and GitHub sends all of them to the runner"
                    if reaches
                    else "GitHub sends every secret to the runner to evaluate it"
                )
                yield META.finding(
                    f"`{field}` uses the whole secrets context (`${{{{{site.text}}}}}`): {tail}",
                    [location],
                    tier=tier,
                    key=f"{wf.path}|{field}|{site.text.strip()}",
                    properties={"field": field, "kind": "whole-context"},
                )
