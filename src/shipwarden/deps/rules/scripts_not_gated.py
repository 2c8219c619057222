"""deps-scripts-not-gated: the package manager runs the install scripts of every dependency.

Reported once per project whose configuration (npm ``allowScripts``/``ignore-scripts``,
pnpm ``allowBuilds``, yarn ``enableScripts``, bun ``trustedDependencies``) lets every
dependency's hooks run, when at least one hook would run.
"""

from __future__ import annotations

from pathlib import Path

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.deps.inputs import folder_of
from shipwarden.deps.model import Ecosystem
from shipwarden.deps.policy import Decision, Policy
from shipwarden.deps.records import HookRecord, project_of
from shipwarden.deps.rules.common import COMMAND, ROW

META = RuleMeta("deps-scripts-not-gated", ROW, Tier.P2, Confidence.HIGH,
                "package-manager configuration lets every dependency run install scripts", command=COMMAND)


def check(root: Path, policies: dict[str, Policy], records: list[HookRecord], lockfiles: list[str]) -> list[Finding]:
    findings = []
    for folder, policy in sorted(policies.items()):
        running = [r for r in records if r.hook.ecosystem is Ecosystem.NPM and project_of(r.hook, folder, policies)
                   and r.decision is Decision.RUNS]
        if not running or policy.gated:
            continue
        names = ", ".join(sorted({r.hook.ident for r in running})[:8])
        manifest = f"{folder}/package.json" if folder else "package.json"
        if not (root / manifest).is_file():
            manifest = next((p for p in lockfiles if folder_of(p) == folder), manifest)
        fixes = {
            "npm": "set allowScripts in package.json (npm approve-scripts) or ignore-scripts=true in .npmrc",
            "pnpm": "list reviewed packages in allowBuilds (pnpm approve-builds) instead of allowing all",
            "yarn": "set ignore-scripts true in .yarnrc and run reviewed builds explicitly",
            "yarn-berry": "set enableScripts: false in .yarnrc.yml and dependenciesMeta.<pkg>.built: true for reviewed ones",
        }
        findings.append(META.finding(
            f"{policy.manager} runs the install scripts of every dependency in this project: "
            f"{len(running)} hook(s) would run ({names}{'…' if len(running) > 8 else ''}); "
            f"{fixes.get(policy.manager, 'gate install scripts with an allowlist')}",
            [Location(manifest, 0, label=f"{policy.manager} project")],
            key=f"{folder}:{policy.manager}",
            properties={"manager": policy.manager, "hooks": len(running), "config_files": policy.files},
        ))
    return findings

