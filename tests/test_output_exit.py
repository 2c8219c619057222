"""Every write of shipwarden goes through ``shipwarden.reporting.emit`` (the one exit).

This test reads the source of every module and fails on a direct write: a
``print`` call, ``sys.stdout``/``sys.stderr`` handed to anything or written to,
``write_text``/``write_bytes``, ``open``/``os.fdopen`` for writing, or a rich
``Console`` outside the reporters. A new command, format or cache that writes
on its own fails here; use ``emit.out``, ``emit.note``, ``emit.write_file``
or ``emit.safe_stream`` instead (they redact secrets and neutralise control
characters).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "shipwarden"

#: Modules allowed to write directly, and why. Keep this short.
ALLOWED = {
    "reporting/emit.py": "the exit itself",
    "sandbox/copy.py": "copies the project's own files into the sandbox's scratch tree (input, not output)",
    "sandbox/bwrap.py": "writes the sandbox's own files (input to the build, not output)",
    "fix/__init__.py": "edits the user's workflow files in place (their content, not a report)",
    "core/progress.py": "its rich Console writes to the stream progress_for wraps in emit.safe_stream",
}

_WRITE_METHODS = {"write_text", "write_bytes", "print_help", "print_usage"}


def _is_std_stream(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in ("stdout", "stderr", "__stdout__", "__stderr__")
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def _write_mode(call: ast.Call) -> bool:
    mode: ast.AST | None = call.args[1] if len(call.args) > 1 else None
    for kw in call.keywords:
        if kw.arg == "mode":
            mode = kw.value
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax+")


#: A line that ends with this comment (and a reason) writes something that is not
#: output: a lock file, a scratch copy. Use it rarely; a reviewer reads each.
PRAGMA = "# not-output:"


def violations(tree: ast.AST, source: str = "") -> list[tuple[int, str]]:
    lines = source.splitlines()
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "print":
            found.append((node.lineno, "print()"))
        elif isinstance(func, ast.Name) and func.id == "open" and _write_mode(node):
            found.append((node.lineno, "open() for writing"))
        elif isinstance(func, ast.Name) and func.id == "Console":
            found.append((node.lineno, "rich Console"))
        elif isinstance(func, ast.Attribute):
            if func.attr in _WRITE_METHODS:
                found.append((node.lineno, f".{func.attr}()"))
            elif func.attr in ("write", "writelines") and _is_std_stream(func.value):
                found.append((node.lineno, "sys.std*.write()"))
            elif func.attr in ("open", "fdopen") and _write_mode(node):
                found.append((node.lineno, f".{func.attr}() for writing"))
        args = list(node.args) + [kw.value for kw in node.keywords]
        if any(_is_std_stream(a) for a in args):
            found.append((node.lineno, "sys.stdout/sys.stderr passed on"))
    return [(n, what) for n, what in found if not (0 < n <= len(lines) and PRAGMA in lines[n - 1])]


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_every_write_goes_through_emit(path: Path) -> None:
    rel = path.relative_to(SRC).as_posix()
    if rel in ALLOWED:
        return
    source = path.read_text(encoding="utf-8")
    bad = violations(ast.parse(source), source)
    assert not bad, (
        f"{rel} writes output directly ({', '.join(f'line {n}: {what}' for n, what in bad)}); "
        "use shipwarden.reporting.emit (out, note, write_file, safe_stream) so secrets are redacted "
        "and control characters neutralised"
    )


def test_the_guard_sees_each_kind_of_write() -> None:
    source = """
import sys, os
print("x")
sys.stderr.write("x")
p.write_text("x")
open(f, "w")
os.fdopen(fd, "w")
parser.print_help(sys.stderr)
Console(file=sys.stderr)
"""
    kinds = {what for _, what in violations(ast.parse(source))}
    assert kinds >= {
        "print()",
        "sys.std*.write()",
        ".write_text()",
        "open() for writing",
        ".fdopen() for writing",
        ".print_help()",
        "rich Console",
        "sys.stdout/sys.stderr passed on",
    }
