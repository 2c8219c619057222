"""The cache of compiled start-up code: a cached pattern or ``__init__`` equals a
compiled one, and a cache that cannot be trusted (damaged, shared, linked, ill-typed)
is ignored."""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shipwarden.core import codecache

PATTERN = r"shipwarden-codecache-(?P<word>[a-z]+)-\d{2,4}|(?i:other)"
INIT = "def __init__(self,a,b=__d1):\n self.a=a\n self.b=b"
EXAMPLE = Path(__file__).parents[2] / "examples" / "vulnerable-release"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(codecache, "_state", codecache._State())
    re.purge()
    return tmp_path / "cache" / "code"


def _restart(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a new process would start: nothing loaded, nothing in ``re``'s cache."""
    monkeypatch.setattr(codecache, "_state", codecache._State())
    re.purge()


def _entry(folder: Path) -> Path:
    (entry,) = folder.iterdir()
    return entry


def test_a_cached_pattern_and_init_equal_compiled_ones(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    codecache.load("demo")
    compiled = re.compile(PATTERN)
    code = codecache.compiled_init(INIT)
    codecache.save()
    entry = _entry(folder)
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
    assert oct(entry.stat().st_mode & 0o777) == oct(0o600)

    _restart(monkeypatch)
    codecache.load("demo")
    cache = codecache._re_cache()
    assert cache is not None and cache[(str, PATTERN, 0)] == compiled  # equal programs
    assert re.compile(PATTERN).match("shipwarden-codecache-abc-123").group("word") == "abc"  # type: ignore[union-attr]
    assert codecache.compiled_init(INIT) == code
    before = entry.stat().st_mtime_ns
    codecache.save()  # nothing new: not written again
    assert entry.stat().st_mtime_ns == before


def test_another_command_or_python_reads_nothing(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    codecache.load("demo")
    re.compile(PATTERN)
    codecache.save()
    _restart(monkeypatch)
    codecache.load("other")
    assert (str, PATTERN, 0) not in (codecache._re_cache() or {})
    _restart(monkeypatch)
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    codecache.load("demo")
    assert (str, PATTERN, 0) not in (codecache._re_cache() or {})


def _stored(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    codecache.load("demo")
    re.compile(PATTERN)
    codecache.compiled_init(INIT)
    codecache.save()
    _restart(monkeypatch)
    return _entry(folder)


def _nothing_loaded() -> bool:
    return (str, PATTERN, 0) not in (codecache._re_cache() or {}) and not codecache._state.inits


def test_a_damaged_file_is_ignored(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _stored(folder, monkeypatch)
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    codecache.load("demo")
    assert _nothing_loaded()
    entry.write_bytes(bytes(data[: len(data) // 2]))
    codecache.load("demo")
    assert _nothing_loaded()


def test_a_file_others_may_write_or_a_link_is_ignored(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _stored(folder, monkeypatch)
    entry.chmod(0o622)
    codecache.load("demo")
    assert _nothing_loaded()
    entry.chmod(0o600)
    moved = entry.with_name("elsewhere")
    entry.rename(moved)
    entry.symlink_to(moved)
    codecache.load("demo")
    assert _nothing_loaded()
    entry.unlink()
    moved.rename(entry)
    folder.chmod(0o777)
    codecache.load("demo")
    assert _nothing_loaded()


def test_ill_typed_entries_are_skipped(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _stored(folder, monkeypatch)
    key = codecache._key("demo")
    bad_program = (0, [1, 2, "x"], 0, {}, ())
    body = marshal.dumps(
        {
            "inits": {INIT: "not code", "other": 3},
            "programs": {(False, PATTERN, 0): bad_program, (False, "x", 0): (1, [999999], 0, {}, ()), "k": 1},
        }
    )
    entry.write_bytes(codecache._header(key, body) + b"\n" + body)
    codecache.load("demo")  # no exception: a program _sre refuses is skipped too
    assert _nothing_loaded()
    assert (str, "x", 0) not in (codecache._re_cache() or {})


def test_an_empty_cache_dir_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPWARDEN_CACHE_DIR", "")
    monkeypatch.setattr(codecache, "_state", codecache._State())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    codecache.load("demo")
    re.compile(PATTERN + "-off")
    codecache.compiled_init(INIT)
    codecache.save()
    assert not any(tmp_path.iterdir())
    assert not codecache._state.inits


def test_a_scan_with_a_cold_and_a_warm_cache_prints_the_same(tmp_path: Path) -> None:
    env = {**os.environ, "SHIPWARDEN_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-m", "shipwarden", "scan", str(EXAMPLE), "--format", "json", "--fail-on", "none", "-q"]
    cold = subprocess.run(argv, env=env, capture_output=True, check=True)
    (entry,) = (tmp_path / "cache" / "code").iterdir()
    stored = entry.stat().st_mtime_ns
    warm = subprocess.run(argv, env=env, capture_output=True, check=True)
    assert warm.stdout == cold.stdout and warm.stderr == cold.stderr
    assert entry.stat().st_mtime_ns == stored  # the warm run compiled nothing new
