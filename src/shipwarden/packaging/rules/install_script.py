"""``gate-install-script``: an npm lifecycle script (or binding.gyp's implicit ``node-gyp rebuild``)
that runs on every install, on users' machines and CI runners.

A downloader or loader is P0; a well-known package's own binary installer,
recognised by name *and* by its script's shape (:mod:`shipwarden.deps.known`),
is P2; ``prepare`` is not reported (npm runs it for git and local installs only).
"""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Location, Tier
from shipwarden.deps.analysis import MemoryFiles, analyze_hook
from shipwarden.deps.known import Recognition, entries_for, recognise, script_files
from shipwarden.deps.model import Ecosystem, HookKind, InstallHook
from shipwarden.packaging.knowledge import install_time, script_hits
from shipwarden.packaging.review import Review, json_key_position
from shipwarden.packaging.rules.common import INSTALL_ROW, gate_rule

META = gate_rule("gate-install-script", INSTALL_ROW, Tier.P1, Confidence.HIGH, "Install-time script runs on every install")

def check(review: Review) -> None:
    m = review.result.manifest
    summary = review.result.summary
    assert summary is not None
    text = review.manifest_text()
    knowledge = install_time()
    for name, command in summary.install_scripts.items():
        implicit = (
            command == knowledge.implicit_gyp and name == "install" and "install" not in (m.get("scripts") or {})
        )
        if review.policy.allows_script(name, command):
            continue
        if name in knowledge.source_only_scripts:
            # npm runs prepare for git and local installs, never when users install the published tarball
            review.result.notes.append(f"`{name}` is not reported: npm does not run it on registry installs "
                                       "(it runs for git dependencies; `deps` reports it there)")
            continue
        hits, loader = script_hits(command, knowledge.suspicious_script)
        tier = Tier.P0 if loader else knowledge.npm_scripts.get(name, Tier.P1)
        known = None if loader or implicit else known_hook(review, str(m.get("name", "")), name, command)
        if known is not None and known.known:
            tier = Tier.P2
        line, col, snippet = (0, 0, "") if implicit else json_key_position(text, name, after="scripts")
        why = (
            "npm runs `node-gyp rebuild` because binding.gyp ships and no install script is set"
            if implicit
            else f"`{name}: {command[:160]}`"
        )
        extra = (
            f"; looks like a downloader or loader ({', '.join(hits)})"
            if loader
            else (f"; it runs inline code ({', '.join(hits)})" if hits else "")
        )
        if known is not None:
            extra += (f"; known: {known.text}" if known.known else f"; not the known hook: {known.text}")
        review.add(
            META,
            f"{why} runs on every install, on users' machines and CI runners{extra}",
            "binding.gyp" if implicit else "package.json",
            line=line,
            column=col,
            snippet=snippet,
            tier=tier,
            key=f"{name}:{command}",
            properties={"script": name, "command": command, "suspicious": hits,
                        **({"known": known.text} if known is not None and known.known else {})},
        )


def known_hook(review: Review, package: str, event: str, command: str) -> Recognition | None:
    """Whether this is a well-known package's own binary installer, by name, command and code shape."""
    if not package or not entries_for(package):
        return None
    hook = InstallHook(Ecosystem.NPM, package, "", HookKind.NPM_SCRIPT, event, command, Location("package.json", 0))
    files = MemoryFiles({k: v for k, v in review.captured.items() if k != "package.json" or "package.json" in
                         script_files()}, review.artifact.label)
    return recognise(hook, analyze_hook(hook, files))
