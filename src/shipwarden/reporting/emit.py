"""The one exit: every byte of text shipwarden writes goes through this module.

Scanned input is hostile and may hold secrets. Before anything reaches a
terminal, a CI log, a report file, a baseline, an allowlist or a cache, it
passes through two filters here:

* **redaction** (:func:`shipwarden.secrets.redactor.redact_text`): every
  secret-shaped substring becomes ``prefix…[fp:0123456789ab]``;
* **control-character neutralisation** (:func:`neutralise`): C0 and C1
  controls (ESC sequences, OSC 8 hyperlinks, window titles, BEL, CR), DEL,
  bidirectional overrides and line separators become visible escapes
  (``\\x1b``, ``\\u202e``) in text meant for a terminal or a CI log; JSON and
  SARIF keep them as JSON escapes.

**Where a new output goes.** A command, reporter or cache never calls
``print``, ``sys.stdout.write``, ``Path.write_text`` or ``open(…, "w")``
itself (``tests/test_output_exit.py`` fails on any such call outside this
module). It uses:

* :func:`out` for the report on stdout (``fmt`` says how to filter it);
* :func:`note` for one-line messages, warnings and errors on stderr;
* :func:`write_file` / :func:`write_bytes_file` for every file it writes;
* :func:`render_report` (or :func:`shipwarden.reporting.render`, which calls
  :func:`clean_report`) to turn a report into text;
* :func:`clean` for a string it embeds in its own structured output before
  serialising (a new format), and :func:`safe_stream` to hand a library
  (a progress bar) a stream that filters what it writes.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, TextIO

from shipwarden.core.findings import (
    Coverage,
    Finding,
    Hop,
    Location,
    Report,
    ScanError,
    adopt_fingerprints,
    known_fingerprints,
)
from shipwarden.core.structs import struct
from shipwarden.secrets.redactor import redact_text

#: Formats whose text is JSON (kept valid: strings are redacted after parsing).
JSON_FORMATS = frozenset({"json", "sarif", "cyclonedx", "spdx"})

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
#: Every character neutralised in terminal text (newline and tab are kept).
_CONTROL_CHARS = (
    [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n\t"] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
) + list(_BIDI)
_CONTROL = re.compile("[" + re.escape("".join(_CONTROL_CHARS)) + "]")
#: Characters JSON text may carry raw but that a terminal would act on.
_JSON_RAW = re.compile("[" + re.escape("".join(c for c in _CONTROL_CHARS if ord(c) >= 0x7F)) + "]")
#: The only escape sequences shipwarden itself writes (the text report's SGR colours).
_SGR = re.compile(r"\x1b\[[0-9;]*m")
#: What a progress bar writes: colours, cursor moves, line erases (no OSC, no titles).
_CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _visible(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``)."""
    if text.isascii() and text.isprintable():  # no control character (most texts)
        return text
    return _CONTROL.sub(lambda m: _visible(m.group()), text)


def clean(text: str, *, terminal: bool = True) -> str:
    """A string from scanned input, fit for output: redacted, and neutralised when
    it is for a terminal or a CI log (not for JSON, which escapes it)."""
    text = redact_text(text)
    return neutralise(text) if terminal else text


def _walk_value(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_walk_value(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk_value(v, fn) for v in value)
    if isinstance(value, dict):
        return {(fn(k) if isinstance(k, str) else k): _walk_value(v, fn) for k, v in value.items()}
    return value


def _walk_location(loc: Location, fn: Callable[[str], str]) -> Location:
    return dataclasses.replace(loc, path=fn(loc.path), label=fn(loc.label), snippet=fn(loc.snippet))


def _walked_strings(finding: Finding) -> list[str]:
    """The strings :func:`_walk_finding` visits (properties: keys and values)."""
    out = [finding.rule_id, finding.message, finding.key, *finding.paths]
    for loc in finding.locations:
        out += (loc.path, loc.label, loc.snippet)
    for hop in finding.hops:
        loc = hop.location
        out += (loc.path, loc.label, loc.snippet, hop.description)
    if finding.properties:
        _value_strings(finding.properties, out)
    return out


def _value_strings(value: Any, out: list[str]) -> None:
    """Append the strings :func:`_walk_value` visits in ``value`` to ``out``, without
    building the copy it builds (a subclass of ``str``, ``list`` … is visited as it is)."""
    todo: list[Any] = [value]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    out.append(key)
                if isinstance(item, str):
                    out.append(item)
                elif isinstance(item, (dict, list, tuple)):
                    todo.append(item)
        elif isinstance(value, str):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, str):
                    out.append(item)
                elif isinstance(item, (dict, list, tuple)):
                    todo.append(item)


