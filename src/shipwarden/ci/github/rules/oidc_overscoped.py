"""oidc-overscoped: ``id-token: write`` reaches code that has no business minting a publish token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.model import Job, Mapping, Repository, Step, Workflow
from shipwarden.ci.github.permissions import Permissions
from shipwarden.ci.github.publishing import (
    EXTRA_PUBLISH_ACTIONS,
    NOT_PUBLISH,
    PUBLISH_WORDS,
    REGISTRY_NAMES,
    TRUSTED_PUBLISHING,
    callers,
    local_target,
    publish_sites,
)
from shipwarden.ci.github.records import Exec
from shipwarden.ci.github.rules.common import first_party
from shipwarden.ci.github.rules.folding import (
    as_said,
    cache_hit,
    cache_read,
    fetched_by_hooks,
    install_hit,
    pnpm_gated,
    root_hooks,
    root_hooks_text,
)
from shipwarden.ci.github.steps import code_text
from shipwarden.ci.shell import Command, analyze, install_code
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.core.structs import struct

META = RuleMeta(
    id="oidc-overscoped",
    row=3,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="OIDC token grant shared with caches, installs, builds or unpinned actions",
)

#: Commands that only run code already in the workspace or installed by an earlier
#: step (counted there); they fetch nothing of their own.
SCRIPT_RUNNERS = frozenset({
    "npm", "pnpm", "yarn", "bun", "node", "tsx", "ts-node", "python", "bash", "sh", "zsh", "dash", "ksh", "ash",
    "fish", "source", ".", "perl", "ruby", "php", "pwsh", "Rscript", "make",
})
#: What ``_command`` answers for the repository's own script run by its path: like a
#: script runner, it runs workspace code and fetches nothing of its own. Reduced from
#: pnpm/pnpm@36e5ae6ac8d03743442f083680fa3015e4a774b3 (release.yml), whose trusted-publishing
#: steps are `.github/scripts/npm-staged-publication.sh stage …`: the grant's own use.
WORKSPACE_SCRIPT = "<workspace script>"
#: Builds run in a container that does not see the runner's OIDC request token.
SANDBOXED = frozenset({"docker", "docker-compose"})
SANDBOXED_ACTIONS = frozenset({"docker/build-push-action"})
MAX_EXTRA = 8
#: pkg.pr.new previews, which authenticate with the job's OIDC token (withastro/astro@99d3d3dbbfa4,
#: preview-release.yml): installable by URL, no registry release — like a test index
PREVIEW_PUBLISH = re.compile(r"\bpkg-pr-new\s+publish\b")
#: Actions missing from the knowledge base that legitimately mint an OIDC token,
#: always or when an input is set (see the report to the lead).
OIDC_CONSUMERS: dict[str, str] = {
    "anthropics/claude-code-action": "",  # exchanges it for its GitHub App token
    "codspeedhq/action": "",  # authenticates uploads with it
    "codecov/codecov-action": "use_oidc",
    "hynek/build-and-inspect-python-package": "attest-build-provenance-github",
    "ossf/scorecard-action": "publish_results",
    "actions/deploy-pages": "",
    "rubygems/configure-rubygems-credentials": "",
}
#: Of those, the ones that exchange the token for a registry credential.
OIDC_REGISTRY_ACTIONS: dict[str, str] = {"rubygems/configure-rubygems-credentials": "rubygems"}


@struct(frozen=True)
class Risk:
    kind: str  # cache, install, build, unpinned
    what: str
    location: Location
    code: str = ""  # install: what runs (a key of the shell table's [install_code])


# --------------------------------------------------------------------------- grants


def _grants_token(perms: Permissions | None) -> bool:
    return perms is not None and perms.level("id-token") == "write"


def _grant(perms: Permissions | None, file: SourceFile) -> Location | None:
    """Where ``id-token: write`` is granted (the key and value), or None."""
    if not _grants_token(perms):
        return None
    assert perms is not None
    if perms.kind == "write-all":
        return file.location(perms.node, "`write-all` grants id-token: write")
    if isinstance(perms.node, Mapping):
        for key, value in perms.node.items:
            if key.value == "id-token":
                return file.span(key.start, value.end, "id-token: write")
    return file.location(perms.node, "id-token: write")


# --------------------------------------------------------------------------- risks


def _command(step: Step, start: int, end: int) -> str | None:
    """The command at ``start`` in the step's script; ``SCRIPT`` for a workspace script run by its path."""
    if step.run is None or start < 0:
        return None
    for cmd in analyze(step.run.value, step.shell).commands:
        if cmd.start <= start < cmd.end:
            if _workspace_script(cmd):
                return WORKSPACE_SCRIPT
            return cmd.canonical or cmd.name
    return None


