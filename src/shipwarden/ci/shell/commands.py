"""Command semantics: wrappers, canonical names, options, and the rules of the command table."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from shipwarden.ci.shell.model import Assignment, EventKind, Word
from shipwarden.ci.shell.state import Args, Cmd
from shipwarden.ci.shell.tables import FALSY, TRUTHY, CommandRule, Tables, Wrapper, load_tables

_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def basename(value: str) -> str:
    if "/" not in value and "\\" not in value:
        return value
    value = value.rstrip("/")
    return value.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


@functools.lru_cache(maxsize=8192)
def _canonical(name: str) -> str:
    for pattern, canonical in load_tables().aliases:
        if pattern.search(name):
            return canonical
    return name


def _package_name(value: str, t: Tables) -> str:
    m = re.match(r"^(@?[^@]+)@.*$", value)
    pkg = m.group(1) if m else value
    return t.packages.get(pkg, basename(pkg))


@functools.lru_cache(maxsize=8192)
def _head(value: str) -> tuple[str, str, bool]:
    """A literal first word's (name, canonical name, whether it names a wrapper)."""
    name = basename(value)
    canonical = _canonical(name)
    return name, canonical, canonical in load_tables().wrapper_names


def resolve(cmd: Cmd, t: Tables) -> None:
    """Strip wrappers and set name/canonical."""
    words = cmd.words
    first = words[0] if words else None
    if first is not None and first.value is not None and not first.expressions:
        name, canonical, wrapper = _head(first.value)
        if not wrapper:  # the common case: argv is the whole command
            cmd.argv = words[:]
            cmd.name, cmd.canonical = name, canonical
            return
    i = 0
    wrappers: list[str] = []
    package = False
    for _ in range(16):
        if i >= len(words):
            break
        value = words[i].value
        if value is None or words[i].expressions:
            break
        base = _canonical(basename(value))
        if base not in t.wrapper_names:
            break
        nxt = words[i + 1].value if i + 1 < len(words) else None
        spec = t.wrappers.get((base, nxt or "")) if nxt else None
        if spec is None:
            spec = t.wrappers.get((base, ""))
        if spec is None:
            break
        j = _skip_wrapper(words, i + (2 if spec.sub else 1), spec, cmd)
        if j is None or j >= len(words):
            break
        wrappers.append(spec.label)
        package = spec.package_runner
        if spec.executes and not cmd.executing_wrapper and not _told_not_to(words, i, j, spec):
            cmd.executing_wrapper = spec.label
        i = j
    cmd.argv_at = i
    cmd.argv = words[i:]
    cmd.wrappers = tuple(wrappers)
    argv0 = words[i] if words else None
    if argv0 is None or argv0.value is None or argv0.expressions:
        return
    cmd.name = _package_name(argv0.value, t) if package else basename(argv0.value)
    cmd.canonical = _canonical(cmd.name)


def _told_not_to(words: list[Word], i: int, j: int, spec: Wrapper) -> bool:
    """Do the wrapper's own options (``words[i:j]``) keep it from running the project's code
    (``uv run --no-sync``)?"""
    if not spec.executes_unless:
        return False
    return any(w.value is not None and w.value.partition("=")[0] in spec.executes_unless for w in words[i:j])


def _skip_wrapper(words: list[Word], j: int, spec: Wrapper, cmd: Cmd) -> int | None:
    n = len(words)
    module_seen = False
    while j < n:
        w = words[j]
        v = w.value
        if v is None:
            break
        if v == "--":
            j += 1
            break
        if spec.assignments and _ASSIGN.match(v):
            name, _, val = v.partition("=")
            cmd.assignments.append(Assignment(w.start, w.end, name, Word(w.start, w.end, w.source, val, w.expressions)))
            j += 1
            continue
        if not v.startswith("-") or v == "-":
            break
        if v in spec.stop_options:
            return None
        if spec.module_flag and v == spec.module_flag:
            module_seen = True
            j += 1
            break
        if spec.module_flag and spec.clusters and v.startswith("-m") and len(v) > 2 and not v.startswith("--"):
            return None  # -mpkg: rare; not worth a special case
        if "=" not in v and v in spec.options_with_arg:
            j += 2
            continue
        if spec.clusters and not v.startswith("--") and len(v) > 2:
            letters = v[1:]
            if any("-" + c in spec.stop_options for c in letters):
                return None
            if spec.module_flag and "m" in letters:
                if letters.endswith("m"):
                    module_seen = True
                    j += 1
                    break
                return None
            j += 2 if "-" + letters[-1] in spec.options_with_arg else 1
            continue
        j += 1
    if spec.module_flag and not module_seen:
        return None
    skip = spec.skip_positionals
    while skip and j < n:
        if spec.skip_only and words[j].value not in spec.skip_only:
            return None
        j += 1
        skip -= 1
    return j