def _walk_finding(finding: Finding, fn: Callable[[str], str]) -> Finding:
    """``finding`` with ``fn`` applied to its strings: the finding itself when ``fn``
    changes none of them (most findings; a copy would render the same)."""
    if fn is _redacted:  # most strings are in the memo (a worker redacted them)
        memo = _REDACTED
        for text in _walked_strings(finding):
            done = memo.get(text)
            if done is not text and (done if done is not None else _redacted(text)) != text:
                break
        else:
            return finding
    else:
        for text in _walked_strings(finding):
            if fn(text) != text:
                break
        else:
            return finding
    return dataclasses.replace(
        finding,
        rule_id=fn(finding.rule_id),
        message=fn(finding.message),
        locations=[_walk_location(loc, fn) for loc in finding.locations],
        key=fn(finding.key),
        hops=[Hop(_walk_location(h.location, fn), fn(h.description), h.row) for h in finding.hops],
        paths=[fn(p) for p in finding.paths],
        properties=_walk_value(finding.properties, fn),
        fingerprint_pin=finding.fingerprint,
    )


def _walk_report(report: Report, fn: Callable[[str], str]) -> Report:
    return dataclasses.replace(
        report,
        command=fn(report.command),
        roots=[fn(r) for r in report.roots],
        findings=[_walk_finding(f, fn) for f in report.findings],
        errors=[ScanError(fn(e.path), fn(e.message), fn(e.kind), e.line) for e in report.errors],
        stats={fn(k): v for k, v in report.stats.items()},
    )


#: :func:`redact_text` of every distinct string this process has filtered for
#: output: the fields of a report are redacted by :func:`clean_report`, and the
#: same strings again in the JSON they are rendered to (keys, rule ids and paths
#: repeat thousands of times in a large report). ``redact_text`` is a pure
#: function, so a remembered result is the result. Bounded.
_REDACTED: dict[str, str] = {}
_REDACTED_MAX = 200_000


def _redacted(text: str) -> str:
    done = _REDACTED.get(text)
    if done is None:
        if len(_REDACTED) >= _REDACTED_MAX:
            _REDACTED.clear()
        done = _REDACTED[text] = redact_text(text)
    return done


@struct(frozen=True)
class Redactions:
    """:func:`redact_text` of the strings of some findings, done by :func:`redactions`
    in a scan worker (a forked process running this same code) while the other
    workers scan: the parent adopts them (:func:`adopt`) and its one exit then finds
    those strings done instead of redacting them one after another."""

    #: the strings redact_text returns as they are (nearly all: sent once each, not as pairs)
    unchanged: tuple[str, ...]
    #: the others, with what redact_text makes of them
    changed: dict[str, str]
    #: the findings' fingerprints (:func:`~shipwarden.core.findings.known_fingerprints`)
    fingerprints: dict[tuple[str, str, str], str] = dataclasses.field(default_factory=dict)

    @property
    def done(self) -> dict[str, str]:
        """Every string with its :func:`redact_text`."""
        return {**dict(zip(self.unchanged, self.unchanged, strict=True)), **self.changed}


def redactions(
    findings: Collection[Finding],
    errors: Iterable[ScanError] = (),
    coverage: Iterable[Coverage] = (),
    texts: Iterable[str] = (),
) -> Redactions:
    """Redact every string of ``findings`` (their fingerprints and flows too), ``errors``,
    ``coverage`` and ``texts`` (a report's roots) that :func:`clean_report` or
    :func:`finalize` will visit; and note the findings' fingerprints."""
    strings: list[str] = []
    for finding in findings:
        strings += _finding_strings(finding)
    for error in errors:
        strings += (error.path, error.message, error.kind)
    for item in coverage:
        strings += (item.path, item.subject, item.unit, item.reason, item.resolve)
    strings += texts
    unchanged: list[str] = []
    changed: dict[str, str] = {}
    memo = _REDACTED
    for text in dict.fromkeys(strings):  # each distinct string once
        done = memo.get(text)
        if done is None:
            done = _redacted(text)
        if done == text:
            unchanged.append(text)
        else:
            changed[text] = done
    return Redactions(tuple(unchanged), changed, known_fingerprints(findings))


