"""Remote composite actions, read on request (``scan --fetch-actions``).

A step ``uses: owner/repo[/path]@ref`` runs code the workflow file does not
show. When that action is a composite, its steps (an ``actions/cache`` on the
package store, an install, a build) belong in the job as much as the
workflow's own: TanStack's release job restored the poisoned pnpm store
through ``TanStack/config/.github/setup@main``, one hop away.

shipwarden is offline by default. With an :class:`ActionSource` this module,
for each remote action a job calls that the knowledge tables do not already
describe, fetches only the commit the ref names (shallow, trees without
blobs) into a bare repository in the user's cache directory, reads that
commit's ``action.yml``/``action.yaml`` (bounded, never a link), parses it
like a local action and records it in :attr:`Repository.remote_actions`, so
its composite steps are expanded beside the calling step for every rule and
the path search. Nested remote composites are followed to
:data:`MAX_DEPTH`. Anything that fails becomes a per-action
:class:`ScanError` ("not resolved: …") and the scan goes on.

The cache is the bare repositories themselves, one per ``owner/repo``: a ref
that is a full commit sha already present is read without the network; a
branch or tag is fetched again on every run, since its owner can move it. The
cache is used only with an :class:`ActionSource` (``--fetch-actions``): a scan
without it never reads the cache, so its result does not depend on what an
earlier run happened to fetch.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path

from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.loader import ACTION_FILES, parse_action
from shipwarden.ci.github.model import Action, Repository, Step
from shipwarden.ci.github.uses import Uses
from shipwarden.ci.yamlspan import MAX_FILE_BYTES, decode
from shipwarden.core.findings import Finding, Location, ScanError
from shipwarden.core.gitconfig import run_git
from shipwarden.core.patterns import LazyPattern
from shipwarden.core.structs import struct

#: The public GitHub server, used when neither the option, ``GITHUB_SERVER_URL``
#: nor the configuration names another.
DEFAULT_SERVER = "https://github.com"
#: How many remote composites deep a chain of composites is followed.
MAX_DEPTH = 3
#: Most distinct remote actions read for one repository.
MAX_ACTIONS = 100
#: Seconds one git command may take (a fetch over a slow link included).
GIT_TIMEOUT = 120

_OWNER = LazyPattern(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_NAME = LazyPattern(r"^[A-Za-z0-9_.-]{1,100}$")
_REF = LazyPattern(r"^[A-Za-z0-9_][A-Za-z0-9_./+-]{0,254}$")
_SUBPATH = LazyPattern(r"^[A-Za-z0-9_.@+ -][A-Za-z0-9_./@+ -]{0,500}$")
_SHA = LazyPattern(r"^[0-9a-f]{40}$")
_SCHEMES = ("https://", "http://", "file://")


class SourceError(ValueError):
    """An action server that is not a URL shipwarden will hand to git."""


@struct(frozen=True)
class ActionSource:
    """Where remote actions are fetched from and cached."""

    #: base URL: ``<server>/<owner>/<repo>`` is the git remote (``https://``, ``http://``, ``file://``)
    server: str
    #: folder of the bare repositories (``<cache>/<owner>/<repo>.git``)
    cache_dir: Path
    max_depth: int = MAX_DEPTH


def action_source(server: str | None = None, cache_dir: Path | None = None) -> ActionSource:
    """An :class:`ActionSource`: ``server`` (the option or configuration), else
    ``GITHUB_SERVER_URL``, else the public server; the cache under the user's cache folder."""
    base = (server or os.environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER).strip().rstrip("/")
    if not base.startswith(_SCHEMES) or any(c.isspace() for c in base):
        raise SourceError(f"action server must be an https://, http:// or file:// URL, not {_shown(base)!r}")
    if cache_dir is None:
        from platformdirs import user_cache_dir  # lazy for start-up: only --fetch-actions reads it

        cache_dir = Path(user_cache_dir("shipwarden")) / "actions"
    return ActionSource(base, cache_dir)


def _shown(url: str) -> str:
    """``url`` without a ``user:password@`` part (never printed)."""
    return re.sub(r"^([a-z]+://)[^/@]*@", r"\1", url)


# --------------------------------------------------------------------------- which actions


def wanted(step: Step) -> bool:
    """Is ``step`` a remote action whose steps the scan cannot see without reading it?

    Actions the knowledge tables describe (``actions/cache``, ``pnpm/action-setup``,
    …) are judged from the table; docker actions and local ones are not remote.
    """
    uses = step.uses
    return uses is not None and uses.kind == "repo" and step_info(step) is None


