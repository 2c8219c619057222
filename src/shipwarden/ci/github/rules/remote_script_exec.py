"""remote-script-exec: a script downloaded at run time is executed (``curl … | sh`` and friends)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.rules.common import composite_reach, job_power
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
            if step.via is not None:
                r = reach.get(id(step.node))
                if r is not None and r.owner is not wf:
                    continue  # reported by the first workflow that runs this composite action
                power = r.power() if r is not None else job_power(facts)
            else:
                power = job_power(facts)
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
            tier = Tier.P1 if power and not missing else Tier.P2
            source = f"`{url}`" if url else "a URL"
            pinned = _pinned_version(script, text, url)
            unverified = (
                "; it names the version it installs, but nothing checks the installer script itself against a"
                " checksum or signature"
                if pinned
                else ", with no version or checksum pinned"
            )
            if power:
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
