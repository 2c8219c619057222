"""The subset of minimatch (v10) that npm's packlist uses, ported to Python.

npm reads ``.npmignore``/``.gitignore`` lines and its own rules with
``{matchBase, dot, flipNegate, nocase}``; this module reproduces that
behaviour: brace expansion, ``!`` negation, ``*``/``?``/``[...]``/``**``,
extglobs, case-insensitive matching, ``matchBase`` for one-segment patterns and
``partial`` matching of directory prefixes. It is not a general glob library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

GLOBSTAR = object()

_STAR = "[^/]*?"
_STAR_NO_EMPTY = "[^/]+?"
_QMARK = "[^/]"
_START_NO_TRAVERSAL = r"(?!(?:^|/)\.\.?(?:$|/))"
_POSIX = {
    "[:alnum:]": r"a-zA-Z0-9\u00c0-\uffff",
    "[:alpha:]": r"a-zA-Z\u00c0-\uffff",
    "[:ascii:]": r"\x00-\x7f",
    "[:blank:]": r" \t",
    "[:cntrl:]": r"\x00-\x1f\x7f",
    "[:digit:]": r"0-9",
    "[:graph:]": r"\x21-\x7e",
    "[:lower:]": r"a-z",
    "[:print:]": r"\x20-\x7e",
    "[:punct:]": r"!-/:-@\[-`{-~",
    "[:space:]": r" \t\r\n\v\f",
    "[:upper:]": r"A-Z",
    "[:word:]": r"\w",
    "[:xdigit:]": r"A-Fa-f0-9",
}


# ---------------------------------------------------------------------------
# brace expansion (bash-like, as the brace-expansion package does it)


def _balanced(s: str) -> tuple[int, int] | None:
    """First ``{`` … matching ``}`` pair (unescaped), or None."""
    depth = 0
    start = -1
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                return start, i
        i += 1
    return None


def _split_commas(body: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    cur = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cur.append(body[i : i + 2])
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


_NUM_SEQ = re.compile(r"^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$")
_ALPHA_SEQ = re.compile(r"^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$")


def _sequence(body: str) -> list[str] | None:
    m = _NUM_SEQ.match(body)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        step = abs(int(m.group(3) or 1)) or 1
        width = max(len(m.group(1)), len(m.group(2))) if re.match(r"^-?0\d", m.group(1) + "") else 0
        rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [str(v).zfill(width) if width else str(v) for v in rng]
    m = _ALPHA_SEQ.match(body)
    if m:
        a, b = ord(m.group(1)), ord(m.group(2))
        step = abs(int(m.group(3) or 1)) or 1
        rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [chr(v) for v in rng]
    return None


def brace_expand(pattern: str, limit: int = 10_000) -> list[str]:
    if not re.search(r"\{(?:(?!\{).)*\}", pattern):
        return [pattern]
    return _expand(pattern, limit)


def _expand(s: str, limit: int) -> list[str]:
    pair = _balanced(s)
    if pair is None:
        return [s]
    start, end = pair
    pre, body, post = s[:start], s[start + 1 : end], s[end + 1 :]
    if pre.endswith("$"):
        return [pre + "{" + body + "}" + p for p in _expand(post, limit)]
    seq = _sequence(body)
    if seq is not None:
        options = seq
    elif "," in _strip_nested(body):
        options = []
        for part in _split_commas(body):
            options.extend(_expand(part, limit))
    else:
        # not an expansion ({} or {a}); keep literally and look further right
        return [pre + "{" + body + "}" + p for p in _expand(post, limit)]
    out: list[str] = []
    for option in options:
        for tail in _expand(post, limit):
            out.append(pre + option + tail)
            if len(out) >= limit:
                return out
    return out


def _strip_nested(body: str) -> str:
    """``body`` with nested brace groups removed (to find top-level commas)."""
    out = []
    depth = 0
    for c in body:
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(c)
    return "".join(out)


# ---------------------------------------------------------------------------
# one path segment -> regular expression


def _parse_class(glob: str, pos: int) -> tuple[str, int]:
    """Translate ``[...]`` at ``pos``; return (regex, consumed) or ("", 0) if not a class."""
    i = pos + 1
    negate = False
    if i < len(glob) and glob[i] in "!^":
        negate = True
        i += 1
    items: list[str] = []
    saw = False
    while i < len(glob):
        c = glob[i]
        if c == "]" and saw:
            body = "".join(items)
            if not body:
                return ("(?!)" if not negate else _QMARK), i + 1 - pos
            return ("[^" if negate else "[") + body + "]", i + 1 - pos
        saw = True
        if c == "[" and glob[i : i + 2] == "[:":
            for name, trans in _POSIX.items():
                if glob.startswith(name, i):
                    items.append(trans)
                    i += len(name)
                    break
            else:
                items.append(r"\[")
                i += 1
            continue
        if c == "\\" and i + 1 < len(glob):
            items.append(re.escape(glob[i + 1]))
            i += 2
            continue
        if i + 2 < len(glob) and glob[i + 1] == "-" and glob[i + 2] != "]":
            lo, hi = c, glob[i + 2]
            if hi == "\\" and i + 3 < len(glob):
                hi = glob[i + 3]
                i += 1
            if lo <= hi:
                items.append(re.escape(lo) + "-" + re.escape(hi))
            i += 3
            continue
        items.append(re.escape(c))
        i += 1
    return "", 0


_EXT = "!?+*@"


def _segment_regex(glob: str) -> str:
    """minimatch's translation of one segment (dot: true), without anchors."""
    src, _ = _translate(glob, 0, top=True)
    if glob and all(ch == "*" for ch in glob):
        return _START_NO_TRAVERSAL + _STAR_NO_EMPTY
    if src.startswith(("[", "\\.[", "\\.\\.[", "(?:")):
        return _START_NO_TRAVERSAL + src
    return src


