"""Judge how a verified artifact was built: the claims against the repository's
policy, the previous versions, and the pipeline at the attested commit."""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from shipwarden.ci.github.knowledge import event_table
from shipwarden.core.findings import Finding, Hop, Location, Tier
from shipwarden.core.tables import load_table
from shipwarden.provenance import rules
from shipwarden.provenance.claims import Claims


@cache
def knowledge() -> dict[str, Any]:
    return load_table("shipwarden.provenance", "intent.toml")


@dataclass(slots=True)
class Policy:
    """What the package's maintainers say its releases look like (``[provenance]``
    in the policy file, or command-line options)."""

    repository: str = ""  # owner/name
    repository_id: str = ""
    workflow: str = ""  # .github/workflows/release.yml
    default_branch: str = ""  # main
    #: name prefixes (``@scope/``, ``scope-``) whose packages must carry provenance
    require_provenance: tuple[str, ...] = ()

    def requires(self, package: str) -> bool:
        return any(package == p or package.startswith(p) for p in self.require_provenance)


@dataclass(slots=True)
class Release:
    """One published version, with what is known about it."""

    package: str
    version: str
    published: datetime | None = None
    #: the publishing identity (registry user or provenance identity)
    identity: str = ""
    claims: Claims | None = None
    #: True when the registry lists an attestation for this version
    has_provenance: bool = False


@dataclass(slots=True)
class Subject:
    """What is being judged: one artifact and its verified claims."""

    package: str
    version: str
    source: str  # the bundle file or registry address, for locations
    claims: Claims | None
    history: list[Release] = field(default_factory=list)


def _loc(subject: Subject, label: str = "") -> Location:
    return Location(subject.source, label=label or f"{subject.package}@{subject.version}")


def _name(subject: Subject) -> str:
    return f"`{subject.package}@{subject.version}`"


# --------------------------------------------------------------------------- single-artifact rules


def check_trigger(subject: Subject) -> Iterable[Finding]:
    c = subject.claims
    if c is None or not c.trigger:
        return
    info = event_table().get(c.trigger)
    if info is None or not (info.outsider and info.privileged):
        return
    yield rules.UNTRUSTED_TRIGGER.finding(
        f"{_name(subject)} was built and signed by `{c.workflow_path or c.identity}` started by `{c.trigger}`:"
        f" {info.note or 'an outsider can start it'}; the provenance is valid, the intent is anyone's",
        [_loc(subject)],
        key=f"{subject.package}|{c.trigger}|{c.workflow_path}",
        properties={"trigger": c.trigger, "run": c.run_invocation_uri},
    )


def check_ref(subject: Subject, policy: Policy) -> Iterable[Finding]:
    c = subject.claims
    if c is None or not c.is_ci or not c.ref:
        return
    k = knowledge()
    if any(c.ref.startswith(p) for p in k["release_ref_prefixes"]):
        return
    defaults = [f"refs/heads/{policy.default_branch}"] if policy.default_branch else list(k["default_branches"])
    if c.ref in defaults:
        return
    yield rules.UNEXPECTED_REF.finding(
        f"{_name(subject)} was built from `{c.ref}`, neither a release tag nor the default branch"
        f" ({', '.join(d.removeprefix('refs/heads/') for d in defaults)})",
        [_loc(subject)],
        key=f"{subject.package}|{c.ref}",
        properties={"ref": c.ref},
    )


def check_runner(subject: Subject) -> Iterable[Finding]:
    c = subject.claims
    if c is None or c.runner_environment not in knowledge()["self_hosted_runner_environments"]:
        return
    yield rules.SELF_HOSTED.finding(
        f"{_name(subject)} was built on a self-hosted runner: its disk, caches and tools outlive the run"
        " and are shared with whatever else runs there",
        [_loc(subject)],
        key=f"{subject.package}|runner",
    )


def check_person(subject: Subject) -> Iterable[Finding]:
    c = subject.claims
    if c is None or c.is_ci or not c.identity:
        return
    yield rules.PERSON_SIGNED.finding(
        f"{_name(subject)} is signed by the identity `{c.identity}` (issuer {c.issuer or '?'}), not by a CI"
        " workflow: it names who signed, not which build produced it",
        [_loc(subject)],
        key=f"{subject.package}|person",
    )


def check_policy(subject: Subject, policy: Policy) -> Iterable[Finding]:
    c = subject.claims
    if c is None:
        if policy.requires(subject.package):
            yield rules.MISSING.finding(
                f"{_name(subject)} has no provenance, and the policy requires it for this package",
                [_loc(subject)],
                key=f"{subject.package}|missing",
            )
        return
    yield from _compare(
        subject, c, policy.workflow, policy.repository, policy.repository_id, where="the policy", tag="policy"
    )