def _finding_strings(finding: Finding) -> list[str]:
    """The strings :func:`_walk_finding` visits, and those only the rendered JSON holds
    (the fingerprint, the flows' hops), without building the copy it builds."""
    out = _walked_strings(finding)
    out.append(finding.fingerprint)
    for hop in (hop for flow in finding.flows for hop in flow):
        out += (hop.location.path, hop.location.label, hop.location.snippet, hop.description)
    return out


def adopt(results: Redactions) -> None:
    """Remember what a worker's :func:`redactions` found (bounded like the memo itself)."""
    adopt_fingerprints(results.fingerprints)
    room = _REDACTED_MAX - len(_REDACTED)
    if len(results.unchanged) + len(results.changed) <= room:  # redact_text is pure: ours would be the same
        _REDACTED.update(zip(results.unchanged, results.unchanged, strict=True))
        _REDACTED.update(results.changed)
        return
    for text, clean_text in results.done.items():
        if room <= 0:
            break
        if text not in _REDACTED:
            _REDACTED[text] = clean_text
            room -= 1


def _batched(walk: Callable[[Any, Callable[[str], str]], Any], item: Any, terminal: bool) -> Any:
    """Apply :func:`clean` to every string ``walk`` visits, each distinct string redacted once."""
    if terminal:
        return walk(item, lambda text: neutralise(_redacted(text)))
    return walk(item, _redacted)


def clean_finding(finding: Finding, *, terminal: bool = True) -> Finding:
    """The finding with every text field filtered; its fingerprint is kept."""
    result: Finding = _batched(_walk_finding, finding, terminal)
    return result


def clean_report(report: Report, *, terminal: bool = True) -> Report:
    """A copy of ``report`` with every text field filtered (see :func:`clean`).

    Findings keep their fingerprints (baselines match the unfiltered report).
    """
    result: Report = _batched(_walk_report, report, terminal)
    return result


def _json_strings(data: Any) -> Any:
    if isinstance(data, str):
        return _redacted(data)
    if isinstance(data, list | tuple):
        return [_json_strings(v) for v in data]
    if isinstance(data, dict):
        return {_json_strings(k): _json_strings(v) for k, v in data.items()}
    return data


def _plain_strings(data: Any) -> set[str] | None:
    """The distinct strings of ``data`` (dict keys too), or ``None`` when ``data`` holds
    anything but plain JSON values (``str``, ``int``, ``float``, ``bool``, ``None``,
    lists, tuples, dicts with ``str`` keys; no subclass): the strings of its JSON text.
    (Keys are tested once each distinct key: one equal to a ``str`` already seen has
    its characters.)"""
    strings: set[Any] = set()
    add = strings.add
    todo = [data]
    while todo:
        value = todo.pop()
        kind = type(value)
        items: Iterable[Any]
        if kind is dict:
            strings.update(value)  # keys (their type is tested at the end)
            items = value.values()
        elif kind is list or kind is tuple:
            items = value
        elif kind is str:
            add(value)
            continue
        elif value is None or kind is int or kind is float or kind is bool:
            continue
        else:
            return None
        for item in items:  # the leaves here, the containers later
            kind = type(item)
            if kind is str:
                add(item)
            elif not (kind is int or item is None or kind is bool or kind is float):
                todo.append(item)
    for text in strings:
        if type(text) is not str:
            return None
    return strings


def _any_redacted(strings: Iterable[str]) -> bool:
    """Does :func:`redact_text` change one of ``strings``? (Most were redacted already, by
    :func:`clean_report` or a worker: the memo answers.)"""
    memo = _REDACTED
    for text in strings:
        done = memo.get(text)
        if (done if done is not None else _redacted(text)) != text:
            return True
    return False


def _dump_utf8(data: Any) -> bytes:
    import orjson  # start-up: only JSON formats pay for its import (uuid, platform)

    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _dump(data: Any) -> str:
    return _dump_utf8(data).decode("utf-8")