def _parse_args(words: Sequence[Word], with_arg: frozenset[str], clusters: bool) -> Args:
    pos: list[Word] = []
    opts: dict[str, list[tuple[str | None, Word | None]]] = {}

    def add(name: str, value: str | None, word: Word | None) -> None:
        opts.setdefault(name, []).append((value, word))

    i, n, ended = 0, len(words), False
    while i < n:
        w = words[i]
        v = w.value
        if ended or v is None or not v.startswith("-") or v == "-":
            pos.append(w)
            i += 1
            continue
        if v == "--":
            ended = True
            i += 1
            continue
        nxt = words[i + 1] if i + 1 < n else None
        if v.startswith("--"):
            name, eq, val = v.partition("=")
            if eq:
                add(name, val, w)
            elif name in with_arg and nxt is not None:
                add(name, nxt.value, nxt)
                i += 1
            else:
                add(name, "", None)
        elif v in with_arg:
            if nxt is not None:
                add(v, nxt.value, nxt)
                i += 1
            else:
                add(v, "", None)
        elif clusters and len(v) > 2:
            add(v, "", None)
            letters = v[1:]
            for k, ch in enumerate(letters):
                opt = "-" + ch
                if opt in with_arg:
                    rest = letters[k + 1 :]
                    if rest:
                        add(opt, rest, w)
                    elif nxt is not None:
                        add(opt, nxt.value, nxt)
                        i += 1
                    else:
                        add(opt, "", None)
                    break
                add(opt, "", None)
        elif "=" in v and v.split("=", 1)[0] in with_arg:
            name, _, val = v.partition("=")
            add(name, val, w)
        elif len(v) > 2 and v[:2] in with_arg:
            add(v[:2], v[2:], w)
        else:
            add(v, "", None)
        i += 1
    return Args(pos, opts)


def parsed_args(cmd: Cmd, t: Tables) -> Args:
    if cmd.args is None:
        canonical = cmd.canonical or ""
        cmd.args = _parse_args(cmd.argv[1:], t.options.get(canonical, frozenset()), canonical in t.clusters)
    return cmd.args


def _is_local(value: str | None, t: Tables) -> bool:
    return (value is not None and bool(t.arg_path.search(value)) and not t.binary_artifact.search(value)
            and not t.ignore_path.search(value))


def _dynamic(w: Word) -> bool:
    return w.value is None or bool(w.expressions)


def _match_rule(rule: CommandRule, cmd: Cmd, args: Args, t: Tables) -> tuple[str, Word | None, list[Word]] | None:
    """(action, matched word, positionals after the prefix) or None."""
    pos = args.positionals
    if len(pos) < len(rule.args):
        return None
    prefix = []
    for alt, w in zip(rule.args, pos, strict=False):
        if w.value is None or (alt is not None and w.value not in alt):
            return None
        prefix.append(w.value)
    rest = pos[len(rule.args) :]
    if rule.max_positionals is not None and len(pos) > rule.max_positionals:
        return None
    if len(pos) < rule.min_positionals:
        return None
    if rule.not_args and rest and rest[0].value in rule.not_args:
        return None
    opts = args.options  # no option given matches no option spec
    if rule.any_option and not (opts and any(s.matches(opts) for s in rule.any_option)):
        return None
    if rule.unless_options and opts and any(s.matches(opts) for s in rule.unless_options):
        return None
    matched: Word | None = None
    if rule.path_arg:
        if not rest or rest[0].value is None:
            return None
        if t.ignore_path.search(rest[0].value):
            return None
        matched = rest[0]
    if rule.any_arg is not None:
        matched = next((w for w in rest if rule.any_arg.search(w.value if w.value is not None else w.text)), None)
        if matched is None:
            return None
    if rule.dynamic_arg:
        matched = next((w for w in rest if _dynamic(w)), None)
        if matched is None:
            return None
    if rule.require_local and not _local_flags(rule, args, rest, t):
        return None
    return rule.action or " ".join(prefix), matched, rest


