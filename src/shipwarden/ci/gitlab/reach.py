"""When does a GitLab job run? ``rules``/``only``/``except`` and ``workflow:rules`` evaluated
in four kinds of pipeline, with three-valued logic (yes / maybe / no).

* ``mr`` — a merge request pipeline (the MR author picks title, description, source branch);
* ``branch`` — a push to an unprotected branch (any developer; no protected variables);
* ``default`` — the default branch (protected);
* ``tag`` — a tag pipeline.

Values GitLab sets in each kind are known; project-level and unknown variables are
"unknown", so a condition on them is *maybe*. Conditions on changed files are *maybe*.
Only a definite *yes* raises a finding's tier; *maybe* never does.
"""

from __future__ import annotations

import enum
import functools
import re

from shipwarden.ci.gitlab.model import Job, Pipeline, flatten
from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence
from shipwarden.core.structs import struct

CONTEXTS = ("mr", "branch", "default", "tag")


class Tri(enum.IntEnum):
    NO = 0
    MAYBE = 1
    YES = 2


class _Sym(enum.Enum):
    ANY = "any"  # unknown text, possibly empty
    SOME = "some"  # unknown, non-empty text (a tag name in a tag pipeline)
    OTHER = "other"  # a branch name that equals no literal in the file
    DEFAULT = "default"  # the default branch's name


Value = str | None | _Sym

_MR_KNOWN: dict[str, Value] = {
    "CI_PIPELINE_SOURCE": "merge_request_event",
    "CI_MERGE_REQUEST_ID": "1",
    "CI_MERGE_REQUEST_IID": "1",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": _Sym.OTHER,
    "CI_COMMIT_BRANCH": None,
    "CI_COMMIT_TAG": None,
    "CI_COMMIT_REF_NAME": _Sym.OTHER,
    "CI_COMMIT_REF_PROTECTED": "false",
    "CI_EXTERNAL_PULL_REQUEST_IID": None,
}
_PUSH: dict[str, Value] = {"CI_PIPELINE_SOURCE": "push", "CI_EXTERNAL_PULL_REQUEST_IID": None}
_KNOWN: dict[str, dict[str, Value]] = {
    "mr": _MR_KNOWN,
    "branch": {
        **_PUSH,
        "CI_COMMIT_BRANCH": _Sym.OTHER,
        "CI_COMMIT_REF_NAME": _Sym.OTHER,
        "CI_COMMIT_TAG": None,
        "CI_COMMIT_REF_PROTECTED": "false",
    },
    "default": {
        **_PUSH,
        "CI_COMMIT_BRANCH": _Sym.DEFAULT,
        "CI_COMMIT_REF_NAME": _Sym.DEFAULT,
        "CI_COMMIT_TAG": None,
        "CI_COMMIT_REF_PROTECTED": "true",
    },
    "tag": {**_PUSH, "CI_COMMIT_BRANCH": None, "CI_COMMIT_TAG": _Sym.SOME, "CI_COMMIT_REF_NAME": _Sym.SOME},
}


#: variables that name a child pipeline's source (set by ``job_reach`` for child pipelines)
_CHILD = "\x00child"


def _lookup(name: str, ctx: str, variables: dict[str, Scalar]) -> Value:
    if name == "CI_PIPELINE_SOURCE" and _CHILD in variables:
        return "parent_pipeline"
    known = _KNOWN[ctx]
    if name in known:
        return known[name]
    if name == "CI_DEFAULT_BRANCH":
        return _Sym.DEFAULT
    if name.startswith("CI_MERGE_REQUEST_"):
        return _Sym.ANY if ctx == "mr" else None
    if name in variables and "$" not in variables[name].value:
        return variables[name].value
    return _Sym.ANY