def _workspace_script(cmd: Command) -> bool:
    """``./release.sh``, ``.github/scripts/stage.sh``: the repository's own script run by its
    relative path, like ``bash release.sh`` (a wrapper the alias table knows, such as
    ``./gradlew``, is the build tool it names)."""
    first = cmd.argv[0].value if cmd.argv else None
    return (
        first is not None and "/" in first and not first.startswith(("/", "~", "$"))
        and cmd.canonical in (None, cmd.name)
    )


def _intended(step: Step) -> bool:
    """The step is what the grant is for: an OIDC exchange, an attestation, a trusted publish."""
    if step.uses is None or step.uses.kind != "repo":
        return False
    if step.uses.action in EXTRA_PUBLISH_ACTIONS:
        return True
    if step.uses.action in OIDC_CONSUMERS:
        needed = OIDC_CONSUMERS[step.uses.action]
        if not needed or (needed in step.with_ and step.with_[needed].value.strip().lower() not in ("", "false")):
            return True
    info = step_info(step)
    if info is None:
        return False
    return bool(info.does & {"oidc", "attest"}) or ("publish" in info.does and info.registry in TRUSTED_PUBLISHING)


def called_jobs(job: Job) -> list[Job]:
    """Jobs of the local reusable workflow ``job`` calls that run with its token
    (those that declare no ``permissions:`` of their own, nor at their workflow's top)."""
    repo = job.workflow.repo
    if job.uses is None or job.uses.kind != "local" or repo is None:
        return []
    target = job.uses.subpath.removeprefix("./").split("@")[0]
    called = next((w for w in repo.workflows if w.path == target), None)
    if called is None or called.permissions is not None:
        return []
    return [j for j in called.jobs if j.permissions is None and j.uses is None]


def risks(job: Job) -> list[Risk]:
    """What else runs beside the OIDC grant in a job: cache restores, installs, builds, unpinned actions.

    For a job that calls a local reusable workflow, the risks of the called jobs
    that inherit its token.
    """
    if job.uses is not None:
        return [r for called in called_jobs(job) for r in risks(called)]
    facts = job_facts(job)
    out: list[Risk] = []
    publish_spans = [(id(p.step), p.start, p.end) for p in facts.publishes]
    publish_steps = {id(s.step) for s in publish_sites(job)}
    for cache in facts.caches:
        if cache.restores and cache_read(cache, facts):
            what = f"restores the {cache.action} cache"
            out.append(Risk("cache", what, cache.step.location(what)))
    for e in facts.execs:
        step = e.step
        if step.uses is not None:
            if step.uses.kind == "local":
                continue  # its steps are judged one by one
            info = step_info(step)
            if info is not None and ("script" in info.does or info.name in SANDBOXED_ACTIONS):
                continue  # the workflow's own inline script; a container build
            if id(step) in publish_steps and not e.install:
                continue  # the publishing action running its publish command
            if e.install:
                out.extend(_install_risk(e, job))
                continue
            said = as_said(e)
            out.append(Risk("build", said.what, said.location()))
            continue
        if any(sid == id(step) and s < e.end and e.start < t for sid, s, t in publish_spans):
            continue  # the publish command's own lifecycle or verification build
        if e.install:
            if not e.workspace:
                continue  # named tools (`npm i -g npm`, `pip install twine`)
            out.extend(_install_risk(e, job))
            continue
        name = _command(step, e.start, e.end)
        if name in SCRIPT_RUNNERS or name in SANDBOXED or name == WORKSPACE_SCRIPT:
            continue
        said = as_said(e)
        out.append(Risk("build", said.what, said.location()))
    for step in facts.steps:
        uses = step.uses
        if uses is None or uses.pinned or uses.kind == "local":
            continue
        if uses.kind == "repo" and (first_party(uses) or _intended(step)):
            continue
        what = f"runs `{uses.raw}`, which is not pinned to a commit SHA"
        out.append(Risk("unpinned", what, step.file.location(uses.node, what)))
    return _unique(out)


