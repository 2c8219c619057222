"""gitlab-oidc-untrusted: ``id_tokens`` in a job that also runs dependency install scripts
or runs in merge request pipelines — any code in the job can read the minted token."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import Script, job_facts
from shipwarden.ci.gitlab.model import Job, Pipeline
from shipwarden.ci.gitlab.reach import Tri
from shipwarden.ci.shell import install_code
from shipwarden.ci.yamlspan import Mapping
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-oidc-untrusted",
    row=3,
    tier=Tier.P1,
    confidence=Confidence.MEDIUM,
    title="GitLab id_tokens granted to a job that runs untrusted code",
)


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    # one finding per `id_tokens:` block (a `default:` block is shared by many jobs)
    groups: dict[tuple[str, int], list[tuple[Job, list[str], Tier]]] = {}
    blocks: dict[tuple[str, int], Mapping] = {}
    for job in pipeline.jobs:
        facts = job_facts(job)
        tokens = facts.id_tokens
        if tokens is None:
            continue
        reasons: list[str] = []
        tier = Tier.P2
        if facts.installs:
            reasons.append(f"runs its dependencies' install-time code ({_what_runs(facts.installs)})")
            tier = Tier.P1
        if facts.runs("mr") is Tri.YES:
            # fork MR pipelines run in the fork (tokens name the fork project) unless a
            # member runs them in this project: a setting outside the file
            reasons.append("runs in merge request pipelines on the MR's code")
        if reasons:
            ident = (pipeline.file_of(tokens, job.file).path, tokens.start)
            groups.setdefault(ident, []).append((job, reasons, tier))
            blocks[ident] = tokens
    for ident, members in groups.items():
        tokens = blocks[ident]
        names = [k.value for k, _ in tokens.items]
        members.sort(key=lambda m: (m[2].rank, m[0].name))
        job, reasons, tier = members[0]
        others = f" (and {len(members) - 1} more jobs with this block)" if len(members) > 1 else ""
        yield META.finding(
            f"job '{job.name}'{others} mints OIDC tokens ({', '.join(names)}) and {' and '.join(reasons)}: "
            "that code can read the token and use it wherever the audience is trusted. "
            f"Mint tokens only in a job that installs nothing ({_switches(members)}a prebuilt artifact) "
            "and runs only on protected refs; bind the trust policy to `ref_protected`.",
            [job.where(tokens, "id_tokens"), job.location("job")],
            tier=tier,
            key=f"{job.name}\x1f{','.join(names)}",
            properties={"job": job.name, "jobs": [m[0].name for m in members], "id_tokens": names, "reasons": reasons},
        )


def _what_runs(installs: list[tuple[Script, str, int, str]]) -> str:
    """``npm: lifecycle scripts; pip, uv: sdist build backends`` — each ecosystem's own words."""
    tools: dict[str, set[str]] = {}
    for _, tool, _, code in installs:
        tools.setdefault(install_code(code).short, set()).add(tool)
    return "; ".join(f"{', '.join(sorted(names))}: {short}" for short, names in sorted(tools.items()))


def _switches(members: list[tuple[Job, list[str], Tier]]) -> str:
    """The install switches that turn that code off, for the installs of the block's jobs:
    ``--ignore-scripts, `` (npm), ``--only-binary :all:`` (pip); "" when none does."""
    offs = dict.fromkeys(
        off for job, _, _ in members for *_, code in job_facts(job).installs if (off := install_code(code).off)
    )
    if not any(job_facts(job).installs for job, _, _ in members):
        offs = dict.fromkeys(["`--ignore-scripts`"])
    return "".join(f"{off}, " for off in offs)