#: The last JSON text the exit finalized as orjson wrote it, with those UTF-8 bytes:
#: :func:`out` and :func:`write_file` write them instead of encoding the text again
#: (a large report's text is not ASCII when one string is not, and encoding two
#: megabytes of it cost as much as dumping them).
_ENCODED: list[tuple[str, bytes]] = []


def _utf8_of(text: str) -> bytes | None:
    """The UTF-8 bytes of ``text`` when it is the very string :data:`_ENCODED` holds."""
    return _ENCODED[0][1] if _ENCODED and _ENCODED[0][0] is text else None


def _json_text(data: Any, distinct: set[str], text: str | None) -> str:
    """The filtered JSON of ``data``, whose distinct strings are ``distinct`` and whose
    text is ``text`` (``None``: not written yet). Redacted as a whole when a string
    changes, else kept; raw C1 and bidirectional characters (in JSON only a string can
    hold one) written as escapes."""
    if _any_redacted(distinct):
        return _escape_raw(_dump(_json_strings(data)))
    if text is None:
        return _unchanged_json(data, distinct)
    return _escape_raw(text) if _holds_raw(distinct) else text


def _unchanged_json(data: Any, distinct: set[str]) -> str:
    """The JSON text of ``data``, none of whose strings ``distinct`` the redactor changes:
    its raw characters escaped, or else remembered with its UTF-8 bytes (:data:`_ENCODED`)."""
    raw = _dump_utf8(data)
    text = raw.decode("utf-8")
    if _holds_raw(distinct):
        return _escape_raw(text)
    _ENCODED[:] = [(text, raw)]
    return text


def _holds_raw(strings: Collection[str]) -> bool:
    """Does one of ``strings`` hold a character :data:`_JSON_RAW` escapes (DEL or beyond ASCII)?
    (Searched in the strings that hold DEL or a non-ASCII character only: a report's few.)"""
    joined = "".join(strings)
    if joined.isascii() and "\x7f" not in joined:
        return False
    rest = "".join(text for text in strings if not text.isascii() or "\x7f" in text)
    return _JSON_RAW.search(rest) is not None


def _escape_raw(text: str) -> str:
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def finalize_unredacted(data: Any, fmt: str, *, color: bool = False) -> str | None:
    """:func:`finalize_data` of ``data`` when the redactor changes none of its strings
    (``data``'s JSON text, its raw characters escaped); ``None`` when it would change one,
    or ``data`` is not plain JSON values."""
    strings = _plain_strings(data)
    if strings is None or fmt not in JSON_FORMATS or _any_redacted(strings):
        return None
    return _remember(_unchanged_json(data, strings), fmt, color)


def finalize_data(data: Any, fmt: str, *, color: bool = False) -> str:
    """:func:`finalize` of the JSON text of ``data`` (for a JSON format; as
    :func:`shipwarden.reporting.dump_json` writes it), without parsing that text
    again: its strings are those of ``data``, filtered the same way. Data that is
    not plain JSON values goes through :func:`finalize` as text."""
    strings = _plain_strings(data)
    if strings is None or fmt not in JSON_FORMATS:
        return finalize(_dump(data), fmt, color=color)
    return _remember(_json_text(data, strings, None), fmt, color)


def finalize(text: str, fmt: str = "text", *, color: bool = False) -> str:
    """The last filter before ``text`` leaves: redaction and control characters.

    JSON formats are parsed and their strings redacted (so the document stays
    valid), then raw C1 and bidirectional characters are written as JSON
    escapes. Every other format is redacted as text and neutralised; with
    ``color`` the SGR colour sequences the text report wrote are kept.

    A string this function itself returned (the very object: a report that
    :func:`shipwarden.reporting.render` finalized, now written by :func:`out`
    or :func:`write_file`) has been through the filter and is returned as it is.
    """
    for done, done_fmt, done_color in _FINAL:
        if text is done and fmt == done_fmt and color == done_color:
            return text
    return _remember(_finalize(text, fmt, color), fmt, color)


def _remember(result: str, fmt: str, color: bool) -> str:
    if result:
        _FINAL[:] = [(result, fmt, color), *_FINAL[:3]]
    return result