def _install_risk(e: Exec, job: Job) -> list[Risk]:
    """An install beside the grant, as a risk: the dependency scripts it runs, and the root
    package's own hooks that download and run a package (vitejs/vite@a98c8d95d552: every
    `allowBuilds` entry turned off before `pnpm install`, whose root `preinstall` still runs
    `npx only-allow pnpm`). pnpm 10+ with no dependency allowed and no such hook: no risk, as
    install-in-publish-job judges it (withastro/astro@99d3d3dbbfa4, preview-release.yml)."""
    gated = pnpm_gated(e, job)
    hooks = root_hooks(e, job)
    fetched = fetched_by_hooks(hooks)
    if gated == ():
        if not fetched:
            return []
        lead = e.what.split(" runs ", 1)[0]
        what = (
            f"{lead} runs no dependency's build script (pnpm 10+, none allowed) but runs {root_hooks_text(hooks)}"
        )
        return [Risk("fetch", what, replace(e, what=what).location())]
    what = _allowlisted(e.what, gated)
    if fetched:
        what += f", and {root_hooks_text(hooks)}"
    return [Risk("fetch" if fetched else "install", what, replace(e, what=what).location(), e.code)]


def _allowlisted(what: str, gated: tuple[str, ...] | None) -> str:
    """Name the packages whose scripts a pnpm 10+ install still runs (biomejs/biome@18883b7dafb8
    allows `tombi` in its publish jobs)."""
    if not gated:
        return what
    names = ", ".join(f"`{n}`" for n in gated[:4]) + ("…" if len(gated) > 4 else "")
    return f"{what} (pnpm 10+: only the allowlisted {names})"


def _unique(items: list[Risk]) -> list[Risk]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for r in items:
        key = (r.location.path, r.location.line, r.location.column)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


# --------------------------------------------------------------------------- value of the token


def _related(wf: Workflow, repo: Repository) -> list[Workflow]:
    """The workflow, its local callers and the local reusable workflows it calls."""
    out = [wf]
    for job in callers(repo, wf):
        out.append(job.workflow)
    for job in wf.jobs:
        target = local_target(job)
        if target is not None:
            out.extend(w for w in repo.workflows if w.path == target)
    return out


@struct(frozen=True)
class Use:
    """Something an OIDC token minted in this workflow can buy, and the environment it is bound to."""

    what: str
    environment: str | None
    #: a publish to a test index only (TestPyPI): worth hardening, not a release
    test_index: bool = False