def _compare(
    subject: Subject,
    c: Claims,
    workflow: str,
    repository: str,
    repository_id: str,
    *,
    where: str,
    tag: str,
    props: dict[str, Any] | None = None,
) -> Iterable[Finding]:
    """The claims against an expected workflow, repository and repository id
    (from the policy or from an earlier version's attestation)."""
    extra = props or {}
    if workflow and c.is_ci and c.workflow_path and c.workflow_path != workflow:
        yield rules.WORKFLOW_CHANGED.finding(
            f"{_name(subject)} was built by `{c.workflow_path}`; {where} names `{workflow}`",
            [_loc(subject)],
            key=f"{subject.package}|{tag}-workflow|{c.workflow_path}",
            properties={"workflow": c.workflow_path, "expected": workflow, **extra},
        )
    renamed = bool(repository_id) and repository_id == c.repository_id
    if repository and c.repository and c.repository.lower() != repository.lower() and not renamed:
        yield rules.WORKFLOW_CHANGED.finding(
            f"{_name(subject)} was built in `{c.repository}`; {where} names `{repository}`",
            [_loc(subject)],
            key=f"{subject.package}|{tag}-repo|{c.repository}",
            properties={"repository": c.repository, "expected": repository, **extra},
        )
    if repository_id and c.repository_id and c.repository_id != repository_id:
        yield from _identity_change(subject, c, repository, repository_id, where)


# --------------------------------------------------------------------------- across versions


def _identity_change(subject: Subject, c: Claims, repo: str, repo_id: str, where: str) -> Iterable[Finding]:
    same_name = bool(repo) and c.repository.lower() == repo.lower()
    if same_name:
        msg = (
            f"{_name(subject)} names the same repository `{c.repository}` as {where}, but its immutable id is"
            f" {c.repository_id}, not {repo_id}: the repository was deleted and re-created (repo-jacking)"
        )
        tier = Tier.P0
    else:
        msg = f"{_name(subject)} comes from repository id {c.repository_id} (`{c.repository}`); {where}: {repo_id}"
        tier = rules.REPOSITORY_CHANGED.tier
    yield rules.REPOSITORY_CHANGED.finding(
        msg,
        [_loc(subject)],
        tier=tier,
        key=f"{subject.package}|repo-id|{c.repository_id}",
        properties={"repository_id": c.repository_id, "previous_repository_id": repo_id},
    )


def _previous(subject: Subject) -> list[Release]:
    return [r for r in subject.history if r.version != subject.version]


def check_regression(subject: Subject) -> Iterable[Finding]:
    prev = _previous(subject)
    if not prev:
        return
    with_prov = [r for r in prev if r.claims is not None or r.has_provenance]
    c = subject.claims
    if c is None:
        if with_prov:
            yield rules.DROPPED.finding(
                f"{_name(subject)} has no provenance; {len(with_prov)} earlier version(s), the latest"
                f" {with_prov[-1].version}, had it",
                [_loc(subject)],
                key=f"{subject.package}|dropped",
                properties={"previous_with_provenance": with_prov[-1].version},
            )
        return
    ref = next((r for r in reversed(prev) if r.claims is not None), None)
    if ref is None or ref.claims is None:
        return
    rc = ref.claims
    yield from _compare(
        subject,
        c,
        rc.workflow_path,
        rc.repository,
        rc.repository_id,
        where=f"version {ref.version}",
        tag="prev",
        props={"previous_version": ref.version},
    )


def bursts(releases: Iterable[Release]) -> list[tuple[str, list[Release]]]:
    """Groups of releases that one identity published within the burst window."""
    k = knowledge()["burst"]
    window = timedelta(minutes=int(k["window_minutes"]))
    by_identity: dict[str, list[Release]] = defaultdict(list)
    for r in releases:
        if r.published is not None and r.identity:
            by_identity[r.identity].append(r)
    out: list[tuple[str, list[Release]]] = []
    for ident, rs in sorted(by_identity.items()):
        rs.sort(key=lambda r: r.published or datetime.min)
        start = 0
        best: list[Release] = []
        for end in range(len(rs)):
            while rs[end].published - rs[start].published > window:  # type: ignore[operator]
                start += 1
            group = rs[start : end + 1]
            counts: dict[str, int] = defaultdict(int)
            for r in group:
                counts[r.package] += 1
            if (max(counts.values()) >= int(k["same_package_versions"]) or sum(
                1 for n in counts.values() if n >= 2
            ) >= int(k["repeated_packages"])) and len(group) > len(best):
                best = list(group)
        if best:
            out.append((ident, best))
    return out


def check_burst(subject: Subject, releases: Iterable[Release]) -> Iterable[Finding]:
    for ident, group in bursts(releases):
        if not any(r.package == subject.package and r.version == subject.version for r in group):
            continue
        first, last = group[0].published, group[-1].published
        assert first is not None and last is not None
        minutes = max(1, round((last - first).total_seconds() / 60))
        pkgs = sorted({r.package for r in group})
        yield rules.BURST.finding(
            f"{_name(subject)} is one of {len(group)} versions of {len(pkgs)} package(s) that `{ident}` published"
            f" within {minutes} minute(s) ({first.isoformat()} to {last.isoformat()})",
            [_loc(subject)],
            key=f"{subject.package}|burst|{ident}",
            properties={"identity": ident, "versions": len(group), "packages": pkgs[:50]},
        )


