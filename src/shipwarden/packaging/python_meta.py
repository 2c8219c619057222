"""Read Python distribution metadata (METADATA / PKG-INFO, entry_points.txt) from bytes."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from email.parser import HeaderParser

_REQ_URL = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@\s*(\S+)")


@dataclass(slots=True)
class PythonMeta:
    name: str = ""
    version: str = ""
    requires: list[str] = field(default_factory=list)

    def dependencies(self) -> dict[str, str]:
        """name -> requirement text (markers dropped)."""
        out: dict[str, str] = {}
        for req in self.requires:
            spec = req.split(";", 1)[0].strip()
            m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
            if m:
                out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = spec
        return out

    def url_requirements(self) -> list[tuple[str, str]]:
        """(name, url) of ``name @ url`` requirements (direct references)."""
        out = []
        for req in self.requires:
            m = _REQ_URL.match(req.split(";", 1)[0])
            if m:
                out.append((m.group(1), m.group(3)))
        return out


def parse_metadata(data: bytes) -> PythonMeta:
    msg = HeaderParser().parsestr(data.decode("utf-8", "replace"))
    return PythonMeta(
        name=str(msg.get("Name", "") or ""),
        version=str(msg.get("Version", "") or ""),
        requires=[str(v) for v in msg.get_all("Requires-Dist") or []],
    )


def parse_entry_points(data: bytes) -> dict[str, str]:
    """console_scripts and gui_scripts: command name -> object reference."""
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(data.decode("utf-8", "replace"))
    except configparser.Error:
        return {}
    out: dict[str, str] = {}
    for section in ("console_scripts", "gui_scripts"):
        if parser.has_section(section):
            for key, value in parser.items(section):
                out[key.strip()] = value.strip()
    return out


def wheel_is_pure(filename: str) -> bool:
    """True for ``…-none-any.whl`` (no compiled code expected)."""
    return filename.lower().endswith("-none-any.whl")