def token_uses(wf: Workflow, repo: Repository) -> list[Use]:
    """What an OIDC token minted in this workflow can buy.

    A registry's trusted publisher accepts tokens from one workflow file, so only
    publishes of this workflow (or its reusable relatives) count; so does a cloud
    login through OIDC.
    """
    out: list[Use] = []
    for w in _related(wf, repo):
        for job in w.jobs:
            sites = publish_sites(job)
            for site in sites:
                if site.trusted_capable:
                    # a test index (TestPyPI) takes throwaway names: hardening, not a release
                    out.append(Use(f"{_article(site.name)} {site.name} publish", job.environment, site.test_index))
            if sites and all(site.test_index for site in sites):
                continue  # the job only publishes to a test index: its wording says nothing more
            facts = job_facts(job)
            if job.permission("id-token") == "write":
                for step in facts.steps:
                    text = code_text(step) if step.run is not None else ""
                    if PREVIEW_PUBLISH.search(text):
                        out.append(Use("a pkg.pr.new preview publish", job.environment, test_index=True))
                    if PUBLISH_WORDS.search(text) and not NOT_PUBLISH.search(text):
                        out.append(Use("a registry publish (judged from the wording of its run step)", job.environment))
                        break
            for step in facts.steps:
                if step.uses is not None and step.uses.action in OIDC_REGISTRY_ACTIONS:
                    name = REGISTRY_NAMES[OIDC_REGISTRY_ACTIONS[step.uses.action]]
                    out.append(Use(f"{_article(name)} {name} publish", job.environment))
            for step in facts.oidc_steps:
                info = step_info(step)
                registry = info.registry if info is not None else ""
                if registry in TRUSTED_PUBLISHING:
                    name = REGISTRY_NAMES[registry]
                    out.append(Use(f"{_article(name)} {name} publish", job.environment))
                elif not registry:
                    out.append(Use("cloud credentials", None))
    return out


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" or word.lower().startswith("npm") else "a"


def grant_value(job: Job, repo: Repository) -> tuple[Tier, str]:
    """What ``job``'s OIDC grant is worth to code running beside it, as this rule judges it:
    P1 with what the token buys (a publish, a cloud login), or P2 when it buys nothing this
    workflow shows (it only signs attestations) — the same story remote-script-exec tells."""
    return _judge(job, token_uses(job.workflow, repo))


def _judge(job: Job, uses: list[Use]) -> tuple[Tier, str]:
    """Tier of a risky job holding the grant, and what its token buys."""
    if not uses:
        return Tier.P2, (
            "; this workflow shows no OIDC publish or cloud login, but the token still signs attestations in the"
            " repository's name"
        )
    usable = [u for u in uses if u.environment is None or u.environment == job.environment]
    real = [u for u in usable if not u.test_index]
    if real:
        return Tier.P1, f" and exchange it for {real[0].what}"
    if usable:
        return Tier.P2, (
            f" and exchange it for {usable[0].what} — a test index or preview channel that takes throwaway"
            " versions, so this is"
            " hardening, not a release at risk"
        )
    envs = sorted({f"`{u.environment}`" for u in uses if u.environment})
    where = f"environment {envs[0]}" if len(envs) == 1 else "environments " + ", ".join(envs)
    return Tier.P2, (
        f"; the publishing jobs run in {where}, so a trusted publisher bound to it refuses this job's token"
        " (check that the binding names the environment)"
    )


# --------------------------------------------------------------------------- folding


def _spot(loc: Location) -> tuple[str, int, int]:
    return (loc.path, loc.line, loc.column)


def folded_grant(wf: Workflow, job: Job) -> Location | None:
    """Where ``job`` is granted ``id-token: write`` when this rule's finding for it folds into
    install-in-publish-job's and cache-in-publish-job's: every risk beside the grant is an
    install or cache restore one of them reports for the same job. None otherwise.

    Those findings then name the grant, so nothing is lost; a job with another risk (an
    unpinned action, a build) keeps its own finding, listing everything.
    """
    if job.uses is not None:
        return None
    grant = _grant(job.permissions, wf.file)
    if grant is None:
        return None
    found = risks(job)
    if not found:
        return None
    covered: set[tuple[str, int, int]] = set()
    installs = install_hit(wf, job)
    if installs is not None:
        covered.update(_spot(e.location()) for e in installs.installs)
    caches = cache_hit(job)
    if caches is not None:
        covered.update(_spot(c.location()) for c in caches[1])
    if all(_spot(r.location) in covered for r in found):
        return grant
    return None