def _translate(glob: str, i: int, top: bool, stop: str = "") -> tuple[str, int]:
    out: list[str] = []
    in_star = False
    while i < len(glob):
        c = glob[i]
        if stop and c in stop:
            return "".join(out), i
        if c in _EXT and glob[i + 1 : i + 2] == "(" and _closing(glob, i + 1) > 0:
            close = _closing(glob, i + 1)
            alts = []
            j = i + 2
            while True:
                part, j = _translate(glob, j, top=False, stop="|)")
                alts.append(part)
                if j >= close or glob[j] == ")":
                    break
                j += 1
            body = "|".join(alts)
            if c == "@":
                out.append(f"(?:{body})")
            elif c == "?":
                out.append(f"(?:{body})?")
            elif c == "+":
                out.append(f"(?:{body})+")
            elif c == "*":
                out.append(f"(?:{body})*")
            else:
                # !(x)rest: anything that is not x followed by rest (minimatch puts the
                # rest of the pattern inside the negative look-ahead)
                rest, end = _translate(glob, close + 1, top=False, stop=stop)
                out.append(f"(?:(?!(?:{body}){rest}$)[^/]*?){rest}")
                return "".join(out), end
            i = close + 1
            in_star = False
            continue
        if c == "*":
            if not in_star:
                out.append(_STAR)
            in_star = True
            i += 1
            continue
        in_star = False
        if c == "\\":
            if i + 1 < len(glob):
                out.append(re.escape(glob[i + 1]))
                i += 2
            else:
                out.append(r"\\")
                i += 1
            continue
        if c == "[":
            cls, used = _parse_class(glob, i)
            if used:
                out.append(cls)
                i += used
                continue
        if c == "?":
            out.append(_QMARK)
            i += 1
            continue
        out.append(re.escape(c))
        i += 1
    return "".join(out), i


def _closing(glob: str, open_pos: int) -> int:
    depth = 0
    i = open_pos
    while i < len(glob):
        c = glob[i]
        if c == "\\":
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


# ---------------------------------------------------------------------------


def _level_one(parts: list[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        prev = out[-1] if out else None
        if part == "**" and prev == "**":
            continue
        if part == ".." and prev and prev not in ("..", ".", "**"):
            out.pop()
            continue
        out.append(part)
    return out or [""]


@dataclass(slots=True)
class Minimatch:
    """A compiled ignore rule. ``match`` answers "does the pattern cover this path"."""

    pattern: str
    negate: bool = False
    comment: bool = False
    empty: bool = False
    glob_parts: list[list[str]] = field(default_factory=list)
    _set: list[list[object]] = field(default_factory=list)

    @classmethod
    def compile(cls, pattern: str) -> Minimatch:
        mm = cls(pattern)
        if pattern.startswith("#"):
            mm.comment = True
            return mm
        if not pattern:
            mm.empty = True
            return mm
        bangs = len(pattern) - len(pattern.lstrip("!"))
        mm.negate = bangs % 2 == 1
        body = pattern[bangs:]
        seen: list[str] = []
        for expanded in brace_expand(body):
            if expanded not in seen:
                seen.append(expanded)
        mm.glob_parts = [_level_one(re.split(r"/+", g)) for g in seen]
        mm._set = [[_compile_part(p) for p in parts] for parts in mm.glob_parts]
        return mm

    def match(self, path: str, partial: bool = False) -> bool:
        if self.comment:
            return False
        if self.empty:
            return path == ""
        if path == "/" and partial:
            return True
        ff = re.split(r"/+", path)
        filename = ff[-1]
        if not filename:
            for seg in reversed(ff[:-1]):
                if seg:
                    filename = seg
                    break
        for pattern in self._set:
            file = [filename] if len(pattern) == 1 else ff
            if _match_one(file, pattern, partial):
                return True
        return False


def _compile_part(part: str) -> object:
    if part == "**":
        return GLOBSTAR
    if part == "":
        return ""
    return re.compile("^" + _segment_regex(part) + "$", re.IGNORECASE | re.DOTALL)


def _hit(p: object, f: str) -> bool:
    if isinstance(p, str):
        return p == f
    return bool(p.match(f))  # type: ignore[attr-defined]


def _match_one(file: list[str], pattern: list[object], partial: bool) -> bool:
    fi = pi = 0
    fl, pl = len(file), len(pattern)
    while fi < fl and pi < pl:
        p = pattern[pi]
        f = file[fi]
        if p is GLOBSTAR:
            pr = pi + 1
            if pr == pl:
                return all(seg not in (".", "..") for seg in file[fi:])
            fr = fi
            while fr < fl:
                if _match_one(file[fr:], pattern[pr:], partial):
                    return True
                if file[fr] in (".", ".."):
                    break
                fr += 1
            return partial and fr == fl
        if not _hit(p, f):
            return False
        fi += 1
        pi += 1
    if fi == fl and pi == pl:
        return True
    if fi == fl:
        return partial
    return fi == fl - 1 and file[fi] == ""