# --------------------------------------------------------------------------- the source repository


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, timeout=60, check=False, stdin=subprocess.DEVNULL
    )


def commit_in_repo(repo: Path, commit: str) -> bool | None:
    """True/False when ``repo`` is a git repository, None when it is not."""
    if _git(repo, "rev-parse", "--git-dir").returncode != 0:
        return None
    return _git(repo, "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0


def check_source(subject: Subject, repo: Path) -> Iterable[Finding]:
    c = subject.claims
    if c is None or not c.commit:
        return
    present = commit_in_repo(repo, c.commit)
    if present is None or present:
        if present and c.ref.startswith("refs/tags/"):
            tag = _git(repo, "rev-parse", "--verify", "-q", f"{c.ref}^{{commit}}")
            if tag.returncode == 0 and tag.stdout.decode().strip() != c.commit:
                yield rules.UNTRACEABLE.finding(
                    f"{_name(subject)} claims `{c.ref}` at {c.commit[:12]}, but that tag points at"
                    f" {tag.stdout.decode().strip()[:12]} in `{repo}`",
                    [_loc(subject)],
                    key=f"{subject.package}|tag|{c.ref}",
                )
        return
    yield rules.UNTRACEABLE.finding(
        f"{_name(subject)} was built from commit {c.commit[:12]} ({c.ref or 'no ref'}), which `{repo}` does not"
        " contain: it was never pushed there, or the history was rewritten",
        [_loc(subject)],
        key=f"{subject.package}|commit|{c.commit}",
        properties={"commit": c.commit},
    )


def check_pipeline(subject: Subject, repo: Path) -> tuple[list[Finding], list[str]]:
    """The join: the workflow analysis of the repository at the attested commit,
    every attack path that reaches the signing workflow's publish-capable job."""
    from shipwarden.ci.github.loader import load_directory, load_git_ref
    from shipwarden.paths.search import find_paths

    c = subject.claims
    notes: list[str] = []
    if c is None or not c.workflow_path:
        return [], notes
    at = ""
    if c.commit and commit_in_repo(repo, c.commit):
        loaded = load_git_ref(repo, c.commit)
        at = c.commit
    else:
        loaded = load_directory(repo)
        notes.append(
            f"{repo}: the attested commit {c.commit[:12] or '?'} is not available; analysed the working tree"
        )
    notes.extend(f"{e.path}: {e.message}" for e in loaded.errors)
    prefix = f"{loaded.repo.ref}:" if loaded.repo.ref else ""
    out: list[Finding] = []
    for path in find_paths(loaded.repo):
        target = path.capability.job.workflow.path.removeprefix(prefix)
        if target != c.workflow_path:
            continue
        hops = [
            Hop(
                Location(
                    h.location.path.removeprefix(prefix),
                    h.location.line,
                    h.location.column,
                    h.location.end_line,
                    h.location.end_column,
                    h.location.label,
                    h.location.snippet,
                ),
                h.description,
                h.row,
            )
            for h in path.hops
        ]
        gate = path.gate
        out.append(
            rules.POISONABLE_PIPELINE.finding(
                f"provenance valid, pipeline poisonable: {_name(subject)} was signed by `{c.workflow_path}`"
                f" (job `{path.capability.job.id}`, {path.capability.summary}) and an outsider reaches it from"
                f" `{path.entry.event}` in `{path.entry.job.workflow.path.removeprefix(prefix)}` in {len(hops)}"
                f" steps{' at the attested commit ' + at[:12] if at else ''}"
                + (f"; one gate remains: {gate}" if gate else ""),
                [_loc(subject), hops[0].location, hops[-1].location],
                tier=Tier.P1 if gate else Tier.P0,
                key=f"{subject.package}|{path.ident}",
                hops=hops,
                properties={"path_id": path.ident, "commit": at or None, "gate": gate or None},
            )
        )
    return out, notes


def judge(
    subject: Subject,
    policy: Policy,
    *,
    repo: Path | None = None,
    releases: Iterable[Release] = (),
) -> tuple[list[Finding], list[str]]:
    findings: list[Finding] = []
    notes: list[str] = []
    findings.extend(check_trigger(subject))
    findings.extend(check_ref(subject, policy))
    findings.extend(check_runner(subject))
    findings.extend(check_person(subject))
    findings.extend(check_policy(subject, policy))
    findings.extend(check_regression(subject))
    findings.extend(check_burst(subject, [*subject.history, *releases]))
    if repo is not None:
        findings.extend(check_source(subject, repo))
        joined, extra = check_pipeline(subject, repo)
        findings.extend(joined)
        notes.extend(extra)
    return findings, notes
