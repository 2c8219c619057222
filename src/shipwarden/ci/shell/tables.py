"""The command table (``data/commands.toml``): what commands mean, loaded once."""

from __future__ import annotations

import functools
import re
from typing import Any

from shipwarden.ci.shell.model import EventKind, Word
from shipwarden.core.patterns import LazyPattern
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table

POSIX_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "ash"})
FALSY = frozenset({"false", "0", "no", "off", "n"})
TRUTHY = frozenset({"true", "1", "yes", "on", "y"})


# ============================================================================ tables


@struct(frozen=True)
class OptSpec:
    names: frozenset[str]
    values: frozenset[str] | None = None
    pattern: LazyPattern | None = None

    @classmethod
    def parse(cls, text: str) -> OptSpec:
        for sep in ("~", "="):
            names, found, rest = text.partition(sep)
            if found and names.startswith("-"):
                if sep == "~":
                    return cls(frozenset(names.split("|")), pattern=LazyPattern(rest))
                return cls(frozenset(names.split("|")), values=frozenset(v.lower() for v in rest.split("|")))
        return cls(frozenset(text.split("|")))

    def matches(self, opts: dict[str, list[tuple[str | None, Word | None]]]) -> tuple[str | None, Word | None] | None:
        for name in self.names:
            for value, word in opts.get(name, ()):
                if self.values is None and self.pattern is None:
                    if value is None or value.lower() not in FALSY:
                        return value, word
                elif value is not None:
                    if self.values is not None and value.lower() in self.values:
                        return value, word
                    if self.pattern is not None and self.pattern.search(value):
                        return value, word
        return None


def _alts(text: str) -> frozenset[str] | None:
    return None if text == "*" else frozenset(text.split("|"))


@struct(frozen=True)
class CommandRule:
    kind: EventKind
    names: tuple[str, ...]
    args: tuple[frozenset[str] | None, ...] = ()
    max_positionals: int | None = None
    min_positionals: int = 0
    not_args: frozenset[str] = frozenset()
    any_option: tuple[OptSpec, ...] = ()
    unless_options: tuple[OptSpec, ...] = ()
    any_arg: LazyPattern | None = None
    dynamic_arg: bool = False
    path_arg: bool = False
    require_local: bool = False
    fallback: bool = False
    tool: str = ""
    action: str = ""
    registry: str = ""
    scripts: bool | None = None
    code: str = ""  # a key of Tables.install_code: what those scripts are
    scripts_off: tuple[OptSpec, ...] = ()
    scripts_off_env: tuple[tuple[str, bool], ...] = ()
    scripts_on: frozenset[str] = frozenset()
    local_options: tuple[OptSpec, ...] = ()
    local_exec: bool = False
    flags: tuple[tuple[OptSpec, str], ...] = ()
    arg_flags: tuple[tuple[LazyPattern, str], ...] = ()
    prompt_options: tuple[OptSpec, ...] = ()
    packages_flag: str = ""
    target: str = ""


@struct(frozen=True)
class RuleIndex:
    """The rules of one command name, in table order. ``for_first(v)``: those that can match a
    command whose first positional argument is ``v`` (the others' first ``args`` entry rules it out)."""

    by_first: dict[str, tuple[CommandRule, ...]]
    any_first: tuple[CommandRule, ...]  # no first ``args`` entry, or ``*``

    @classmethod
    def of(cls, rules: tuple[CommandRule, ...]) -> RuleIndex:
        any_first = tuple(r for r in rules if not r.args or r.args[0] is None)
        verbs = {v for r in rules if r.args and r.args[0] is not None for v in r.args[0]}
        by_first = {
            v: tuple(r for r in rules if not r.args or r.args[0] is None or v in r.args[0]) for v in verbs
        }
        return cls(by_first, any_first)

    def for_first(self, value: str | None) -> tuple[CommandRule, ...]:
        return self.by_first.get(value, self.any_first) if value is not None else self.any_first


