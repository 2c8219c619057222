"""Typed access to the knowledge tables in ``github/data/*.toml``."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import field
from functools import cache
from typing import Any

from shipwarden.ci.github.model import Step
from shipwarden.ci.github.uses import Uses
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table


def _data(name: str) -> dict[str, Any]:
    return load_table("shipwarden.ci.github", name)


# --------------------------------------------------------------------------- actions


@struct(frozen=True)
class CacheSpec:
    always: bool = False
    input: str = ""
    default: bool = False
    enabled_values: tuple[str, ...] = ()
    disabled_values: tuple[str, ...] = ()
    key_input: str = ""
    restore_keys_input: str = ""
    key: str = ""
    #: automatic caching without the input, by major version of the action: the
    #: package managers (from the project's ``packageManager`` field) it covers
    auto: tuple[tuple[int, tuple[str, ...]], ...] = ()
    #: the input that switches automatic caching off (``false``)
    auto_off_input: str = ""
    #: a package manager's download store: read only by installs, builds and these commands
    #: (regular expressions); empty: anything the job runs may read the restored files
    read_by: tuple[str, ...] = ()

    def auto_managers(self, major: int | None, with_: dict[str, str]) -> tuple[str, ...]:
        """Package managers cached automatically by this major version, given the inputs."""
        if major is None or not self.auto or self.input in with_:
            return ()
        off = with_.get(self.auto_off_input, "").strip().lower()
        if off == "false":
            return ()
        rules = [managers for since, managers in self.auto if since <= major]
        return rules[-1] if rules else ()

    def enabled(self, with_: dict[str, str]) -> bool:
        if self.always:
            return True
        raw = with_.get(self.input)
        if raw is None:
            return self.default
        value = raw.strip().lower()
        if "${{" in value:
            return True  # decided at run time: assume the worst
        if self.disabled_values:
            return value not in self.disabled_values
        if self.enabled_values:
            return value in self.enabled_values
        return value not in ("", "false")


@struct(frozen=True)
class ActionInfo:
    name: str
    does: frozenset[str]
    cache: CacheSpec | None = None
    script_inputs: tuple[str, ...] = ()
    command_inputs: tuple[str, ...] = ()
    install_inputs: tuple[str, ...] = ()
    #: what its installs run: a key of the shell table's ``[install_code]``
    install_code: str = "npm"
    prompt_inputs: tuple[str, ...] = ()
    tool_inputs: tuple[str, ...] = ()
    token_inputs: tuple[str, ...] = ()
    oidc_unless: tuple[str, ...] = ()
    registry: str = ""
    actor_gate: bool = False
    actor_gate_bypass: tuple[str, ...] = ()
    reads_event_text: bool = False
    #: third-party artifact downloaders: the input naming the producing workflow, the
    #: input taking an explicit run id, the input that lets a search take fork PR
    #: runs, and the first major version in which that input defaults to off
    workflow_input: str = ""
    run_id_input: str = ""
    forks_input: str = ""
    forks_default_until_major: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@cache
def action_table() -> dict[str, ActionInfo]:
    table: dict[str, ActionInfo] = {}
    for name, raw in _data("actions.toml").items():
        cache_raw = raw.get("cache")
        spec = None
        if isinstance(cache_raw, dict):
            spec = CacheSpec(
                always=bool(cache_raw.get("always", False)),
                input=cache_raw.get("input", ""),
                default=bool(cache_raw.get("default", False)),
                enabled_values=tuple(cache_raw.get("enabled_values", ())),
                disabled_values=tuple(cache_raw.get("disabled_values", ())),
                key_input=cache_raw.get("key_input", ""),
                restore_keys_input=cache_raw.get("restore_keys_input", ""),
                key=cache_raw.get("key", ""),
                auto=tuple(
                    (int(rule["from_major"]), tuple(rule["managers"]))
                    for rule in sorted(cache_raw.get("auto", ()), key=lambda r: int(r["from_major"]))
                ),
                auto_off_input=cache_raw.get("auto_off_input", ""),
                read_by=tuple(cache_raw.get("read_by", ())),
            )
        table[name.lower()] = ActionInfo(
            name=name.lower(),
            does=frozenset(raw.get("does", ())),
            cache=spec,
            script_inputs=tuple(raw.get("script_inputs", ())),
            command_inputs=tuple(raw.get("command_inputs", ())),
            install_inputs=tuple(raw.get("install_inputs", ())),
            install_code=raw.get("install_code", "npm"),
            prompt_inputs=tuple(raw.get("prompt_inputs", ())),
            tool_inputs=tuple(raw.get("tool_inputs", ())),
            token_inputs=tuple(raw.get("token_inputs", ())),
            oidc_unless=tuple(raw.get("oidc_unless", ())),
            registry=raw.get("registry", ""),
            actor_gate=bool(raw.get("actor_gate", False)),
            actor_gate_bypass=tuple(raw.get("actor_gate_bypass", ())),
            reads_event_text=bool(raw.get("reads_event_text", False)),
            workflow_input=raw.get("workflow_input", ""),
            run_id_input=raw.get("run_id_input", ""),
            forks_input=raw.get("forks_input", ""),
            forks_default_until_major=int(raw.get("forks_default_until_major", 0)),
            note=raw.get("note", ""),
        )
    return table


def action_info(uses: Uses | None) -> ActionInfo | None:
    """Knowledge about a ``uses:`` target (remote actions only)."""
    if uses is None or uses.kind != "repo":
        return None
    return action_table().get(uses.action)


def step_info(step: Step) -> ActionInfo | None:
    """:func:`action_info` of the step's ``uses:`` (asked for nearly every step by several rules:
    the same test, without the extra call)."""
    uses = step.uses
    if uses is None or uses.kind != "repo":
        return None
    return action_table().get(uses.action)


# --------------------------------------------------------------------------- triggers


@struct(frozen=True)
class EventInfo:
    name: str
    outsider: bool
    privileged: bool
    cache_scope: str
    runs_pr_code: bool
    approval: str = ""
    note: str = ""


UNKNOWN_EVENT = EventInfo("unknown", outsider=False, privileged=True, cache_scope="default", runs_pr_code=False)


@cache
def _triggers() -> dict[str, Any]:
    return _data("triggers.toml")


@cache
def event_table() -> dict[str, EventInfo]:
    return {
        name: EventInfo(
            name=name,
            outsider=bool(raw.get("outsider", False)),
            privileged=bool(raw.get("privileged", True)),
            cache_scope=raw.get("cache_scope", "default"),
            runs_pr_code=bool(raw.get("runs_pr_code", False)),
            approval=raw.get("approval", ""),
            note=raw.get("note", ""),
        )
        for name, raw in _triggers()["events"].items()
    }


def event_info(name: str) -> EventInfo:
    return event_table().get(name, UNKNOWN_EVENT)


def cache_token_table() -> dict[str, Any]:
    """``[cache_token]`` of ``triggers.toml``: when GitHub refuses an untrusted run's cache saves."""
    table: dict[str, Any] = _triggers()["cache_token"]
    return table


