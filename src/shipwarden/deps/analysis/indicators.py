"""The indicator tables (``data/deps_indicators.toml``) and the credential catalogue, as matchers."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from shipwarden.core.findings import Confidence, Tier
from shipwarden.core.tables import load_table
from shipwarden.deps.analysis.model import Capability
from shipwarden.knowledge.credential_stores import load_catalogue

_HOME_PREFIX = re.compile(
    r"^(?:~|\$HOME|\$\{HOME\}|%USERPROFILE%|%HOMEPATH%|\*|/root|/home/[^/]+|/Users/[^/]+|[A-Za-z]:/Users/[^/]+)(?=/|$)"
)
_URL_HOST = re.compile(r"\b[a-z][a-z0-9+.-]*://(?:[^/\s@'\"`]*@)?([^/\s:'\"`?#]+)([^\s'\"`]*)", re.I)
_BARE_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$", re.I)
_HOME_TOKENS = {"~", "~/", "$HOME", "$HOME/", "${HOME}", "${HOME}/", "/root", "/root/"}


@dataclass(frozen=True, slots=True)
class CommandPattern:
    capability: Capability
    detail: str
    program: str
    args: tuple[str, ...]

    def matches(self, program: str, args: list[str]) -> bool:
        if program != self.program:
            return False
        want = list(self.args)
        for token in args:
            if not want:
                break
            t = "~/" if token in _HOME_TOKENS else token
            if want[0] == "*" or t == want[0]:
                want.pop(0)
        return not want


@dataclass(frozen=True, slots=True)
class StringPattern:
    capability: Capability
    detail: str
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str
    tier: Tier
    confidence: Confidence
    require: tuple[frozenset[Capability], ...]
    #: Indexes of the groups that need strong evidence.
    strong: frozenset[int]
    unless: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CredentialGlob:
    glob: str
    store: str
    exclude: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int
    max_files_per_hook: int
    max_decode_depth: int
    max_decoded_chars: int
    long_base64_chars: int
    mangled_identifiers: int
    hex_escapes: int
    char_code_chain: int


def _host_labels(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.lower().strip(".").split("."))


def _contains_labels(host: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    n = len(pattern)
    return any(host[i : i + n] == pattern for i in range(len(host) - n + 1))


@dataclass(frozen=True, slots=True)
class Indicators:
    limits: Limits
    install_events: tuple[str, ...]
    source_events: tuple[str, ...]
    gyp_default: str
    interpreters: dict[str, frozenset[str]]
    native_programs: frozenset[str]
    harmless_programs: frozenset[str]
    js_network_modules: frozenset[str]
    js_child_modules: frozenset[str]
    js_calls: dict[str, str]
    decode_encodings: frozenset[str]
    py_network_modules: frozenset[str]
    py_calls: dict[str, str]
    env_dump: frozenset[str]
    shell_network: frozenset[str]
    send_flags: frozenset[str]
    commands: tuple[CommandPattern, ...]
    agent_programs: frozenset[str]
    agent_bypass: frozenset[str]
    strings: tuple[StringPattern, ...]
    persistence_paths: tuple[str, ...]
    persistence_components: frozenset[str]
    exfil_hosts: tuple[tuple[str, ...], ...]
    exfil_paths: tuple[tuple[tuple[str, ...], str], ...]
    known_bad: tuple[tuple[str, ...], ...]
    staging: tuple[str, ...]
    pth_known: tuple[tuple[str, str], ...]
    verdicts: tuple[Verdict, ...]
    credential_globs: tuple[CredentialGlob, ...]
    credential_dirs: frozenset[str]

    # ------------------------------------------------------------------ paths

    @staticmethod
    def _components(text: str) -> list[str]:
        text = text.strip().strip("'\"`").replace("\\", "/")
        text = _HOME_PREFIX.sub("", text, count=1)
        return [c for c in text.split("/") if c and c != "."]

    def credential_path(self, text: str) -> str | None:
        """The catalogue store id whose path ``text`` names (``~/.aws/credentials`` → aws-credentials)."""
        if len(text) > 512 or "\n" in text:
            return None
        parts = self._components(text)
        if not parts:
            return None
        base = parts[-1]
        for i in range(len(parts)):
            suffix = "/".join(parts[i:])
            for entry in self.credential_globs:
                if fnmatch.fnmatchcase(suffix, entry.glob) and not any(fnmatch.fnmatchcase(base, x) for x in entry.exclude):
                    return entry.store
        if parts[-1] in self.credential_dirs:
            return parts[-1]
        return None

    def persistence_path(self, text: str) -> str | None:
        if len(text) > 512 or "\n" in text:
            return None
        raw = text.strip().strip("'\"`").replace("\\", "/")
        parts = self._components(raw)
        if not parts:
            return None
        absolute = raw.startswith("/")
        for glob in self.persistence_paths:
            if glob.startswith("/"):
                if absolute and fnmatch.fnmatchcase(raw, glob):
                    return glob
                continue
            for i in range(len(parts)):
                if fnmatch.fnmatchcase("/".join(parts[i:]), glob):
                    return glob
        if parts[-1] in self.persistence_components:
            return parts[-1]
        return None

    # ------------------------------------------------------------------ hosts

    def hosts(self, text: str) -> list[tuple[str, str]]:
        """(host, path) pairs of URLs in ``text``; a bare hostname counts too."""
        found = [(m.group(1).lower(), m.group(2)) for m in _URL_HOST.finditer(text[:4096])]
        if not found and _BARE_HOST.match(text.strip()) and len(text) < 256:
            found.append((text.strip().lower(), ""))
        return found

    def exfil_host(self, text: str) -> str | None:
        """Why ``text`` names an exfiltration endpoint, or None."""
        for host, path in self.hosts(text):
            labels = tuple(host.split("."))
            for pattern in self.known_bad:
                if _contains_labels(labels, pattern):
                    return f"{'.'.join(pattern)} (named in an incident)"
            for pattern in self.exfil_hosts:
                if _contains_labels(labels, pattern):
                    return ".".join(pattern)
            for pattern, prefix in self.exfil_paths:
                if _contains_labels(labels, pattern) and path.startswith(prefix):
                    return ".".join(pattern) + prefix
        return None

    # ------------------------------------------------------------------ strings and commands

    def string_hits(self, text: str) -> list[StringPattern]:
        text = text[:100_000]
        return [p for p in self.strings if p.regex.search(text)]

    def staging_name(self, text: str) -> str | None:
        for name in self.staging:
            if name in text:
                return name
        return None

    def command_hits(self, argv: list[str]) -> list[CommandPattern]:
        if not argv:
            return []
        program = posixpath.basename(argv[0])
        return [c for c in self.commands if c.matches(program, argv[1:])]

    def agent(self, argv: list[str]) -> str | None:
        if not argv:
            return None
        program = posixpath.basename(argv[0])
        if program not in self.agent_programs:
            return None
        flags = [a for a in argv[1:] if a in self.agent_bypass]
        return f"runs the {program} AI agent" + (f" with {', '.join(flags)}" if flags else "")

    def interpreter(self, program: str) -> str | None:
        base = posixpath.basename(program)
        for language, names in self.interpreters.items():
            if base in names or any(base.startswith(n) and base[len(n) :].replace(".", "").isdigit() for n in names):
                return language
        return None

    def pth_owner(self, name: str) -> str | None:
        for glob, owner in self.pth_known:
            if fnmatch.fnmatchcase(name, glob):
                return owner
        return None

    # ------------------------------------------------------------------ environment

    def token_env(self, name: str) -> bool:
        env = load_catalogue().environment
        return env.is_publish(name) or env.names.is_secret(name)


def _verdict(raw: dict[str, Any]) -> Verdict:
    groups = raw["require"]
    strong_raw = raw.get("strong", False)
    strong = frozenset(range(len(groups))) if strong_raw is True else frozenset(strong_raw or ())
    return Verdict(
        rule=str(raw["rule"]),
        tier=Tier.parse(str(raw["tier"])),
        confidence=Confidence(str(raw.get("confidence", "medium"))),
        require=tuple(frozenset(Capability(c) for c in group) for group in raw["require"]),
        strong=strong,
        unless=tuple(raw.get("unless", ())),
    )


def parse_indicators(data: dict[str, Any]) -> Indicators:
    lim = data["limits"]
    catalogue = load_catalogue()
    cred_globs: list[CredentialGlob] = []
    cred_dirs: set[str] = set()
    generic = frozenset(data["credential_dirs"]["generic"])  # too generic to mean "credentials" alone
    for store in catalogue.stores:
        for glob in store.globs():
            cred_globs.append(CredentialGlob(glob, store.id, store.exclude))
            first = glob.split("/", 1)[0]
            if "/" in glob and first.startswith(".") and first not in generic and not any(ch in first for ch in "*?["):
                cred_dirs.add(first)
    exfil = data["exfiltration"]
    return Indicators(
        limits=Limits(**{k: int(v) for k, v in lim.items()}),
        install_events=tuple(data["npm"]["install_events"]),
        source_events=tuple(data["npm"]["source_events"]),
        gyp_default=str(data["npm"]["gyp_default"]),
        interpreters={k: frozenset(v) for k, v in data["interpreters"].items()},
        native_programs=frozenset(data["native_build"]["programs"]),
        harmless_programs=frozenset(data["native_build"]["harmless"]),
        js_network_modules=frozenset(data["javascript"]["network_modules"]),
        js_child_modules=frozenset(data["javascript"]["child_process_modules"]),
        js_calls={str(k): str(v) for k, v in data["javascript"]["calls"].items()},
        decode_encodings=frozenset(data["javascript"]["decode_encodings"]),
        py_network_modules=frozenset(data["python"]["network_modules"]),
        py_calls={str(k): str(v) for k, v in data["python"]["calls"].items()},
        env_dump=frozenset(data["shell"]["env_dump"]),
        shell_network=frozenset(data["shell"]["network"]),
        send_flags=frozenset(data["shell"]["send_flags"]),
        commands=tuple(
            CommandPattern(Capability(c["capability"]), str(c["detail"]), str(c["program"]), tuple(c.get("args", ())))
            for c in data["commands"]
        ),
        agent_programs=frozenset(data["agents"]["programs"]),
        agent_bypass=frozenset(data["agents"]["bypass_flags"]),
        strings=tuple(
            StringPattern(Capability(s["capability"]), str(s["detail"]), re.compile(s["regex"])) for s in data["strings"]
        ),
        persistence_paths=tuple(data["persistence"]["paths"]),
        persistence_components=frozenset(data["persistence"]["components"]),
        exfil_hosts=tuple(_host_labels(h) for h in exfil["hosts"]),
        exfil_paths=tuple(
            (_host_labels(p.split("/", 1)[0]), "/" + p.split("/", 1)[1]) for p in exfil["paths"]
        ),
        known_bad=tuple(_host_labels(h) for h in exfil["known_bad"]),
        staging=tuple(data["staging"]["names"]),
        pth_known=tuple((str(p["glob"]), str(p["owner"])) for p in data["pth_known"]),
        verdicts=tuple(_verdict(v) for v in data["verdicts"]),
        credential_globs=tuple(cred_globs),
        credential_dirs=frozenset(cred_dirs),
    )


@cache
def load_indicators() -> Indicators:
    return parse_indicators(load_table("shipwarden", "deps_indicators.toml"))