def _local_flags(rule: CommandRule, args: Args, rest: list[Word], t: Tables) -> set[str]:
    flags = set()
    if any(_is_local(w.value, t) for w in rest):
        flags.add("local-path")
    for spec in rule.local_options:
        for name in spec.names:
            if any(_is_local(v, t) for v, _ in args.options.get(name, ())):
                flags.add("local-path")
    return flags


def _env_off(rule: CommandRule, env: dict[str, str | None]) -> bool:
    for name, want_true in rule.scripts_off_env:
        if name in env:
            value = (env[name] or "").lower()
            if (want_true and value in TRUTHY) or (not want_true and value in FALSY):
                return True
    return False


def command_events(cmd: Cmd, t: Tables) -> list[tuple[EventKind, dict[str, Any]]]:
    out: list[tuple[EventKind, dict[str, Any]]] = []
    argv0 = cmd.argv[0] if cmd.argv else None
    if argv0 is not None and _runs_local(argv0.value, argv0.text):
        out.append((EventKind.EXECUTES_REPO_CODE, {"tool": "path", "action": "run", "target": argv0}))
    if cmd.executing_wrapper:
        tool, _, action = cmd.executing_wrapper.partition(" ")
        out.append((EventKind.EXECUTES_REPO_CODE, {"tool": tool, "action": action}))
    if cmd.canonical is None:
        return out
    index = t.rule_index.get(cmd.canonical)
    if index is None:
        return out
    args = parsed_args(cmd, t)
    tool = cmd.canonical
    matched_any = False
    for rule in index.for_first(args.positionals[0].value if args.positionals else None):
        if rule.fallback and matched_any:
            continue
        m = _match_rule(rule, cmd, args, t)
        if m is None:
            continue
        matched_any = True
        action, matched, rest = m
        opts = args.options  # no option given matches no option spec
        flags = {name for spec, name in rule.flags if spec.matches(opts)} if opts and rule.flags else set()
        if rule.arg_flags:
            flags |= {name for pattern, name in rule.arg_flags for w in rest if w.value and pattern.search(w.value)}
        if rule.local_options or rule.local_exec or rule.scripts_on:
            flags |= _local_flags(rule, args, rest, t)
        if rule.packages_flag and any(not _is_local(w.value, t) and not t.binary_artifact.search(w.value or "")
                                      for w in rest):
            flags.add(rule.packages_flag)
        scripts = rule.scripts
        if scripts is not None:
            off = bool(opts) and any(s.matches(opts) for s in rule.scripts_off) or _env_off(rule, cmd.env)
            scripts = not off or bool(rule.scripts_on & flags)
        target = matched
        if rule.target == "first":
            target = rest[0] if rest else None
        elif rule.target == "prompt":
            target = None
            for spec in rule.prompt_options:
                hit = spec.matches(args.options)
                if hit is not None and hit[1] is not None:
                    target = hit[1]
                    break
            if target is None and rest:
                target = rest[0]
        attrs = {"tool": rule.tool or tool, "action": action, "registry": rule.registry, "scripts": scripts,
                 "code": rule.code, "flags": frozenset(flags), "target": target}
        out.append((rule.kind, attrs))
        if rule.local_exec and "local-path" in flags:
            out.append((EventKind.EXECUTES_REPO_CODE, {"tool": rule.tool or tool, "action": action,
                                                       "flags": frozenset({"local-path"}), "target": target}))
    return out


@functools.lru_cache(maxsize=4096)
def _runs_local(value: str | None, text: str) -> bool:
    """Does a command word (its value, its text as written) run a file from the checkout?"""
    t = load_tables()
    if value is not None and not t.ignore_path.search(value) and t.command_path.search(value):
        return True
    return t.command_path_raw.search(text) is not None