@struct(frozen=True)
class Wrapper:
    name: str
    sub: str = ""
    options_with_arg: frozenset[str] = frozenset()
    clusters: bool = False
    assignments: bool = False
    skip_positionals: int = 0
    skip_only: frozenset[str] = frozenset()  # the skipped words must be one of these (`uv tool run`)
    stop_options: frozenset[str] = frozenset()
    module_flag: str = ""
    package_runner: bool = False
    executes: bool = False
    executes_unless: frozenset[str] = frozenset()  # options that keep it from running the project's code

    @property
    def label(self) -> str:
        return f"{self.name} {self.sub}" if self.sub else self.name


@struct(frozen=True)
class Downloader:
    file_options: frozenset[str]
    remote_name_options: frozenset[str]
    url_options: frozenset[str]
    default_stdout: bool


@struct(frozen=True)
class InstallCode:
    """What an ecosystem's install runs, as findings say it (``[install_code]`` in the table)."""

    named: str
    tree: str
    local: str
    hashed: str
    own: str
    action: str
    summary: str
    short: str
    taker: str
    off: str
    incident: str

    def says(self, flags: frozenset[str]) -> str:
        """The verb phrase for an install with these event flags (``runs dependency lifecycle scripts``)."""
        if self.local and "local-path" in flags:
            return self.local
        if self.hashed and "require-hashes" in flags:
            return self.hashed
        return self.named if "named-packages" in flags else self.tree


@struct(frozen=True)
class Tables:
    aliases: tuple[tuple[LazyPattern, str], ...]
    packages: dict[str, str]
    wrappers: dict[tuple[str, str], Wrapper]
    wrapper_names: frozenset[str]
    options: dict[str, frozenset[str]]
    clusters: frozenset[str]
    rules: dict[str, tuple[CommandRule, ...]]
    rule_index: dict[str, RuleIndex]  # the same rules, found by a command's first argument
    command_path: LazyPattern  # one alternation of the table's patterns
    command_path_raw: LazyPattern
    arg_path: LazyPattern
    binary_artifact: LazyPattern
    ignore_path: LazyPattern
    nested_shells: frozenset[str]
    nested_flag: str
    eval_names: frozenset[str]
    interpreters: frozenset[str]
    verifiers: frozenset[str]
    code_options: frozenset[str]
    downloaders: dict[str, Downloader]
    pwsh_remote: tuple[LazyPattern, ...]
    url: LazyPattern
    env_files: frozenset[str]
    env_target: LazyPattern
    env_target_fallback: LazyPattern
    tee: frozenset[str]
    echo: frozenset[str]
    echo_options: LazyPattern
    writers: frozenset[str]
    install_code: dict[str, InstallCode]


def _rule(raw: dict[str, Any]) -> CommandRule:
    def specs(key: str) -> tuple[OptSpec, ...]:
        return tuple(OptSpec.parse(s) for s in raw.get(key, ()))

    return CommandRule(
        kind=EventKind(raw["kind"]),
        names=tuple(raw["names"]),
        args=tuple(_alts(a) for a in raw.get("args", ())),
        max_positionals=raw.get("max_positionals"),
        min_positionals=raw.get("min_positionals", 0),
        not_args=frozenset(raw["not_args"].split("|")) if "not_args" in raw else frozenset(),
        any_option=specs("any_option"),
        unless_options=specs("unless_options"),
        any_arg=LazyPattern(raw["any_arg"]) if "any_arg" in raw else None,
        dynamic_arg=raw.get("dynamic_arg", False),
        path_arg=raw.get("path_arg", False),
        require_local=raw.get("require_local", False),
        fallback=raw.get("fallback", False),
        tool=raw.get("tool", ""),
        action=raw.get("action", ""),
        registry=raw.get("registry", ""),
        scripts=raw.get("scripts"),
        code=raw.get("code", ""),
        scripts_off=specs("scripts_off"),
        scripts_off_env=tuple((k.lower(), v == "true") for k, v in raw.get("scripts_off_env", {}).items()),
        scripts_on=frozenset(raw.get("scripts_on", ())),
        local_options=specs("local_options"),
        local_exec=raw.get("local_exec", False),
        flags=tuple((OptSpec.parse(k), v) for k, v in raw.get("flags", {}).items()),
        arg_flags=tuple((LazyPattern(k), v) for k, v in raw.get("arg_flags", {}).items()),
        prompt_options=specs("prompt_options"),
        packages_flag=raw.get("packages_flag", ""),
        target=raw.get("target", ""),
    )


