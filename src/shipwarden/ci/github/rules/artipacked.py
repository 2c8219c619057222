"""artipacked: ``actions/checkout`` leaves its credential in ``.git/config`` for code that should not see it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.model import Repository, Step, Workflow
from shipwarden.ci.github.records import Checkout, JobFacts
from shipwarden.ci.github.rules.common import composite_reach, first_party
from shipwarden.ci.github.steps import checkout_path
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Repeats, Tier
from shipwarden.core.structs import struct

META = RuleMeta(
    id="artipacked",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Checkout persists its credential where later code or an artifact can take it",
)

#: ``actions/upload-artifact`` releases before this one upload hidden files
#: (``.git/config`` among them) by default; 4.4.0 added ``include-hidden-files``
#: with a ``false`` default.
HIDDEN_DEFAULT_OFF = (4, 4)

#: installs that take exact versions (and hashes) from a lockfile: a new
#: dependency needs a reviewed change first. pnpm and yarn berry freeze the
#: lockfile by themselves on CI.
_LOCKED_FLAGS = re.compile(r"--(?:frozen-lockfile|immutable\b|locked\b|frozen\b|require-hashes)")
_LOCKED_COMMANDS = re.compile(r"\b(?:npm\s+ci\b|pnpm\s+(?:i|install)\b|pip\s+sync\b|uv\s+sync\b[^`]*--(?:locked|frozen))")


@lru_cache(maxsize=4096)  # the same install comes back for every checkout before it
def locked(command: str) -> bool:
    """Does the text of an install name a locked form of it?"""
    if _LOCKED_FLAGS.search(command):
        return True
    # each command form holds `npm` or `sync`: most texts are told apart without the search
    return ("npm" in command or "sync" in command) and _LOCKED_COMMANDS.search(command) is not None


_WORKSPACE_WORDS = ("${{ github.workspace }}", "${{github.workspace}}", "$GITHUB_WORKSPACE", "${GITHUB_WORKSPACE}")
_VERSION_COMMENT = re.compile(r"#\s*v?(\d+)(?:\.(\d+))?")
_TAG = re.compile(r"^v?(\d+)(?:\.(\d+))?")


@struct(frozen=True)
class Exposure:
    step: Step
    what: str
    upload: bool = False
    #: for uploads: "yes" (hidden files included), "maybe" (version unknown)
    hidden: str = ""
    #: later code nobody reviewed or pinned: dependency install scripts, downloaded scripts
    unpinned_code: bool = False


def _norm(line: str) -> str:
    line = line.strip().strip("'\"")
    for word in _WORKSPACE_WORDS:
        line = line.replace(word, ".")
    while line.endswith(("/**", "/*", "/")) and len(line) > 1:
        line = line.removesuffix("/**").removesuffix("/*").removesuffix("/")
    line = line.removeprefix("./") if line.startswith("./") and len(line) > 2 else line
    return line or "."


def _uploads_checkout(step: Step, checkout_dir: str) -> str | None:
    """The upload path line that takes the checkout's ``.git`` along, if any."""
    node = step.with_.get("path")
    if node is None:
        return None
    for raw in node.value.splitlines():
        if not raw.strip() or raw.strip().startswith("!"):
            continue
        path = _norm(raw)
        if path in (".", "*", "**") or path == checkout_dir or path.startswith(".git") or (
            checkout_dir != "." and path.startswith(checkout_dir + "/.git")
        ):
            return raw.strip()
    return None


def _version(step: Step) -> tuple[int, int] | None:
    uses = step.uses
    if uses is None:
        return None
    if uses.ref_kind == "tag":
        m = _TAG.match(uses.ref)
        if m:
            return int(m.group(1)), int(m.group(2) or 99)  # a bare major tag follows the newest minor
    if uses.ref_kind == "sha":
        line = step.file.source.line_text(step.file.location(uses.node).line)
        m = _VERSION_COMMENT.search(line.split(uses.ref, 1)[-1])
        if m:
            return int(m.group(1)), int(m.group(2) or 99)
    return None


def _hidden_included(step: Step) -> str:
    node = step.with_.get("include-hidden-files")
    if node is not None:
        value = node.value.strip().lower()
        if "${{" in value:
            return "maybe"
        return "yes" if value == "true" else "no"
    version = _version(step)
    if version is None:
        return "maybe"
    return "yes" if version < HIDDEN_DEFAULT_OFF else "no"


def _checkout_dir(checkout: Checkout) -> str:
    node = checkout.step.with_.get("path")
    return _norm(node.value) if node is not None else "."


