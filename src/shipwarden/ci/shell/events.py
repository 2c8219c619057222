"""Structural events across commands: ``curl … | sh``, download-then-run, ``$GITHUB_ENV`` writes."""

from __future__ import annotations

import bisect
from typing import Any

from shipwarden.ci.shell.commands import basename, command_events, parsed_args
from shipwarden.ci.shell.model import EventKind, Span, Word
from shipwarden.ci.shell.state import Analysis, Cmd, Element, Owner
from shipwarden.ci.shell.tables import Tables
from shipwarden.core.structs import struct


@struct
class _Download:
    cmd: Cmd
    url: Word | None
    to_stdout: bool
    file: str | None


def _download(cmd: Cmd, t: Tables) -> _Download | None:
    spec = t.downloaders.get(cmd.canonical or "")
    if spec is None:
        return None
    args = parsed_args(cmd, t)
    url = None
    for name in spec.url_options:
        for _, w in args.options.get(name, ()):
            url = url or w
    if url is None:
        url = next((w for w in args.positionals if w.value is not None and "://" in w.value), None)
    if url is None and args.positionals:
        url = args.positionals[0]
    file_value: str | None = None
    file_given = False
    for name in spec.file_options:
        for value, _ in args.options.get(name, ()):
            file_value, file_given = value, True
    remote_name = any(name in args.options for name in spec.remote_name_options)
    for r in cmd.redirects:
        if r.op in (">", ">|", "&>") and r.target is not None:
            file_value, file_given = r.target.value, True
    if file_given:
        if file_value == "-":
            return _Download(cmd, url, True, None)
        return _Download(cmd, url, False, file_value)
    if remote_name or not spec.default_stdout:
        return _Download(cmd, url, False, _url_basename(url))
    return _Download(cmd, url, True, None)


def _url_basename(url: Word | None) -> str | None:
    """The file name curl -O / wget pick: the URL's last path segment, when it is literal."""
    if url is None:
        return None
    text = url.value if url.value is not None else url.text.strip("'\"")
    base = basename(text.split("?", 1)[0].split("#", 1)[0])
    return base if base and not any(c in base for c in "$`{}") else None


def _norm_path(value: str | None) -> str | None:
    if value is None:
        return None
    while value.startswith("./"):
        value = value[2:]
    return value or None