# ------------------------------------------------------------------ expressions

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
    | (?P<str>"[^"]*"|'[^']*')
    | (?P<re>/(?:\\.|[^/\\])*/[a-z]*)
    | (?P<op>==|!=|=~|!~|&&|\|\||\(|\))
    | (?P<null>null\b)
    )""",
    re.X,
)


class _Unparsed(Exception):
    pass


@functools.lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    """Tokens of a ``rules:if`` expression (cached: templates repeat the same ones)."""
    return tuple(_scan(text))


def _scan(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _Unparsed(text)
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


@struct
class _Regex:
    pattern: str
    flags: str


class _Eval:
    def __init__(self, tokens: tuple[tuple[str, str], ...], ctx: str, variables: dict[str, Scalar]) -> None:
        self.t = tokens
        self.i = 0
        self.ctx = ctx
        self.vars = variables

    def peek(self) -> str:
        return self.t[self.i][1] if self.i < len(self.t) else ""

    def run(self) -> Tri:
        value = self.or_()
        if self.i != len(self.t):
            raise _Unparsed("trailing tokens")
        return value

    def or_(self) -> Tri:
        left = self.and_()
        while self.peek() == "||":
            self.i += 1
            left = max(left, self.and_())
        return left

    def and_(self) -> Tri:
        left = self.cmp()
        while self.peek() == "&&":
            self.i += 1
            left = min(left, self.cmp())
        return left

    def cmp(self) -> Tri:
        if self.peek() == "(":
            self.i += 1
            value = self.or_()
            if self.peek() != ")":
                raise _Unparsed("unbalanced")
            self.i += 1
            return value
        left = self.operand()
        op = self.peek()
        if op in ("==", "!=", "=~", "!~"):
            self.i += 1
            right = self.operand()
            if op in ("==", "!="):
                res = _equal(left, right)
            else:
                res = _match(left, right)
            return Tri(2 - res) if op.startswith("!") else res
        return _truthy(left)

    def operand(self) -> Value | _Regex:
        if self.i >= len(self.t):
            raise _Unparsed("missing operand")
        kind, text = self.t[self.i]
        self.i += 1
        if kind == "var":
            return _lookup(text.strip("${}"), self.ctx, self.vars)
        if kind == "str":
            return text[1:-1]
        if kind == "null":
            return None
        if kind == "re":
            body, _, flags = text[1:].rpartition("/")
            return _Regex(body, flags)
        raise _Unparsed(text)


def _truthy(v: Value | _Regex) -> Tri:
    if v is None or v == "":
        return Tri.NO
    if isinstance(v, _Sym) and v is _Sym.ANY:
        return Tri.MAYBE
    return Tri.YES


def _equal(a: Value | _Regex, b: Value | _Regex) -> Tri:
    if isinstance(a, _Regex) or isinstance(b, _Regex):
        return Tri.MAYBE
    if a in (_Sym.ANY, _Sym.SOME) or b in (_Sym.ANY, _Sym.SOME):
        return Tri.NO if (a is None and b is _Sym.SOME) or (b is None and a is _Sym.SOME) else Tri.MAYBE
    if a is None or b is None:
        return Tri.YES if a is b else Tri.NO
    if isinstance(a, _Sym) and isinstance(b, _Sym):
        return Tri.YES if a is b else Tri.NO
    if _Sym.OTHER in (a, b):
        return Tri.NO
    if _Sym.DEFAULT in (a, b):
        return Tri.MAYBE
    return Tri.YES if a == b else Tri.NO


def _match(a: Value | _Regex, b: Value | _Regex) -> Tri:
    if not isinstance(b, _Regex):
        if isinstance(b, str):  # a variable holding a regex: unknown
            return Tri.MAYBE
        return Tri.MAYBE if b is not None else Tri.NO
    if a is None:
        return Tri.NO
    if isinstance(a, str):
        try:
            flags = re.I if "i" in b.flags else 0
            return Tri.YES if re.search(b.pattern, a, flags) else Tri.NO
        except re.error:
            return Tri.MAYBE
    return Tri.MAYBE


def evaluate(expr: str, ctx: str, variables: dict[str, Scalar]) -> Tri:
    """A ``rules:if`` expression in a context; unparsable expressions are *maybe*."""
    try:
        return _Eval(_tokens(expr), ctx, variables).run()
    except (_Unparsed, IndexError):
        return Tri.MAYBE


# ------------------------------------------------------------------ rules, only/except


@struct(frozen=True)
class Reach:
    """Whether a job runs in a context, and whether every way it runs is ``when: manual``."""

    tri: Tri
    manual: bool = False


def _rules(items: list[Node], ctx: str, variables: dict[str, Scalar], job_when: str) -> Reach:
    runs = Tri.NO
    manual = True
    for item in items:
        if not isinstance(item, Mapping):
            continue
        cond = Tri.YES
        if_node = item.get("if")
        if isinstance(if_node, Scalar):
            cond = evaluate(if_node.value, ctx, variables)
        if item.get("changes") is not None or item.get("exists") is not None:
            cond = min(cond, Tri.MAYBE)
        if cond is Tri.NO:
            continue
        when_node = item.get("when")
        when = when_node.value if isinstance(when_node, Scalar) else job_when
        if when != "never":
            runs = max(runs, cond)
            manual = manual and when == "manual"
        if cond is Tri.YES:
            break
    return Reach(runs, manual and runs is not Tri.NO)


_REF_KEYWORDS: dict[str, tuple[str, ...]] = {
    "branches": ("branch", "default"),
    "tags": ("tag",),
    "merge_requests": ("mr",),
    "pushes": ("branch", "default", "tag"),
    "external_pull_requests": ("mr",),
}
_INSIDER_SOURCES = frozenset({"api", "web", "schedules", "triggers", "pipelines", "chat"})


def _ref_match(ref: str, ctx: str) -> Tri:
    if ref in _REF_KEYWORDS:
        return Tri.YES if ctx in _REF_KEYWORDS[ref] else Tri.NO
    if ref in _INSIDER_SOURCES:
        return Tri.NO
    if ctx == "mr":
        return Tri.NO  # a branch name or pattern selects branch pipelines, not MR pipelines
    name: Value = _KNOWN[ctx].get("CI_COMMIT_REF_NAME", _Sym.ANY)
    if ref.startswith("/") and ref.rstrip("imsx").endswith("/") and len(ref) > 1:
        body, _, flags = ref[1:].rpartition("/")
        return _match(name, _Regex(body, flags))
    return _equal(name, ref)


def _only_except(node: Node | None, ctx: str, variables: dict[str, Scalar], default: list[str]) -> Tri:
    refs: list[str]
    conds: list[str] = []
    if node is None:
        refs = default
    elif isinstance(node, Mapping):
        refs = [s.value for s in flatten(node.get("refs"))] or (default if default else [])
        conds = [s.value for s in flatten(node.get("variables"))]
        if node.get("changes") is not None:
            conds.append("$__changes")
    else:
        refs = [s.value for s in flatten(node)]
    if not refs and not conds:
        return Tri.NO if not default else Tri.YES
    ref_ok = max((_ref_match(r, ctx) for r in refs), default=Tri.YES)
    if conds:
        var_ok = max(
            (Tri.MAYBE if c == "$__changes" else evaluate(c, ctx, variables) for c in conds), default=Tri.YES
        )
        ref_ok = min(ref_ok, var_ok)
    return ref_ok


def job_reach(job: Job, ctx: str) -> Reach:
    """Does ``job`` run in a pipeline of kind ``ctx``?"""
    pipe = workflow_reach(job.pipeline, ctx)
    parents = job.pipeline.parent_jobs
    if parents:
        # a child pipeline runs where its trigger jobs run
        pipe = min(pipe, max(job_reach(p, ctx).tri for p in parents))
    if pipe is Tri.NO:
        return Reach(Tri.NO)
    variables = job.variables()
    if parents:
        variables = {**variables, _CHILD: Scalar(0, 0, "")}
    when = job.text("when") or "on_success"
    rules = job.get("rules")
    if isinstance(rules, Sequence):
        r = _rules(rules.items, ctx, variables, when)
        return Reach(min(pipe, r.tri), r.manual)
    if when == "never":
        return Reach(Tri.NO)
    only = _only_except(job.get("only"), ctx, variables, ["branches", "tags"])
    exc = job.get("except")
    excluded = _only_except(exc, ctx, variables, []) if exc is not None else Tri.NO
    tri = min(only, Tri(2 - excluded), pipe)
    return Reach(tri, when == "manual")


def workflow_reach(pipeline: Pipeline, ctx: str) -> Tri:
    memo = pipeline.memo.get(-1)
    if not isinstance(memo, dict):
        memo = {}
        pipeline.memo[-1] = memo
    if ctx not in memo:
        memo[ctx] = _workflow_reach(pipeline, ctx)
    result = memo[ctx]
    assert isinstance(result, Tri)
    return result


def _workflow_reach(pipeline: Pipeline, ctx: str) -> Tri:
    wf = pipeline.workflow
    rules = wf.get("rules") if wf is not None else None
    if not isinstance(rules, Sequence):
        return Tri.YES
    variables = pipeline.variables
    if pipeline.parent_jobs:
        variables = {**variables, _CHILD: Scalar(0, 0, "")}
    return _rules(rules.items, ctx, variables, "always").tri


def reaches(job: Job) -> dict[str, Reach]:
    return {ctx: job_reach(job, ctx) for ctx in CONTEXTS}
