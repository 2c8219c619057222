"""remote-script-exec: a script downloaded at run time is executed (``curl … | sh`` and friends)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.model import Job, Repository, Workflow
from shipwarden.ci.github.rules.common import Power, composite_reach, job_power
from shipwarden.ci.github.rules.oidc_overscoped import grant_value, token_uses
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="remote-script-exec",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Script downloaded at run time and executed",
)

_URL = re.compile(r"https?://[^\s'\"|;&)]+")
#: a 40-hex commit id in the URL path: the content cannot change under it
_COMMIT_IN_URL = re.compile(r"/[0-9a-f]{40}(/|$)")
#: the script checks what it downloaded before running it
_VERIFY = re.compile(
    r"\b(sha256sum|sha512sum|shasum)\b[^\n]*(-c\b|--check\b)|\bgpg\b[^\n]*--verify\b|\bcosign\s+verify"
    r"|\bminisign\b[^\n]*-V\b|\bslsa-verifier\b|\bGet-FileHash\b"
    # a digest computed and compared with an expected value: `[ "$(sha256sum f | cut …)" = "$SUM" ]`,
    # `sha256sum f | grep -q <hex>`, `openssl dgst -sha256 … | grep`
    r"|\b(?:sha256sum|sha512sum|shasum|openssl\s+dgst)\b[^\n]*(?:\|\s*grep\b|\)\"?\s*(?:!?=|==|-eq)\s)"
    r"|(?:!?=|==)\s*\"?\$\(\s*(?:sha256sum|sha512sum|shasum)\b"
)
#: the command names the version it installs: in the URL path, as an argument or a literal variable
_VERSION_IN_URL = re.compile(r"/v?\d+\.\d+(?:\.\d+)?(?:[-.][\w.]+)?/|[@=]v?\d+\.\d+(?:\.\d+)?\b")
_VERSION_ARG = re.compile(
    r"--version[= ]+[\"']?[^\s\"'-][^\s\"']*|(?:\s-s\s+(?:--\s+)?|\s)[\"']?v?\d+\.\d+(?:\.\d+)?[\"']?(?:\s|$)"
)
_VERSION_VAR = re.compile(r"^\s*(?:export\s+)?([A-Z_]*VERSION[A-Z_]*)=[\"']?v?\d+\.\d+", re.M)


def _pinned_version(script: str, text: str, url: str) -> bool:
    """Does the step name the exact version the downloaded installer sets up?"""
    if _VERSION_IN_URL.search(url) or _VERSION_ARG.search(text):
        return True
    return any(f"${name}" in text or f"${{{name}}}" in text for name in _VERSION_VAR.findall(script))


#: ``if ! command -v rustup …; then`` — the download is a fallback for a tool that is missing
_ONLY_IF_MISSING = re.compile(
    r"\bif\s+!\s*(?:command\s+-v|which|type|hash)\s+([\w.-]+)[^\n]*(?:\n|;\s*then)(?:(?!\bfi\b)[\s\S])*$"
)


def _only_if_missing(script: str, start: int) -> str:
    """The tool whose absence the download is conditioned on ("" when it always runs)."""
    if start < 0:
        return ""
    found = _ONLY_IF_MISSING.search(script[:start])
    return found.group(1) if found else ""


#: secret names of registry and publish credentials (for the message only)
REGISTRY = re.compile(r"NPM|NODE_AUTH|PYPI|TWINE|CARGO|CRATES|RUBYGEMS|GEM_HOST|DOCKER|GHCR|REGISTRY|PUBLISH", re.I)


def _url(script: str, text: str, start: int) -> str:
    """The URL the executed script comes from: in the command itself, else the last one fetched before it."""
    found = _URL.search(text)
    if found:
        return found.group(0)
    before = script[: start if start >= 0 else len(script)]
    urls = _URL.findall(before)
    return urls[-1] if urls else ""


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    reach = composite_reach(repo)
    seen: set[tuple[int, int]] = set()
    for job in wf.jobs:
        facts = job_facts(job)
        for rexec in facts.remote_execs:
            step = rexec.step
            if step.run is None:
                continue
            jobs = [job]
            if step.via is not None:
                r = reach.get(id(step.node))
                if r is not None and r.owner is not wf:
                    continue  # reported by the first workflow that runs this composite action
                power = r.power() if r is not None else job_power(facts)
                jobs = r.jobs if r is not None else jobs
            else:
                power = job_power(facts)
            grant = _grant_story(power, jobs, repo)
            mark = (id(step.node), rexec.start)
            if mark in seen:
                continue
            seen.add(mark)
            script = step.run.value
            text = script[rexec.start : rexec.end] if rexec.start >= 0 else script
            url = _url(script, text, rexec.start)
            if url and _COMMIT_IN_URL.search(url):
                continue  # fetched at an immutable commit
            if _VERIFY.search(script):
                continue  # the download is checked against a known digest or signature
            missing = _only_if_missing(script, rexec.start)
            # a fallback for a tool the runner image ships (rustup on hosted runners) is hardening
            # an OIDC grant that buys nothing here (it only signs attestations) is what
            # oidc-overscoped calls hardening (P2): alone it does not make this P1
            serious = bool(power.secrets or power.writes) or (power.id_token and grant is None)
            tier = Tier.P1 if serious and not missing else Tier.P2
            source = f"`{url}`" if url else "a URL"
            pinned = _pinned_version(script, text, url)
            unverified = (
                "; it names the version it installs, but nothing checks the installer script itself against a"
                " checksum or signature"
                if pinned
                else ", with no version or checksum pinned"
            )
            if power and not serious:
                assert grant is not None
                why = (
                    f"; the job holds an OIDC grant (id-token: write), so whoever controls {source} (or its host)"
                    f" can request its token{grant}"
                )
            elif power:
                why = f"; the job holds {power.describe()}, so whoever controls {source} (or its host) can take them"
                if (power.id_token and facts.publishes) or any(REGISTRY.search(name) for name in power.secrets):
                    why += " — the Trivy → LiteLLM chain: an unpinned tool fetched beside publish credentials"
            else:
                why = "; whoever controls that URL decides what runs on the runner"
            if missing:
                why += f"; it runs only when `{missing}` is not already installed"
            yield META.finding(
                f"step `{step.label}` downloads a script from {source} and executes it unverified"
                f"{unverified}{why}",
                [rexec.location()],
                tier=tier,
                key=f"{step.file.path}|{step.label}|{url or text[:60]}",
                properties={"url": url, "command": text[:200], "version_pinned": pinned},
            )


def _grant_story(power: Power, jobs: list[Job], repo: Repository) -> str | None:
    """None when the jobs' OIDC grant is worth stealing, else what oidc-overscoped says the token
    is worth: it reaches only a test index or a publisher bound to another environment, or the
    workflow shows no OIDC publish or cloud login and the grant is there for an attestation step
    (it only signs attestations). A grant with no use in view and no attestation step may feed a
    deploy tool the tables do not know: it stays worth stealing."""
    if not power.id_token:
        return None
    granted = [j for j in jobs if j.permission("id-token") == "write"]
    stories = [grant_value(j, repo) for j in granted]
    if not stories or any(tier is Tier.P1 for tier, _ in stories):
        return None
    if not any(token_uses(j.workflow, repo) for j in granted) and not any(
        (info := step_info(step)) is not None and "attest" in info.does
        for j in granted
        for step in job_facts(j).steps
    ):
        return None
    return stories[0][1]