class Events:
    def __init__(self, an: Analysis) -> None:
        self.an = an
        self.t = an.tables
        self.out: list[tuple[EventKind, Cmd | None, int, int, dict[str, Any]]] = []

    def add(self, kind: EventKind, cmd: Cmd | None, start: int, end: int, **attrs: Any) -> None:
        self.out.append((kind, cmd, start, end, attrs))

    def build(self) -> None:
        downloads: list[_Download] = []
        out, t = self.out, self.t
        for cmd in self.an.commands:
            for kind, attrs in command_events(cmd, t):
                out.append((kind, cmd, cmd.start, cmd.end, attrs))
            if cmd.canonical in t.downloaders:
                d = _download(cmd, t)
                if d is not None:
                    downloads.append(d)
        if self.an.pipelines:
            self.pipes(downloads)
        if downloads:
            self.substitutions(downloads)
            self.download_then_run(downloads)
        if self.an.owners:
            self.env_writes()

    # curl … | sh
    def pipes(self, downloads: list[_Download]) -> None:
        stdout = sorted((d for d in downloads if d.to_stdout), key=lambda d: d.cmd.start)
        starts = [d.cmd.start for d in stdout]
        for elements in self.an.pipelines:
            source: _Download | None = None
            for el in elements:
                head = el.head
                if source is not None and head is not None and self._reads_stdin(head):
                    self.add(EventKind.REMOTE_EXEC, head, source.cmd.start, head.end,
                             tool=f"{source.cmd.canonical}|{head.canonical}", action="pipe", target=source.url)
                    source = None
                k = bisect.bisect_right(starts, el.end) - 1
                if k >= 0 and el.start <= stdout[k].cmd.start and stdout[k].cmd.end <= el.end:
                    source = stdout[k]
            self.tees(elements)

    def _reads_stdin(self, cmd: Cmd) -> bool:
        if cmd.canonical not in self.t.interpreters:
            return False
        args = parsed_args(cmd, self.t)
        if any(name in args.options for name in self.t.code_options):
            return False
        return not args.positionals or args.positionals[0].value in ("-", "/dev/stdin") or "-s" in args.options

    # bash <(curl …), sh -c "$(curl …)", eval "$(curl …)"
    def substitutions(self, downloads: list[_Download]) -> None:
        stdout = sorted((d for d in downloads if d.to_stdout), key=lambda d: d.cmd.start)
        if not stdout:
            return
        starts = [d.cmd.start for d in stdout]
        for cmd in self.an.commands:
            if cmd.canonical not in self.t.interpreters:
                continue
            for k in range(cmd.argv_at + 1, len(cmd.words)):
                info = cmd.infos.get(k)  # a plain word has no substitution
                if info is None or not info.pure_substitution:
                    continue
                s, e = info.substitutions[0]
                k = bisect.bisect_left(starts, s)
                if k < len(stdout) and stdout[k].cmd.end <= e:
                    d = stdout[k]
                    self.add(EventKind.REMOTE_EXEC, cmd, cmd.start, cmd.end, tool=f"{d.cmd.canonical}|{cmd.canonical}",
                             action="substitution", target=d.url)
                    break

    # curl -o x.sh URL; chmod +x x.sh; ./x.sh
    def download_then_run(self, downloads: list[_Download]) -> None:
        files: dict[str, _Download] = {}
        for d in downloads:
            name = _norm_path(d.file)
            if name is not None and name not in files:
                files[name] = d
        if not files:
            return
        for cmd in self.an.commands:
            if not cmd.argv:
                continue
            ran: str | None = None
            if cmd.canonical in self.t.interpreters:
                args = parsed_args(cmd, self.t)
                ran = _norm_path(args.positionals[0].value) if args.positionals else None
            elif cmd.argv[0].is_literal and "/" in (cmd.argv[0].value or ""):
                ran = _norm_path(cmd.argv[0].value)
            fetched = files.get(ran) if ran is not None else None
            if fetched is not None and fetched.cmd.end <= cmd.start:
                flags = {"download-then-run"}
                if any(c.canonical in self.t.verifiers and fetched.cmd.end <= c.start and c.end <= cmd.start
                       for c in self.an.commands):
                    flags.add("verified")
                self.add(EventKind.REMOTE_EXEC, cmd, cmd.start, cmd.end, tool=fetched.cmd.canonical or "download",
                         action="download-then-run", target=fetched.url, flags=frozenset(flags))

    # >> "$GITHUB_ENV"
    def env_writes(self) -> None:
        for owner in self.an.owners:
            for r in owner.redirects:
                if r.op not in (">", ">>", ">|", "&>", "&>>") or r.target is None:
                    continue
                m = self.t.env_target.match(r.target.text)
                if m is None:
                    continue
                written, flags = self._written(owner)
                self.env_event(owner.head, owner.start, max(owner.end, r.end), m.group(2), r.target, written, flags,
                               "append" if ">>" in r.op else "truncate")

    def tees(self, elements: list[Element]) -> None:
        for i, el in enumerate(elements):
            head = el.head
            if head is None or head.canonical not in self.t.tee:
                continue
            args = parsed_args(head, self.t)
            for w in args.positionals:
                m = self.t.env_target.match(w.text)
                if m is None:
                    continue
                written: list[Span] = []
                for prev in elements[:i]:
                    written.extend(prev.heredocs or [Span(prev.start, prev.end)])
                mode = "append" if "-a" in args.options or "--append" in args.options else "truncate"
                self.env_event(head, elements[0].start, el.end, m.group(2), w, written, {"pipe"}, mode)

    def _written(self, owner: Owner) -> tuple[list[Span], set[str]]:
        heredocs = [r.heredoc for r in owner.redirects if r.heredoc is not None]
        if heredocs:
            return heredocs, {"heredoc"}
        if owner.herestrings:
            return [Span(w.start, w.end) for w in owner.herestrings], {"herestring"}
        head = owner.head
        if head is not None and head.start == owner.start and head.end >= owner.end:
            if head.canonical in self.t.echo:
                words = head.argv[1:]
                while words and words[0].value is not None and self.t.echo_options.match(words[0].value):
                    words = words[1:]
                return [Span(w.start, w.end) for w in words], {"echo"}
            if head.canonical in self.t.tee:
                return [], {"tee"}
            return [Span(head.start, head.end)], {"command-output"}
        return [Span(owner.start, owner.end)], {"block-output"}

    def env_event(self, head: Cmd | None, start: int, end: int, file: str, target: Word, written: list[Span],
                  flags: set[str], mode: str) -> None:
        sites: list[int] = []
        for span in written:
            sites.extend(self.an.sites_in(span.start, span.end))
        self.add(EventKind.ENV_FILE_WRITE, head, start, end, tool=head.canonical if head and head.canonical else "shell",
                 action=mode, file=file, target=target, written=tuple(written), flags=frozenset(flags | {mode}),
                 expressions=tuple(sorted(set(sites))))