def _credential(checkout: Checkout) -> str:
    """The secret the checkout persists, when it is not the job's own GITHUB_TOKEN."""
    for name in ("token", "ssh-key"):
        node = checkout.step.with_.get(name)
        if node is None:
            continue
        for site in ex.find_expressions(node.value):
            try:
                refs = ex.context_refs(ex.parse_site(site))
            except ex.ExprSyntaxError:
                continue
            for ref in refs:
                if ref.path[0] == "secrets" and len(ref.path) > 1 and ref.path[1] != "github_token":
                    return f"secrets.{ref.path[1].upper()} ({name})"
    return ""


def _exposures(facts: JobFacts, checkout: Checkout) -> list[Exposure]:
    order = {id(s): i for i, s in enumerate(facts.steps)}
    at = order.get(id(checkout.step), -1)
    later = [s for s in facts.steps if order[id(s)] > at]
    later_ids = {id(s) for s in later}
    found: list[Exposure] = []
    checkout_dir = _checkout_dir(checkout)
    for step in later:
        uses = step.uses
        if uses is None:
            continue
        info = step_info(step)
        if info is not None and "checkout" in info.does:
            continue
        if info is not None and info.name == "actions/upload-artifact":
            path = _uploads_checkout(step, checkout_dir)
            hidden = _hidden_included(step)
            if path is not None and hidden != "no":
                found.append(Exposure(step, f"uploads `{path}` as an artifact ({uses.raw})", True, hidden))
            continue
        if uses.kind == "docker":
            found.append(Exposure(step, f"runs the container `{uses.raw}`"))
        elif uses.kind == "repo" and not first_party(uses):
            found.append(Exposure(step, f"runs the third-party action `{uses.raw}`"))
    for rexec in facts.remote_execs:
        if id(rexec.step) in later_ids:
            found.append(Exposure(rexec.step, rexec.what, unpinned_code=True))
    for exe in facts.execs:
        if id(exe.step) not in later_ids:
            continue
        if exe.step.uses is not None and exe.step.uses.kind != "local":
            # first-party actions (actions/github-script) run the workflow's own code;
            # a third-party action was already counted above
            continue
        found.append(Exposure(exe.step, exe.what, unpinned_code=exe.install and not locked(exe.what)))
    found.sort(key=lambda e: order.get(id(e.step), 0))
    return found


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    reach = composite_reach(repo)
    repeats = Repeats()
    for job in wf.jobs:
        facts = job_facts(job)
        for checkout in facts.checkouts:
            if checkout.by_shell or not checkout.persist_credentials or checkout.step.uses is None:
                continue
            step = checkout.step
            uses = step.uses
            if uses is None:
                continue
            if step.via is not None:
                r = reach.get(id(step.node))
                if r is not None and r.owner is not wf:
                    continue
            exposures = _exposures(facts, checkout)
            if not exposures:
                continue
            credential = _credential(checkout)
            held = credential or "the job's GITHUB_TOKEN"
            # a checkout into `path:` keeps it in that folder's .git/config (tqdm/tqdm's docs checkout)
            folder = checkout_path(step)
            gitconfig = f"`{folder}/.git/config`" if folder else "`.git/config`"
            uploads = [e for e in exposures if e.upload]
            tier = Tier.P2
            confidence = Confidence.HIGH
            first = exposures[0]
            if uploads:
                first = uploads[0]
                if first.hidden == "yes":
                    tier = Tier.P1
                    why = (
                        f"the job then {first.what}, which includes {gitconfig} with {held} in it; artifacts"
                        " can be downloaded while the run is still going, before the token expires"
                    )
                else:
                    confidence = Confidence.MEDIUM
                    why = (
                        f"the job then {first.what}; whether {gitconfig} (with {held}) goes along depends on"
                        " the upload-artifact version (hidden files are left out by default since v4.4)"
                    )
            else:
                why = f"the job then {first.what}, which can read {held} from {gitconfig}"
                if credential and any(e.unpinned_code for e in exposures):
                    tier = Tier.P1
                    third = next(e for e in exposures if e.unpinned_code)
                    why = (
                        f"the job then {third.what}, which can read the long-lived credential {held} from"
                        f" {gitconfig}; unlike GITHUB_TOKEN it stays valid after the job ends"
                    )
                    first = third
            locations: list[Location] = [checkout.location(), first.step.location(first.what)]
            yield META.finding(
                f"`{uses.raw}` keeps {held} in {gitconfig} (persist-credentials defaults to true); {why}",
                locations,
                tier=tier,
                confidence=confidence,
                # two unnamed checkouts of one job share their label: the later ones get #2, #3, …
                key=repeats(f"{step.file.path}|{job.id}|{step.label}"),
                previous_key=f"{step.file.path}|{job.id}|{step.label}",
                properties={"credential": credential or "GITHUB_TOKEN", "exposures": [e.what for e in exposures[:5]]},
            )