def _any_of(patterns: list[str]) -> LazyPattern:
    """One pattern that matches where any of ``patterns`` does (they hold no inline flags)."""
    return LazyPattern("|".join(f"(?:{p})" for p in patterns))


@functools.cache
def load_tables() -> Tables:
    raw = load_table("shipwarden.ci.shell", "commands.toml")
    rules: dict[str, list[CommandRule]] = {}
    for entry in raw["rule"]:
        rule = _rule(entry)
        for name in rule.names:
            rules.setdefault(name, []).append(rule)
    wrappers = {}
    for w in raw["wrapper"]:
        wrapper = Wrapper(
            name=w["name"],
            sub=w.get("sub", ""),
            options_with_arg=frozenset(w.get("options_with_arg", ())),
            clusters=w.get("clusters", False),
            assignments=w.get("assignments", False),
            skip_positionals=w.get("skip_positionals", 0),
            skip_only=frozenset(w.get("skip_only", ())),
            stop_options=frozenset(w.get("stop_options", ())),
            module_flag=w.get("module_flag", ""),
            package_runner=w.get("package_runner", False),
            executes=w.get("executes", False),
            executes_unless=frozenset(w.get("executes_unless", ())),
        )
        wrappers[(wrapper.name, wrapper.sub)] = wrapper
    remote = raw["remote_exec"]
    env_names = "|".join(re.escape(n) for n in raw["env_files"]["names"])
    return Tables(
        aliases=tuple((LazyPattern(p), n) for p, n in raw["names"]["aliases"]),
        packages=dict(raw["packages"]),
        wrappers=wrappers,
        wrapper_names=frozenset(w.name for w in wrappers.values()),
        options={k: frozenset(v) for k, v in raw["options"].items()},
        clusters=frozenset(raw["clusters"]["names"]),
        rules={k: tuple(v) for k, v in rules.items()},
        rule_index={k: RuleIndex.of(tuple(v)) for k, v in rules.items()},
        command_path=_any_of(raw["local"]["command_path"]),
        command_path_raw=_any_of(raw["local"]["command_path_raw"]),
        arg_path=LazyPattern(raw["local"]["arg_path"]),
        binary_artifact=LazyPattern(raw["local"]["binary_artifact"]),
        ignore_path=LazyPattern(raw["local"]["ignore_path"]),
        nested_shells=frozenset(raw["nested"]["shells"]),
        nested_flag=raw["nested"]["flag"],
        eval_names=frozenset(raw["nested"]["eval"]),
        interpreters=frozenset(remote["interpreters"]),
        verifiers=frozenset(remote["verifiers"]),
        code_options=frozenset(remote["code_options"]),
        downloaders={
            name: Downloader(
                frozenset(d["file_options"]),
                frozenset(d["remote_name_options"]),
                frozenset(d["url_options"]),
                d["default"] == "stdout",
            )
            for name, d in remote["downloaders"].items()
        },
        pwsh_remote=tuple(LazyPattern(p) for p in remote["pwsh"]["patterns"]),
        url=LazyPattern(remote["pwsh"]["url"]),
        env_files=frozenset(raw["env_files"]["names"]),
        env_target=LazyPattern(rf"""^(["']?)\$\{{?(?:env:)?({env_names})\}}?\1$"""),
        env_target_fallback=LazyPattern(rf"""(?i)\$\{{?(?:env:)?({env_names})\}}?|%({env_names})%"""),
        tee=frozenset(raw["env_files"]["tee"]),
        echo=frozenset(raw["env_files"]["echo"]),
        echo_options=LazyPattern(raw["env_files"]["echo_options"]),
        writers=frozenset(raw["env_files"]["writers"]),
        install_code={
            name: InstallCode(
                named=c["named"], tree=c["tree"], local=c.get("local", ""), hashed=c.get("hashed", ""), own=c.get("own", ""),
                action=c["action"], summary=c["summary"], short=c["short"], taker=c["taker"], off=c["off"], incident=c.get("incident", ""),
            )
            for name, c in raw["install_code"].items()
        },
    )


def install_code(name: str) -> InstallCode:
    """What an install event's ``code`` runs, as findings say it; npm's words for an event
    without one (an action that installs npm dependencies)."""
    table = load_tables().install_code
    return table.get(name) or table["npm"]
