"""install-in-publish-job: dependency install-time code runs in a job that holds publish power.

Row 4 inside CI: ``npm ci``/``npm install``/``pnpm install``/``yarn`` without
``--ignore-scripts``, a ``pip install`` that may build an sdist, or a package build
(``python -m build`` and friends fetch and run build backends) in the job that
publishes. Every lifecycle script of every dependency runs with the job's
publish token, OIDC grant or write token in reach — the way the Shai-Hulud worms
spread from one maintainer's package to the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.rules.folding import (
    as_said,
    build_command,
    fetched_by_hooks,
    install_hit,
    pnpm_gated,
    root_hooks,
    root_hooks_text,
)
from shipwarden.ci.github.rules.oidc_overscoped import folded_grant
from shipwarden.ci.shell import install_code
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="install-in-publish-job",
    row=4,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Dependency install-time code runs in the publishing job",
)

@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        h = install_hit(wf, job)
        if h is None:
            continue
        sites, installs, held = h.sites, h.installs, h.held
        facts = job_facts(job)
        checkout = facts.first_pr_checkout()
        from_pr = checkout is not None and bool(privileged_outsider_events(wf))
        # pnpm 10+ runs only allowlisted dependencies' scripts (the PR case controls the allowlist)
        gated = [None if from_pr else pnpm_gated(e, job) for e in installs]
        # the root package's own hooks that download and run a package (`npx only-allow pnpm`)
        hooks = [root_hooks(e, job) for e in installs]
        fetches = [bool(fetched_by_hooks(x)) for x in hooks]
        # the installs that run dependency scripts (or such hooks), those that run any dependency's first
        running = sorted(
            (i for i, g in enumerate(gated) if g != () or fetches[i]), key=lambda i: (gated[i] is not None, i)
        )
        lead_at = running[0] if running else 0
        first = installs[lead_at]
        if fetches[lead_at]:
            what = (
                f"{first.what.split(' runs ', 1)[0]} runs no dependency's build script (pnpm 10+, none allowed) but runs"
                f" {root_hooks_text(hooks[lead_at])}"
                if gated[lead_at] == ()
                else f"{first.what}, and {root_hooks_text(hooks[lead_at])}"
            )
            first = replace(first, what=what)
        power = (
            ", ".join(f"`{x}`" for x in held[:3])
            if held
            else ("its OIDC grant (id-token: write)" if facts.id_token else "the publish step's credentials")
        )
        locations = [first.location(), sites[0].location]
        properties: dict[str, object] = {
            "job": job.id, "installs": len(installs), "registries": [s.registry for s in sites]
        }
        if held and facts.id_token:
            power += " and its OIDC grant (id-token: write)"
            grant = folded_grant(wf, job)
            if grant is not None:
                locations.append(grant)
                properties["folds"] = ["oidc-overscoped"]
        tier = Tier.P1
        note = ""
        code = install_code(first.code)
        taker = code.taker
        if from_pr:
            tier = Tier.P0
            note = "; the job installs from the pull request's checkout, so an outsider chooses what is installed"
        elif not running:
            lead = first.what.split(" runs ", 1)[0]
            more = f" (and {len(installs) - 1} more)" if len(installs) > 1 else ""
            yield META.finding(
                f"job `{job.id}` publishes to {', '.join(dict.fromkeys(s.name for s in sites))} with {power}"
                f" and also runs {lead}{more}; pnpm 10 and later run no dependency lifecycle script unless"
                " allowlisted (`onlyBuiltDependencies`/`allowBuilds`) and this repository allowlists none, so no"
                " dependency's install-time code runs with the credential today. Hardening: add"
                " `--ignore-scripts` (or publish from a job that installs nothing) so that an allowlist entry"
                " added later does not bring it into the publishing job",
                locations,
                tier=Tier.P2,
                key=f"{wf.path}|{job.id}|install-in-publish",
                properties={**properties, "pnpm_allowlisted": []},
            )
            continue
        elif gated[lead_at]:  # only allowlisted dependencies' scripts run
            names = sorted({n for i in running for n in gated[i] or ()})
            shown = ", ".join(f"`{n}`" for n in names[:6]) + ("…" if len(names) > 6 else "")
            note = (
                f"; pnpm 10 and later run dependency lifecycle scripts only for allowlisted packages, and this"
                f" repository allowlists {shown}: their scripts (and a compromised release of any of them) run"
                f" with the credential"
            )
            properties["pnpm_allowlisted"] = names
            taker = "a lifecycle script of an allowlisted dependency"
        elif gated[lead_at] == ():  # only the root's hook that downloads a package
            taker = "any release of the package the root's hook downloads"
        quiet = len(installs) - len(running)
        if quiet and running:
            note += (
                f"; its other {quiet} pnpm install step(s) run no dependency lifecycle script (pnpm 10 and later,"
                " nothing allowlisted)"
            )
        registries = ", ".join(dict.fromkeys(s.name for s in sites))
        more = f" (and {len(running) - 1} more install step(s))" if len(running) > 1 else ""
        separate = "build in a job without publish power and hand the artifact to a job that only publishes"
        fix = f"Install with {code.off} (or {separate})" if code.off and not first.local else separate.capitalize()
        # the worms spread through npm lifecycle scripts (the table names the incident per ecosystem)
        how = f"{code.incident}."
        kind = "install-time"
        if build_command(first) is not None:
            kind = "build-time"
            first = as_said(first)
            taker = "a compromised release of the build backend or of a build requirement"
            how = "."
            fix = separate.capitalize()
        yield META.finding(
            f"job `{job.id}` publishes to {registries} with {power} and also runs {kind} code: {first.what}{more};"
            f" {taker} can take the credential{how} {fix}{note}",
            locations,
            tier=tier,
            key=f"{wf.path}|{job.id}|install-in-publish",
            properties=properties,
        )
