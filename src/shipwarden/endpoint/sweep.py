"""The sweep: visit every catalogued store under a home, grade what it holds.

Read-only, except for ``fix_permissions`` (chmod 600 on flagged files the user
owns). No secret value leaves this module: findings carry the store, the key
path, the kind, a redacted prefix and a fingerprint.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core.findings import Confidence, Finding, Location, Report, Tier
from shipwarden.endpoint import rules
from shipwarden.endpoint.files import MAX_FILE_BYTES, MAX_LARGE_SCAN_BYTES, MAX_TEXT_BYTES, Exposure, FileInfo, Home
from shipwarden.endpoint.parsers import TEXT_PARSERS, Leaf, ParseProblem, locate, parse_sqlite
from shipwarden.endpoint.sshkeys import analyse_private_key
from shipwarden.knowledge.credential_stores import Catalogue, KeySpec, Publish, StoreEntry, load_catalogue
from shipwarden.secrets import SecretMatch, fingerprint, load_rules, redact, scan_text, shannon_entropy, token_kinds

COMMAND = "endpoint"

#: A value that only refers to a secret kept elsewhere: ``${NPM_TOKEN}``, ``$X``, ``%X%``, ``env:X``.
_REFERENCE = re.compile(r"^(?:\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\$\{\{.*\}\}|\{\{.*\}\}|env:\S+|op://\S+)$")
_AUTH_SCHEME = re.compile(r"^(?:bearer|token|basic)\s+", re.I)
#: Unrecognised values under a secret-looking name must be at least this strong.
_NAMED_MIN_LEN = 8
_NAMED_MIN_ENTROPY = 3.0
#: Declared credential slots accept shorter, weaker values (a password is a password).
_DECLARED_MIN_LEN = 4
_HIGH_ENTROPY = 3.5
_HIGH_ENTROPY_LEN = 16
_MAX_LABEL = 160
_PROTECTED_KINDS = frozenset({"encrypted-private-key"})
_KEY_KINDS = frozenset({"encrypted-private-key", "private-key", "ssh-private-key"})
#: A command-line flag whose next list item is its value: ``"args": ["--api-key", "…"]``.
_FLAG = re.compile(r"^--?([A-Za-z][A-Za-z0-9_.-]*)$")
_LIST_ITEM = re.compile(r"^((?:.*\.)?)(\d+)$")
#: Token providers that describe a shape of text, not a format: their matches are
#: graded by entropy ("high-entropy"/"low-entropy"), not called "format-valid".
_CONTEXT_FREE = frozenset({"generic", "url", "http"})


@dataclass(frozen=True, slots=True)
class Sighting:
    """One credential seen in one place. Never holds the value."""

    kind: str
    description: str
    key_path: str
    line: int
    column: int
    end_line: int
    end_column: int
    redacted: str
    fingerprint: str
    entropy: float
    live: str  # "format-valid" | "high-entropy" | "low-entropy"
    confidence: Confidence
    publish_capable: bool


@dataclass(slots=True)
class _Stats:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


# -- helpers ----------------------------------------------------------------------------


def _tier(publish: Publish, publish_capable: bool) -> Tier:
    if publish is Publish.ALWAYS:
        return Tier.P1
    if publish is Publish.NEVER:
        return Tier.P2
    return Tier.P1 if publish_capable else Tier.P2


def safe_label(text: str) -> str:
    """A key path or name fit for output: tokens inside it are redacted, length capped."""
    text = text.replace("\n", " ")[:_MAX_LABEL]
    for m in sorted(scan_text(text), key=lambda m: m.column, reverse=True):
        text = text[: m.column - 1] + m.redacted + text[m.end_column - 1 :]
    return text


def _live(m: SecretMatch) -> str:
    if token_kinds()[m.kind].provider not in _CONTEXT_FREE:
        return "format-valid"
    return "high-entropy" if m.entropy >= _HIGH_ENTROPY else "low-entropy"


def _from_match(m: SecretMatch, leaf: Leaf | None, key_path: str, *, verbatim: bool) -> Sighting:
    line, column, end_line, end_column = m.line, m.column, m.end_line, m.end_column
    if leaf is not None:
        if leaf.line and verbatim:
            if m.line == 1:
                column, end_column = leaf.column + m.column - 1, leaf.column + m.end_column - 1
            line, end_line = leaf.line + m.line - 1, leaf.line + m.end_line - 1
        else:
            line, end_line, column, end_column = leaf.line, leaf.line, leaf.column, 0
    return Sighting(
        kind=m.kind,
        description=m.description,
        key_path=key_path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        redacted=m.redacted,
        fingerprint=m.fingerprint,
        entropy=m.entropy,
        live=_live(m),
        confidence=m.confidence,
        publish_capable=m.publish_capable,
    )


def _strong_named_value(secret: str) -> bool:
    """Whether a value of no known format, under a secret-looking name, is worth reporting.

    Paths and URLs are where a secret lives (``GOOGLE_APPLICATION_CREDENTIALS=/…/key.json``),
    not the secret; text with spaces is prose or a command line.
    """
    return (
        len(secret) >= _NAMED_MIN_LEN
        and shannon_entropy(secret) >= _NAMED_MIN_ENTROPY
        and not any(c.isspace() for c in secret)
        and not secret.startswith(("/", "~/", "./", "../", "http://", "https://", "file://"))
    )


def _unrecognised(secret: str, leaf: Leaf, description: str) -> Sighting:
    entropy = round(shannon_entropy(secret), 3)
    strong = entropy >= _HIGH_ENTROPY and len(secret) >= _HIGH_ENTROPY_LEN
    single = "\n" not in secret and leaf.column
    return Sighting(
        kind="unrecognised",
        description=description,
        key_path=leaf.key_path,
        line=leaf.line,
        column=leaf.column,
        end_line=leaf.line,
        end_column=leaf.column + len(secret) if single else 0,
        redacted=redact(secret),
        fingerprint=fingerprint(secret),
        entropy=entropy,
        live="high-entropy" if strong else "low-entropy",
        confidence=Confidence.MEDIUM if strong else Confidence.LOW,
        publish_capable=False,
    )


def _decode(value: str, spec: KeySpec | None) -> tuple[str, bool]:
    """The value to inspect and whether it is verbatim in the file."""
    if spec is None or spec.decode != "base64":
        return value, True
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value, True
    return raw.decode("utf-8", errors="replace"), False


class _Evaluator:
    """Turns parsed leaves and texts into sightings, with the catalogue's name rules."""

    def __init__(self, catalogue: Catalogue, stats: _Stats) -> None:
        self.catalogue = catalogue
        self.stats = stats
        self.placeholders = load_rules().placeholders

    def skip_value(self, secret: str) -> bool:
        if _REFERENCE.match(secret) or self.placeholders.is_placeholder(secret):
            self.stats.add("placeholders_skipped")
            return True
        return False

    def leaf(
        self,
        store: StoreEntry,
        leaf: Leaf,
        *,
        protected: list[str],
        text: str | None = None,
        name: str | None = None,
    ) -> list[Sighting]:
        """Sightings in one parsed value. ``text`` (the file) locates values parsed without positions;
        ``name`` replaces the key name (a command-line flag before the value in an ``args`` list)."""
        value = leaf.value.strip()
        if not value or store.ignored(leaf.key_path):
            return []
        spec = store.key_spec(leaf.key_path)
        if name is None:
            name = leaf.key_path.rsplit(".", 1)[-1]
        named = self.catalogue.secret_keys.is_secret(name)
        declared = spec is not None and not spec.only_secret_names
        inspected, verbatim = _decode(value, spec)
        matches = self._matches(name if (named or spec) else "", inspected)
        if text is not None and leaf.line == 0 and (matches or declared or named):
            line, column = locate(text, leaf.value, name)
            leaf = dataclasses.replace(leaf, line=line, column=column)
        found: list[Sighting] = []
        for m in matches:
            if m.kind in _PROTECTED_KINDS:
                protected.append(m.fingerprint)
                continue
            found.append(_from_match(m, leaf, leaf.key_path, verbatim=verbatim))
        if found or protected or not (declared or named):
            return found
        secret = _AUTH_SCHEME.sub("", inspected)
        if spec is not None and spec.decode == "base64" and ":" in secret:
            secret = secret.split(":", 1)[1]  # user:password
        secret = secret.strip()
        if self.skip_value(secret):
            return []
        if declared:
            if len(secret) < _DECLARED_MIN_LEN:
                return []
        elif not _strong_named_value(secret):
            return []
        return [_unrecognised(secret, leaf, f"{store.credential} (format not recognised)")]

    @staticmethod
    def _matches(name: str, value: str) -> list[SecretMatch]:
        """Token formats in the value; contextual ones (``aws_secret_access_key = …``)
        are tried with the key name in front when the bare value matches nothing."""
        matches = scan_text(value)
        if matches or not name or "\n" in value:
            return matches
        shift = len(name) + 1
        return [
            dataclasses.replace(m, column=m.column - shift, end_column=m.end_column - shift)
            for m in scan_text(f"{name}={value}")
            if m.column > shift and token_kinds()[m.kind].provider not in _CONTEXT_FREE
        ]

    def outside_values(
        self, store: StoreEntry, text: str, path: str, leaves: list[Leaf], found: list[Sighting]
    ) -> list[Sighting]:
        """Well-formed tokens in a parsed file that no parsed value holds.

        A worm reads the whole file, not just its values: a token in a comment
        (``; //host/:_authToken=npm_…``), a section name (git's
        ``[url "https://user:ghp_…@host/"]``) or a key is as exposed as one in
        a value. Only formats that identify a token by themselves count here
        (not generic ``name = value`` guesses, URLs or headers), and private
        keys are left to the parsed values (JSON escapes their line breaks).
        """
        known = {s.fingerprint for s in found}
        for leaf in leaves:
            if store.ignored(leaf.key_path):
                known.add(fingerprint(leaf.value.strip()))
                known.update(m.fingerprint for m in scan_text(leaf.value))
        extra: list[Sighting] = []
        kinds = token_kinds()
        for m in scan_text(text, path=path):
            if m.fingerprint in known or m.kind in _KEY_KINDS or kinds[m.kind].provider in _CONTEXT_FREE:
                continue
            known.add(m.fingerprint)
            extra.append(_from_match(m, None, "", verbatim=True))
        return extra

    def text(self, text: str, path: str, *, line_offset: int = 0, protected: list[str]) -> list[Sighting]:
        found = []
        for m in scan_text(text, path=path):
            if m.kind in _PROTECTED_KINDS:
                protected.append(m.fingerprint)
                continue
            s = _from_match(m, None, "", verbatim=True)
            if line_offset:
                s = dataclasses.replace(s, line=s.line + line_offset, end_line=s.end_line + line_offset)
            found.append(s)
        return found