def cache_read_only_by_default(event: str) -> bool:
    """GitHub gives runs of ``event`` a read-only cache token unless ``cache-mode:`` grants
    writes: an event outsiders start that runs in the default branch's cache scope."""
    info = event_info(event)
    return info.outsider and info.cache_scope == "default"


@cache
def pr_code_patterns() -> tuple[tuple[str, ...], tuple[str, ...]]:
    section = _triggers()["pr_code"]
    return tuple(section["refs"]), tuple(section["literals"])


def is_pr_code_context(path: str) -> bool:
    """Does a normalised context path (``github.event.pull_request.head.sha``) name PR code?"""
    refs, _ = pr_code_patterns()
    lowered = path.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in refs)


# --------------------------------------------------------------------------- exposure


@struct(frozen=True)
class ExposureTable:
    """``exposure.toml``: first-party action owners, low-value secret names, hosted runner labels."""

    first_party_owners: frozenset[str]
    no_token_actions: frozenset[str]
    low_value_secrets: re.Pattern[str]
    hosted_labels: tuple[str, ...]
    #: shell commands an agent may be allowed that run no code of its choosing
    harmless_agent_commands: tuple[str, ...] = ()

    def low_value_secret(self, name: str) -> bool:
        return self.low_value_secrets.search(name) is not None

    def hosted_label(self, label: str) -> bool:
        low = label.lower()
        return any(fnmatch.fnmatchcase(low, pattern) for pattern in self.hosted_labels)


@cache
def exposure_table() -> ExposureTable:
    raw = _data("exposure.toml")
    return ExposureTable(
        first_party_owners=frozenset(o.lower() for o in raw["actions"]["first_party_owners"]),
        no_token_actions=frozenset(a.lower() for a in raw["actions"]["no_token_actions"]),
        low_value_secrets=re.compile("|".join(raw["secrets"]["low_value"]), re.IGNORECASE),
        hosted_labels=tuple(p.lower() for p in raw["runners"]["hosted_labels"]),
        harmless_agent_commands=tuple(c.lower() for c in raw.get("agents", {}).get("harmless_commands", ())),
    )
