"""What a single step says, read without the rest of its job: literal flags, secret names,
checkout folders, action versions, artifact downloads of other runs, cache keys."""

from __future__ import annotations

import functools
import re

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.knowledge import cache_read_only_by_default, cache_token_table, step_info
from shipwarden.ci.github.model import Job, Scalar, Step, Workflow
from shipwarden.ci.shell import EventKind, analyze
from shipwarden.core.patterns import LazyPattern

TRUTHY_FALSE = ("false", "0", "no", "off")


def truthy(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    v = value.strip().lower()
    if "${{" in v:
        return True
    return v not in TRUTHY_FALSE and v != ""


_SECRET_REF = LazyPattern(r"\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'([^']+)'\s*\])", re.IGNORECASE)


def secret_names(text: str) -> frozenset[str]:
    """Names of ``secrets.X`` referenced in expressions, with the case they were written in."""
    if "secrets" not in text.lower():
        return frozenset()
    return _secret_names(text)


@functools.lru_cache(maxsize=4096)
def _secret_names(text: str) -> frozenset[str]:
    """:func:`secret_names` of a text that mentions ``secrets`` (the same env values are asked
    about for every step of a job)."""
    names: set[str] = set()
    for site in ex.find_expressions(text):
        spans = _flowing_spans(site)
        for m in _SECRET_REF.finditer(site.text):
            # `${{ secrets.X != '' }}` is a boolean: the secret's text never reaches the value
            if spans is None or any(s <= m.start() < e for s, e in spans):
                names.add(m.group(1) or m.group(2))
    return frozenset(names)


def _flowing_spans(site: ex.ExprSite) -> list[tuple[int, int]] | None:
    """Spans of the site's ``secrets`` references whose text reaches its value (not
    compared, negated or tested); None when the expression does not parse (all count)."""
    try:
        expr = ex.parse_site(site)
    except ex.ExprSyntaxError:
        return None
    return [(r.start, r.end) for r in ex.flowing_refs(expr) if r.path[:1] == ("secrets",)]


_WORKSPACE_PREFIX = LazyPattern(r"^\$\{\{\s*github\.workspace\s*\}\}/?|^\$\{?GITHUB_WORKSPACE\}?/?")


def checkout_path(step: Step) -> str:
    """``with: path:`` of a checkout, normalised; "" for the workspace or anything not literal."""
    node = step.with_.get("path")
    if node is None:
        return ""
    value = _WORKSPACE_PREFIX.sub("", node.value.strip()).strip().removeprefix("./").rstrip("/")
    if not value or value == "." or "${{" in value or "$" in value or value.startswith(("/", "..")):
        return ""
    return value


def mentions(step: Step, folder: str) -> bool:
    """Does ``step`` work inside or name ``folder`` (cd, --prefix, a path, a local action)?"""
    pattern = re.compile(r"(?:^|[\s'\"=:(/])(?:\./)?" + re.escape(folder) + r"(?:/|[\s'\";)&|]|$)")
    texts = [v.value for v in step.with_.values()]
    if step.run is not None:
        texts.append(step.run.value)
    if step.working_directory is not None:
        texts.append(" " + step.working_directory)
    if step.uses is not None and step.uses.from_workspace:
        texts.append(" " + step.uses.subpath)
    return any(pattern.search(text) for text in texts)


_MAJOR = LazyPattern(r"^v?(\d+)(?:[.\-]|$)")
_MAJOR_COMMENT = LazyPattern(r"#\s*v?(\d+)(?:[.\s]|$)")


def uses_major(step: Step) -> int | None:
    """Major version of a ``uses:`` reference: its tag, or for a SHA pin the
    version in the comment after it (``@<sha>  # v5.0.0``)."""
    uses = step.uses
    if uses is None:
        return None
    m = _MAJOR.match(uses.ref)
    if m is None and uses.ref_kind == "sha":
        line, _ = step.file.source.position(uses.node.start)
        m = _MAJOR_COMMENT.search(step.file.source.line_text(line))
    return int(m.group(1)) if m else None


def fork_artifacts(step: Step, wf: Workflow) -> bool:
    """Can this download step take artifacts another run produced — possibly a fork
    pull request's run — rather than this run's own jobs?

    ``actions/download-artifact`` does with ``run-id`` (or, in a ``workflow_run``
    workflow, a token to read the triggering run). A third-party downloader does
    with an explicit run id; a search of recent runs takes fork runs only when
    its fork input is on, or in versions from before that input defaulted to off.
    """
    info = step_info(step)
    if info is None or "artifact-download" not in info.does:
        # `gh run download`, or a github-script that lists and downloads a run's artifacts
        text = script_text(step)
        if not other_download(text):
            return False
        return "workflow_run" in wf.triggers or bool(_RUN_ID_OF_OTHERS.search(text))
    if info.name == "actions/download-artifact":
        return "run-id" in step.with_ or ("workflow_run" in wf.triggers and "github-token" in step.with_)
    if not info.forks_input:
        return True  # a downloader of other runs we know nothing more about
    if info.run_id_input and info.run_id_input in step.with_:
        return True
    value = step.with_.get(info.forks_input)
    if value is not None:
        text = value.value.strip().lower()
        return "${{" in text or text not in ("", "false")
    major = uses_major(step)
    return major is not None and major < info.forks_default_until_major


#: a script that sets step outputs ...
SETS_OUTPUT = LazyPattern(r"GITHUB_OUTPUT|core\.setOutput\s*\(|::set-output\b")
#: ... from the event payload's outsider-written fields (titles, bodies, branch names, authors;
#: not logins, which data/contexts.toml holds shape-constrained: withastro/astro@99d3d3dbbfa4
#: reads a fork's `owner.login` only to fetch a file, and outputs `minor` or `major`)
READS_EVENT_PAYLOAD = LazyPattern(r"GITHUB_EVENT_PATH|github\.event_path|context\.payload\.")
EVENT_TEXT_FIELD = LazyPattern(
    r"\.(?:title|body|message|head\.ref|head_ref|label|name|email)\b|\[['\"](?:title|body|message)['\"]\]"
)

#: artifact downloads written as commands or API calls instead of a downloader action
OTHER_DOWNLOAD = LazyPattern(
    r"\bgh\s+run\s+download\b|\bdownloadArtifact\s*\(|\blistWorkflowRunArtifacts\s*\("
    r"|/actions/artifacts/[^\s'\"]*/zip|/actions/runs/[^\s'\"]*/artifacts"
)
#: a word every match of OTHER_DOWNLOAD holds: a text without any of them needs no search (the
#: pattern has no literal start for ``re`` to skip ahead to, so a search tries every position)
OTHER_DOWNLOAD_WORDS = ("download", "Artifacts", "/actions/")


def other_download(text: str) -> bool:
    """Does ``text`` download artifacts with a command or an API call (:data:`OTHER_DOWNLOAD`)?"""
    for word in OTHER_DOWNLOAD_WORDS:
        if word in text:
            return OTHER_DOWNLOAD.search(text) is not None
    return False
#: ... naming another run than this one
_RUN_ID_OF_OTHERS = LazyPattern(
    r"workflow_run\.id|run_id\s*[:=]\s*(?!context\.runId|process\.env\.GITHUB_RUN_ID)"
    r"|\bgh\s+run\s+download\s+(?!\$\{\{\s*github\.run_id\s*\}\}|\$\{?GITHUB_RUN_ID\b|-)\S"
)


def _literal_prefix(key: str) -> str:
    i = key.find("${{")
    return key if i < 0 else key[:i]


#: what ``${{ runner.os }}`` (and ``<os>`` in an action's documented key) can be
_RUNNER_OS = ("Linux", "Windows", "macOS")
_KEY_PART = re.compile(r"\$\{\{(.*?)\}\}|<([^<>]*)>", re.DOTALL)
_OS_NAMES = ("runner.os", "os")
_ANY = "\x00"  # a wildcard position in a key pattern (matches any text)
_MAX_PATTERN = 400


def _key_patterns(key: str) -> list[str]:
    """The key as patterns in which ``_ANY`` stands for any text: an expression or a
    placeholder matches anything, except the runner's OS, which is one of three names."""
    out = [""]
    at = 0
    parts = list(_KEY_PART.finditer(key))
    oses = [m for m in parts if (m.group(1) if m.group(1) is not None else m.group(2)).strip().lower() in _OS_NAMES][:2]
    for m in parts:
        choices = _RUNNER_OS if any(m is o for o in oses) else (_ANY,)
        out = [p + key[at : m.start()] + c for p in out for c in choices]
        at = m.end()
    return [p + key[at:] for p in out]


def _meet(a: str, b: str) -> bool:
    """Is there a text that ``a`` matches whole and ``b`` matches a prefix of?"""
    b += _ANY
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == _ANY:
            todo.append((i + 1, j))
            if j < len(b):
                todo.append((i, j + 1))
        if j < len(b) and b[j] == _ANY:
            todo.append((i, j + 1))
            if i < len(a):
                todo.append((i + 1, j))
        if i < len(a) and j < len(b) and a[i] == b[j] != _ANY:
            todo.append((i + 1, j + 1))
    return False


def cache_keys_meet(saved: str, key: str, restore_keys: tuple[str, ...]) -> bool:
    """Can a cache entry saved as ``saved`` be restored by ``key``/``restore_keys`` (each
    matched as a prefix)? Expressions match anything but ``runner.os``, one of three names."""
    saved_prefix = _literal_prefix(saved)
    for candidate in (key, *restore_keys):
        prefix = _literal_prefix(candidate)
        if prefix and saved_prefix and not (prefix.startswith(saved_prefix) or saved_prefix.startswith(prefix)):
            continue
        if len(saved) > _MAX_PATTERN or len(candidate) > _MAX_PATTERN:
            return True
        if any(_meet(a, b) for a in _key_patterns(saved) for b in _key_patterns(candidate)):
            return True
    return False


def cache_mode(job: Job) -> str | None:
    """The job's ``cache-mode:`` (``read``, ``write``, ``write-only``, ``none``), else the workflow's."""
    for node in (job.node.get("cache-mode"), job.workflow.root.get("cache-mode")):
        if isinstance(node, Scalar):
            return node.value.strip().lower()
    return None


def cache_saves_refused(job: Job, event: str) -> bool:
    """Whether GitHub refuses the cache saves of ``job`` run by ``event``: the read-only cache
    token of an untrusted trigger in the default branch's scope (June 2026), unless
    ``cache-mode:`` grants writes; or ``cache-mode: read``/``none`` for any event."""
    mode = cache_mode(job)
    if mode is not None:
        return mode not in cache_token_table()["write_modes"]
    return cache_read_only_by_default(event)


def script_text(step: Step) -> str:
    if step.run is not None:
        return step.run.value
    script = step.with_.get("script")
    return script.value if script is not None else ""


_HASH_LINE = re.compile(r"(?m)^[ \t]*#.*$")


def code_text(step: Step) -> str:
    """What a step's script runs, without its comments (a ``# npm publish`` note is not a
    publish): the text of each command the shell analysis found, one a line; for a script in
    a shell it does not split into commands, the script without its ``#`` comment lines."""
    if step.run is None:
        return script_text(step)
    facts = analyze(step.run.value, step.shell)
    if facts.commands:
        return "\n".join(facts.script[c.start : c.end] for c in facts.commands)
    return _HASH_LINE.sub("", step.run.value)


#: an inline script that loads code from the workspace: ``require('./x')``, ``await import(`${process.env.GITHUB_WORKSPACE}/…`)``
LOADS_FILE = LazyPattern(r"""\b(?:require|import)\s*\(\s*[`'"](?:\.{1,2}/|\$\{\s*process\.env\.GITHUB_WORKSPACE)|GITHUB_WORKSPACE|github\.workspace""")

_RUN_SCRIPT = LazyPattern(r"^(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?(?:--?[\w-]+\s+)*([\w:.@/-]+)")
_PROVENANCE = LazyPattern(r"--provenance\b")


def publish_through(text: str, job: Job, depth: int = 0) -> tuple[str, str] | None:
    """(registry, tool) when a command publishes indirectly: a ``package.json`` script
    (``pnpm run release`` → ``changeset publish``) or a release script given ``--provenance``
    (which only ``npm publish`` takes)."""
    if _PROVENANCE.search(text):
        return "npm", "a release script given --provenance"
    repo = job.workflow.repo
    m = _RUN_SCRIPT.match(text)
    if repo is None or m is None or depth > 2:
        return None
    body = repo.package_scripts.get(m.group(1))
    if not body:
        return None
    for ev in analyze(body, "bash").events:
        if ev.kind is EventKind.PUBLISH and ev.registry and ev.tool not in repo.publish_off:
            return ev.registry, f"{ev.tool} publish (package.json script {m.group(1)})"
        if ev.kind is EventKind.EXECUTES_REPO_CODE:
            inner = publish_through(" ".join(body[ev.start : ev.end].split()), job, depth + 1)
            if inner is not None:
                return inner
    return None