#: The last strings :func:`finalize` returned, with their format and colour.
_FINAL: list[tuple[str, str, bool]] = []


def _finalize(text: str, fmt: str, color: bool) -> str:
    if fmt in JSON_FORMATS:
        import orjson  # start-up: only JSON formats pay for its import (uuid, platform)

        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return neutralise(redact_text(text))
        strings = _plain_strings(data)
        assert strings is not None  # parsed JSON is plain
        return _json_text(data, strings, text)
    key = (text, color)
    done = _TEXT_DONE.get(key)
    if done is None:
        if len(_TEXT_DONE) >= 8:
            _TEXT_DONE.clear()
        clean_text = redact_text(text)
        done = _TEXT_DONE[key] = _keeping(clean_text, _SGR) if color else neutralise(clean_text)
    return done


#: The last texts finalized (a rendered report is finalized again when written).
_TEXT_DONE: dict[tuple[str, bool], str] = {}


def _keeping(text: str, sequences: re.Pattern[str]) -> str:
    """Neutralise ``text`` except the escape sequences ``sequences`` matches."""
    pieces = sequences.split(text)
    codes = sequences.findall(text)
    out = [neutralise(pieces[0])]
    for code, piece in zip(codes, pieces[1:], strict=True):
        out += [code, neutralise(piece)]
    return "".join(out)


def out(text: str, fmt: str = "text", *, color: bool = False, stream: TextIO | None = None) -> None:
    """Write a rendered report to stdout (or ``stream``)."""
    target = stream if stream is not None else sys.stdout
    final = finalize(text, fmt, color=color)
    raw = _utf8_of(final)
    console = sys.__stdout__
    if raw is not None and console is not None and target is console and _utf8_as_is(console.encoding):
        console.flush()
        console.buffer.write(raw)  # the bytes of this very text (see _ENCODED)
    else:
        target.write(final)
    target.flush()


def _utf8_as_is(encoding: str | None) -> bool:
    """Does a text stream of ``encoding`` (newline translation left to the platform)
    write a text as its UTF-8 bytes?"""
    return os.linesep == "\n" and encoding is not None and codecs.lookup(encoding).name == "utf-8"


def note(message: str, *, stream: TextIO | None = None, end: str = "\n") -> None:
    """Write a message, warning or error to stderr (or ``stream``)."""
    target = stream if stream is not None else sys.stderr
    target.write(finalize(message, "text") + end)
    target.flush()


def write_file(path: Path, text: str, fmt: str = "text", *, mkdir: bool = False) -> None:
    """Write ``text`` (a report, baseline, allowlist, cache index) to ``path``. Raises OSError."""
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    data = finalize(text, fmt)
    raw = _utf8_of(data)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if raw is not None and _utf8_as_is("utf-8"):
            tmp.write_bytes(raw)  # the bytes of this very text (see _ENCODED)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes_file(path: Path, data: bytes) -> None:
    """Write third-party bytes (a downloaded tarball in the cache) as they are.

    Only for content shipwarden did not produce and never prints: it is stored,
    not shown. Everything shipwarden says goes through :func:`write_file`.
    """
    path.write_bytes(data)


class _SafeStream:
    """A text stream that filters each write (for libraries that write on their own)."""

    def __init__(self, target: TextIO, allow_color: bool) -> None:
        self._target = target
        self._color = allow_color

    def write(self, text: str) -> int:
        clean_text = redact_text(text)
        self._target.write(_keeping(clean_text, _CSI) if self._color else neutralise(clean_text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._target, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._target.fileno()


def safe_stream(target: TextIO | None = None, *, allow_color: bool = True) -> TextIO:
    """A stream (default stderr) whose writes are filtered; give it to rich and the like.

    With ``allow_color`` the CSI sequences a progress bar writes (colours,
    cursor moves, erases) are kept; OSC sequences (titles, hyperlinks) never
    are. Clean text from input with :func:`clean` before handing it to the
    library, since a CSI sequence in it would be kept too.
    """
    stream: Any = _SafeStream(target if target is not None else sys.stderr, allow_color)
    return stream  # type: ignore[no-any-return]


#: Signature of a writer a command may take for tests (defaults to :func:`note`).
Writer = Callable[[str], None]