# -- the sweep ------------------------------------------------------------------------


class Sweep:
    def __init__(
        self,
        home: Path,
        *,
        include: Iterable[Path] = (),
        env: Mapping[str, str] | None = None,
        fix_permissions: bool = False,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.include = tuple(Path(p) for p in include)
        self.home = Home(Path(home), self.include)
        self.env = env
        self.fix_permissions = fix_permissions
        self.stats = _Stats()
        self.findings: list[Finding] = []
        self.evaluator = _Evaluator(self.catalogue, self.stats)
        self._seen_files: set[Path] = set()

    # -- entry point --------------------------------------------------------------

    def run(self) -> Report:
        if not self.home.root.is_dir():
            self.home.note(self.home.root, "not-a-directory", "home directory does not exist or is not a directory")
        for store in self.catalogue.stores:
            for glob in store.globs():
                for path in self.home.expand(glob):
                    if store.excluded(path.name):
                        continue
                    self._visit(store, path)
        for top in self.include:
            self._walk_include(top)
        if self.env is not None:
            self._environment(self.env)
        report = Report(command=COMMAND, roots=[str(self.home.root)])
        report.findings = self.findings
        report.errors = self.home.errors
        report.stats = dict(sorted(self.stats.counts.items()))
        return report

    # -- files ----------------------------------------------------------------------

    def _visit(self, store: StoreEntry, path: Path) -> None:
        info = self.home.regular_file(path)
        if info is None or info.real in self._seen_files:
            return
        self._seen_files.add(info.real)
        self.stats.add("files_examined")
        protected: list[str] = []
        fmt = store.format_for(path.name)
        sightings, flags = self._inspect(store, info, fmt, protected)
        unique: dict[str, Sighting] = {}
        for s in sightings:
            unique.setdefault(s.fingerprint, s)
        for s in unique.values():
            self._emit(store, info, s)
        for label, line, message in flags:
            self._emit_flag(store, info, label, line, message)
        if protected:
            self.stats.add("protected_keys", len(set(protected)))
        if unique or protected:
            self.stats.add("files_with_credentials")
            self._permissions(store, info, unique.values())

    def _inspect(
        self, store: StoreEntry, info: FileInfo, fmt: str, protected: list[str]
    ) -> tuple[list[Sighting], list[tuple[str, int, str]]]:
        flags: list[tuple[str, int, str]] = []
        if fmt == "sqlite":
            if info.size > MAX_FILE_BYTES:
                self.home.note(info.path, "too-large", f"{info.size} bytes is over the {MAX_FILE_BYTES}-byte limit; not read")
                return [], flags
            try:
                leaves = parse_sqlite(info.real)
            except ParseProblem as problem:
                self.home.note(info.path, problem.kind, problem.message)
                return [], flags
            return [s for leaf in leaves for s in self.evaluator.leaf(store, leaf, protected=protected)], flags
        if fmt == "ssh-key":
            return self._ssh_key(info, protected), flags
        if fmt in ("history", "text", "pem"):
            partial = "tail" if fmt == "history" else "head"  # recent history matters most
            # A history cut short by a crash often holds a run of NUL bytes: still text.
            text = self.home.read_text(info, limit=MAX_TEXT_BYTES, partial=partial, nul_ok=fmt == "history")
            if text is None:
                return [], flags
            offset = self.home.lines_before_tail(info, MAX_TEXT_BYTES) if partial == "tail" else 0
            return self.evaluator.text(text, info.display, line_offset=offset, protected=protected), flags
        if info.size > MAX_FILE_BYTES:
            return self._large_store(info, protected), flags
        text = self.home.read_text(info)
        if text is None:
            return [], flags
        try:
            leaves = TEXT_PARSERS[fmt](text)
        except ParseProblem as problem:
            self.home.note(info.path, problem.kind, problem.message)
            # still look for well-formed tokens in text we could not parse
            return self.evaluator.text(text, info.display, protected=protected), flags
        sightings: list[Sighting] = []
        for leaf, name in _with_flag_names(leaves):
            sightings.extend(self.evaluator.leaf(store, leaf, protected=protected, text=text, name=name))
        sightings.extend(self.evaluator.outside_values(store, text, info.display, leaves, sightings))
        for leaf in leaves:
            for flag in store.flags:
                if _flag_matches(flag.path, flag.value, leaf):
                    flags.append((leaf.key_path, leaf.line, flag.message))
        return sightings, flags

    def _large_store(self, info: FileInfo, protected: list[str]) -> list[Sighting]:
        """A structured store too large to parse: well-formed tokens anywhere in its text.

        Key paths are unknown and values of no known format are missed, so the
        note stays (the scan is incomplete), but the tokens a worm would grep
        for are still reported.
        """
        scanned = min(info.size, MAX_LARGE_SCAN_BYTES)
        whole = "the whole file" if scanned == info.size else f"its first {MAX_LARGE_SCAN_BYTES} bytes"
        self.home.note(
            info.path,
            "too-large",
            f"{info.size} bytes is over the {MAX_FILE_BYTES}-byte parsing limit; {whole} scanned for token formats only",
        )
        found: list[Sighting] = []
        for offset, text in self.home.text_chunks(info):
            found.extend(self.evaluator.text(text, info.display, line_offset=offset, protected=protected))
        return found

    def _ssh_key(self, info: FileInfo, protected: list[str]) -> list[Sighting]:
        if info.size > MAX_FILE_BYTES:
            self.home.note(info.path, "too-large", f"{info.size} bytes is over the {MAX_FILE_BYTES}-byte limit; not read")
            return []
        data = self.home.read_bytes(info)
        if data is None or b"\x00" in data[:8192]:
            return []  # not a text key file (binary files in ~/.ssh are not keys)
        text = data.decode("utf-8", errors="replace")
        key = analyse_private_key(text)
        if key is None:
            return []
        fp = fingerprint(key.block.strip())
        if key.encrypted:
            protected.append(fp)
            return []
        if key.hardware:
            # A FIDO key handle: useless to a worm without the authenticator
            # (the very fix this rule recommends), so not a finding.
            self.stats.add("hardware_keys")
            return []
        start = text.find(key.block[:20])
        line = text.count("\n", 0, max(start, 0)) + 1
        return [
            Sighting(
                kind="ssh-private-key" if key.format in ("openssh", "putty") else "private-key",
                description=f"{key.format} private key without a passphrase",
                key_path="",
                line=line,
                column=1,
                end_line=line + key.block.strip().count("\n"),
                end_column=0,
                redacted=f"{key.format} key…[fp:{fp}]",
                fingerprint=fp,
                entropy=round(shannon_entropy(key.block), 3),
                live="format-valid",
                confidence=Confidence.HIGH,
                publish_capable=True,
            )
        ]

    def _walk_include(self, top: Path) -> None:
        inc = self.catalogue.include
        store = self.catalogue.include_store
        if not top.is_dir():
            self.home.note(top, "not-a-directory", "--include path is not a directory")
            return
        for path in self.home.walk(top, inc.wanted, skip_dirs=inc.skip_dirs, max_depth=inc.max_depth, max_files=inc.max_files):
            self._visit(store, path)

    # -- findings -----------------------------------------------------------------------

    def _emit(self, store: StoreEntry, info: FileInfo, s: Sighting) -> None:
        meta = rules.BY_ID[store.rule_id]
        tier = _tier(store.publish, s.publish_capable)
        label = safe_label(s.key_path) if s.key_path else (f"line {s.line}" if s.line else "file")
        where = f"`{label}`" if s.key_path else label
        exposure = info.exposure
        perm = f"; file is {exposure.value} ({info.mode_text})" if exposure.loose else ""
        message = f"{s.description} in {info.display} at {where}: {s.redacted} ({s.live}){perm}"
        self.stats.add("credentials")
        self.findings.append(
            meta.finding(
                message,
                [Location(info.display, s.line, s.column, s.end_line, s.end_column, label=label)],
                tier=tier,
                confidence=s.confidence,
                key=f"{store.id}:{safe_label(s.key_path)}:{s.fingerprint}",  # no line: survives moves
                properties={
                    "store": store.id,
                    "store_name": store.name,
                    "category": store.category,
                    "credential": s.kind,
                    "description": s.description,
                    "key_path": label,
                    "redacted": s.redacted,
                    "secret_fingerprint": s.fingerprint,
                    "live": s.live,
                    "entropy": s.entropy,
                    "publish_capable": tier is Tier.P1,
                    "mode": info.mode_text,
                    "exposure": exposure.value,
                    "encrypted": False,
                    "fix": store.fix,
                },
            )
        )

    def _emit_flag(self, store: StoreEntry, info: FileInfo, label: str, line: int, message: str) -> None:
        meta = rules.PLAINTEXT_CREDENTIAL_HELPER
        safe = safe_label(label)
        self.findings.append(
            meta.finding(
                f"{message} in {info.display} at `{safe}`",
                [Location(info.display, line, 1 if line else 0, label=safe)],
                key=f"{store.id}:{safe}",
                properties={"store": store.id, "key_path": safe, "fix": store.fix},
            )
        )

    def _permissions(self, store: StoreEntry, info: FileInfo, sightings: Iterable[Sighting]) -> None:
        exposure = info.exposure
        if not exposure.loose or not info.owned_by_user:
            return
        if self.fix_permissions:
            try:
                os.chmod(info.real, stat.S_IRUSR | stat.S_IWUSR)
            except OSError as exc:
                self.home.note(info.path, "chmod", f"could not chmod 600: {exc.strerror or type(exc).__name__}")
            else:
                self.stats.add("permissions_fixed")
                return
        tiers = [_tier(store.publish, s.publish_capable) for s in sightings]
        tier = min(tiers, key=lambda t: t.rank) if tiers else rules.CREDENTIAL_FILE_PERMISSIONS.tier
        meta = rules.CREDENTIAL_FILE_PERMISSIONS
        self.findings.append(
            meta.finding(
                f"{info.display} holds credentials and is {exposure.value} (mode {info.mode_text}); run `chmod 600 {info.display}` or `shipwarden endpoint --fix-permissions`",
                [Location(info.display, 0, 0, label="file mode")],
                tier=tier,
                key=f"{store.id}:permissions",
                properties={"store": store.id, "mode": info.mode_text, "exposure": exposure.value, "fix": f"chmod 600 {info.display}"},
            )
        )

    # -- environment -------------------------------------------------------------------------

    def _environment(self, env: Mapping[str, str]) -> None:
        rules_env = self.catalogue.environment
        for name in sorted(env):
            value = env[name]
            self.stats.add("env_vars_examined")
            if not value or len(value) > 65536:
                continue
            leaf = Leaf(name, value)
            found = [
                _from_match(m, leaf, name, verbatim=False)
                for m in scan_text(value)
                if m.kind not in _PROTECTED_KINDS
            ]
            publish = rules_env.is_publish(name)
            if not found and (publish or rules_env.names.is_secret(name)):
                secret = _AUTH_SCHEME.sub("", value).strip()
                if not self.evaluator.skip_value(secret) and _strong_named_value(secret):
                    found = [_unrecognised(secret, leaf, "credential of unrecognised format")]
            for s in {s.fingerprint: s for s in found}.values():
                self._emit_env(name, s, publish)

    def _emit_env(self, name: str, s: Sighting, publish_name: bool) -> None:
        meta = rules.ENV_VAR_SECRET
        tier = Tier.P1 if (publish_name or s.publish_capable) else Tier.P2
        label = safe_label(name)
        self.stats.add("credentials")
        self.findings.append(
            meta.finding(
                f"{s.description} in environment variable {label}: {s.redacted} ({s.live})",
                [Location(f"env:{label}", 0, 0, label=label)],
                tier=tier,
                confidence=s.confidence,
                key=f"env:{label}:{s.fingerprint}",
                properties={
                    "store": "environment",
                    "category": "environment",
                    "credential": s.kind,
                    "description": s.description,
                    "key_path": label,
                    "redacted": s.redacted,
                    "secret_fingerprint": s.fingerprint,
                    "live": s.live,
                    "entropy": s.entropy,
                    "publish_capable": tier is Tier.P1,
                    "fix": "Inject the credential only into the process that needs it (a secret manager's `run` wrapper), not into the login shell; prefer short-lived tokens.",
                },
            )
        )


def _with_flag_names(leaves: list[Leaf]) -> Iterator[tuple[Leaf, str | None]]:
    """Each leaf with the flag that names it, when it follows ``--flag`` in the same list.

    MCP servers and CLI wrappers take secrets as arguments
    (``"args": ["-y", "@upstash/context7-mcp", "--api-key", "…"]``): the value
    is then judged under the flag's name, as if it were ``api-key = …``.
    """
    prev: Leaf | None = None
    for leaf in leaves:
        name = None
        if prev is not None:
            flag = _FLAG.match(prev.value.strip())
            here, there = _LIST_ITEM.match(leaf.key_path), _LIST_ITEM.match(prev.key_path)
            if flag and here and there and here.group(1) == there.group(1) and int(here.group(2)) == int(there.group(2)) + 1:
                name = flag.group(1)
        yield leaf, name
        prev = leaf


def _flag_matches(path_glob: str, value_regex: str, leaf: Leaf) -> bool:
    return fnmatch.fnmatchcase(leaf.key_path.lower(), path_glob.lower()) and re.search(value_regex, leaf.value) is not None


def sweep(
    home: Path,
    *,
    include: Iterable[Path] = (),
    env: Mapping[str, str] | None = None,
    fix_permissions: bool = False,
) -> Report:
    """Sweep ``home`` (and ``.env`` files under ``include``); ``env=None`` skips the environment."""
    return Sweep(home, include=include, env=env, fix_permissions=fix_permissions).run()


__all__ = ["Exposure", "Sighting", "Sweep", "safe_label", "sweep"]