def _valid(uses: Uses) -> str:
    """Why ``uses`` cannot be fetched ("" when it can)."""
    if not _OWNER.match(uses.owner) or not _NAME.match(uses.repo) or uses.repo in (".", ".."):
        return "not an owner/repository name"
    if not uses.ref:
        return "no @ref"
    if not _REF.match(uses.ref) or ".." in uses.ref or "@{" in uses.ref or uses.ref.endswith((".lock", "/", ".")):
        return "not a git ref name"
    sub = uses.subpath.strip("/")
    if sub and (not _SUBPATH.match(sub) or any(part in ("", ".", "..") for part in sub.split("/"))):
        return "not a path inside the repository"
    return ""


# --------------------------------------------------------------------------- fetching


@struct
class _Fetched:
    sha: str
    action: Action | None
    note: str = ""


@struct
class Resolver:
    """Reads remote actions for one scan (each ``owner/repo@ref`` at most once)."""

    source: ActionSource
    done: dict[str, _Fetched] = field(default_factory=dict)
    #: ``owner/repo@ref`` → commit sha, so every path of one repository at one ref reads one commit
    commits: dict[str, str] = field(default_factory=dict)

    def resolve(self, uses: Uses) -> _Fetched:
        key = uses.remote_key
        if key not in self.done:
            try:
                self.done[key] = self._read(uses)
            except OSError as exc:
                self.done[key] = _Fetched("", None, f"not resolved: {self._clean(str(exc))}")
        return self.done[key]

    def _clean(self, message: str) -> str:
        lines = [line for line in message.splitlines() if line.strip() and not line.startswith(("hint:", "warning:"))]
        first = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else message)
        text = first.removeprefix("fatal: ").removeprefix("error: ").replace(self.source.server, _shown(self.source.server))
        return _shown(text)[:300]

    def _store(self, uses: Uses) -> Path:
        return self.source.cache_dir / uses.owner.lower() / f"{uses.repo.lower()}.git"

    def _read(self, uses: Uses) -> _Fetched:
        why = _valid(uses)
        if why:
            return _Fetched("", None, f"not resolved: {why}")
        store = self._store(uses)
        with _locked(store):
            sha = self._commit(uses, store)
            return self._action_at(uses, store, sha)

    def _commit(self, uses: Uses, store: Path) -> str:
        repo_key = f"{uses.owner}/{uses.repo}@{uses.ref}".lower()
        if repo_key in self.commits:
            return self.commits[repo_key]
        if not (store / "HEAD").is_file():
            store.mkdir(parents=True, exist_ok=True)
            run_git(store, "init", "--bare", "--quiet", timeout=GIT_TIMEOUT)
        url = f"{self.source.server}/{uses.owner}/{uses.repo}"
        run_git(store, "config", "remote.origin.url", url, timeout=GIT_TIMEOUT)
        ref = uses.ref
        if _SHA.match(ref) and _has_commit(store, ref):
            sha = ref  # a commit never changes: the cached copy is the same
        else:
            run_git(
                store, "fetch", "--quiet", "--depth=1", "--filter=blob:none", "--no-tags",
                "--no-recurse-submodules", "--", "origin", ref,
                timeout=GIT_TIMEOUT,
            )
            sha = run_git(store, "rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}").decode().strip()
            if _SHA.match(ref) and sha != ref:
                raise OSError(f"the server returned {sha[:12]} for commit {ref[:12]}")
        self.commits[repo_key] = sha
        return sha

    def _action_at(self, uses: Uses, store: Path, sha: str) -> _Fetched:
        sub = uses.subpath.strip("/")
        for name in ACTION_FILES:
            rel = f"{sub}/{name}" if sub else name
            listing = run_git(store, "ls-tree", "-z", "--full-tree", sha, "--", rel, timeout=GIT_TIMEOUT)
            if not listing.strip(b"\0"):
                continue
            meta = listing.split(b"\t", 1)[0].split()
            if len(meta) < 3 or meta[1] != b"blob":
                return _Fetched(sha, None, f"not resolved: {rel} is not a file")
            if meta[0] == b"120000":
                return _Fetched(sha, None, f"not resolved: {rel} is a symbolic link; not followed")
            size = int(run_git(store, "cat-file", "-s", meta[2].decode("ascii"), timeout=GIT_TIMEOUT).strip() or 0)
            if size > MAX_FILE_BYTES:
                return _Fetched(sha, None, f"not resolved: {rel} is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
            data = run_git(store, "cat-file", "blob", meta[2].decode("ascii"), timeout=GIT_TIMEOUT, max_bytes=MAX_FILE_BYTES)
            shown = f"{uses.owner}/{uses.repo}/{rel}@{sha}"
            try:
                action = parse_action(shown, f"{uses.owner}/{uses.repo}/{sub}@{sha}", decode(data, shown))
            except Exception as exc:  # noqa: BLE001 - one action must not end the scan
                return _Fetched(sha, None, f"not resolved: {rel} at {sha[:12]}: {exc}")
            return _Fetched(sha, action)
        where = f"{sub}/" if sub else ""
        return _Fetched(sha, None, f"not resolved: no {where}action.yml or action.yaml at {sha[:12]}")


def _has_commit(store: Path, sha: str) -> bool:
    try:
        run_git(store, "cat-file", "-e", f"{sha}^{{commit}}", timeout=GIT_TIMEOUT)
    except OSError:
        return False
    return True


@contextmanager
def _locked(store: Path) -> Iterator[None]:
    """One process at a time per cached repository (scan workers share the cache)."""
    store.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(store) + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the model


def resolve_remote_actions(repo: Repository, source: ActionSource, resolver: Resolver | None = None) -> list[ScanError]:
    """Read the remote actions ``repo``'s jobs call (and, transitively, the remote
    composites those call) into ``repo.remote_actions``; one error per action not read."""
    resolver = resolver or Resolver(source)
    errors: list[ScanError] = []
    reported: set[str] = set()
    level: list[Step] = [s for wf in repo.workflows for job in wf.jobs for s in job.steps]
    level += [s for action in repo.actions.values() for s in action.steps]
    for _depth in range(source.max_depth):
        nested: list[Step] = []
        for step in level:
            if not wanted(step):
                continue
            assert step.uses is not None
            key = step.uses.remote_key
            if key in repo.remote_actions or key in reported:
                continue
            if len(repo.remote_actions) + len(reported) >= MAX_ACTIONS:
                errors.append(ScanError(step.file.path, f"more than {MAX_ACTIONS} remote actions; the rest not read", "remote-action"))
                return errors
            fetched = resolver.resolve(step.uses)
            if fetched.action is None:
                reported.add(key)
                loc = step.uses.node
                line = step.file.source.position(loc.start)[0]
                errors.append(ScanError(step.file.path, f"{step.uses.raw}: {fetched.note}", "remote-action", line))
                continue
            repo.remote_actions[key] = fetched.action
            nested.extend(fetched.action.steps)
        level = nested
        if not level:
            break
    for step in level:
        if wanted(step) and step.uses is not None and step.uses.remote_key not in repo.remote_actions:
            line = step.file.source.position(step.uses.node.start)[0]
            note = f"{step.uses.raw}: not resolved: composite actions nest deeper than {source.max_depth} remote levels"
            errors.append(ScanError(step.file.path, note, "remote-action", line))
    return errors


#: Calling steps named on one finding inside a remote action.
MAX_CALLERS = 3


def attach_callers(repo: Repository, findings: list[Finding]) -> None:
    """Give each finding located inside a remote action the workflow steps that call it
    (extra locations), so the reader sees where the action enters the repository."""
    callers: dict[str, list[Location]] = {}
    for wf in repo.workflows:
        for job in wf.jobs:
            for step in job.all_steps():
                outer = step
                while outer.via is not None:
                    outer = outer.via
                action = repo.action_for(step.uses) if step.uses is not None and step.uses.kind == "repo" else None
                if action is None or outer.file.path != wf.path:
                    continue
                assert outer.uses is not None
                places = callers.setdefault(action.path, [])
                loc = outer.location(f"job `{job.id}` calls `{outer.uses.raw}`")
                if len(places) < MAX_CALLERS and all((p.path, p.line) != (loc.path, loc.line) for p in places):
                    places.append(loc)
    if not callers:
        return
    for finding in findings:
        if finding.rule_id == "attack-path" or not finding.locations:
            continue
        primary = finding.locations[0].path
        if primary in callers:
            present = {(loc.path, loc.line) for loc in finding.locations}
            finding.locations.extend(loc for loc in callers[primary] if (loc.path, loc.line) not in present)