# --------------------------------------------------------------------------- rule


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    if not any(_grants_token(p) for p in (wf.permissions, *(job.permissions for job in wf.jobs))):
        return  # nothing in the workflow is granted `id-token: write`
    uses = token_uses(wf, repo)
    yield from _workflow_level(wf, uses)
    for job in wf.jobs:
        if job.uses is not None and job.uses.kind != "local":
            continue
        grant = _grant(job.permissions, wf.file)
        if grant is None:
            continue
        found = risks(job)
        if not found:
            continue  # an isolated publish/attest job: what the grant is for
        if folded_grant(wf, job) is not None:
            continue  # install-in-publish-job / cache-in-publish-job report these risks and name the grant
        tier, buys = _judge(job, uses)
        if job.uses is not None:
            holder = (
                f"job `{job.id}` passes `id-token: write` to `{job.uses.raw}`, whose jobs declare no permissions of"
                f" their own, and one of them {_summary(found)}"
            )
        else:
            holder = f"job `{job.id}` holds `id-token: write` and also {_summary(found)}"
        message = (
            f"{holder}; code run by any of them can"
            f" request the job's OIDC token{buys}. TanStack's release job lost its token this way; move the grant"
            " to a job that only downloads the built artifact and publishes or attests"
        )
        yield _finding(message, grant, found, tier, f"job|{job.id}", [job.id])


def _workflow_level(wf: Workflow, uses: list[Use]) -> Iterator[Finding]:
    grant = _grant(wf.permissions, wf.file)
    if grant is None:
        return
    inheriting = [j for j in wf.jobs if j.permissions is None]
    if not inheriting:
        return
    found: list[Risk] = []
    risky: list[Job] = []
    for job in inheriting:
        r = risks(job)
        if r:
            risky.append(job)
            found.extend(r)
    names = ", ".join(f"`{j.id}`" for j in inheriting[:6]) + ("…" if len(inheriting) > 6 else "")
    if found:
        tier, buys = min((_judge(j, uses) for j in risky), key=lambda tb: tb[0].rank)
        where = f"job `{risky[0].id}`" if len(risky) == 1 else "jobs " + ", ".join(f"`{j.id}`" for j in risky)
        message = (
            f"`id-token: write` is granted to the whole workflow, so every job without its own `permissions:`"
            f" ({names}) holds it, and {where} also {_summary(found)}; code run by any of them can request an"
            f" OIDC token{buys}. TanStack's release workflow granted it the same way; grant it only to the job"
            " that publishes or attests"
        )
    elif len(inheriting) >= 2:
        tier = Tier.P2
        message = (
            f"`id-token: write` is granted to the whole workflow, so {len(inheriting)} jobs ({names}) can mint an"
            " OIDC token; grant it only to the job that publishes or attests, so that a job added later does not"
            " inherit it"
        )
    else:
        return  # one isolated job: as tight as a job-level grant
    yield _finding(message, grant, found, tier, "workflow", [j.id for j in inheriting])


def _summary(found: list[Risk]) -> str:
    parts = []
    for kind, text in (
        ("cache", "restores a cache"),
        ("install", "{summary}"),
        ("fetch", "runs install-time code: {what}"),
        ("build", "runs builds or tests that fetch third-party code"),
        ("unpinned", "runs third-party actions not pinned to a commit SHA"),
    ):
        first = next((r for r in found if r.kind == kind), None)
        if first is not None:
            parts.append(text.format(what=first.what, summary=install_code(first.code).summary))
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0]


def _finding(message: str, grant: Location, found: list[Risk], tier: Tier, key: str, jobs: list[str]) -> Finding:
    extra = [r.location for r in found[:MAX_EXTRA]]
    return META.finding(
        message,
        [grant] + extra,
        tier=tier,
        key=key,
        properties={"jobs": jobs, "risks": sorted({r.kind for r in found})},
    )
