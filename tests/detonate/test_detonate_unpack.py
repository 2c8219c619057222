"""Unpacking a ``.zip`` sdist (or a wheel) for detonation: bounded like a tarball, whatever the archive says.

No sandbox needed: the archives are written here, in memory, and unpacked into a temporary folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.detonate.package import DetonateError, prepare, unzip


def _zip(path: Path, members: list[tuple[str, bytes, int]]) -> Path:
    """``members``: (name, content, unix mode — S_IFLNK for a link whose content is its target)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def _inside(dest: Path) -> tuple[int, list[str]]:
    """Total bytes of what was written, and anything that is not a plain file or folder inside ``dest``."""
    total, odd = 0, []
    real = os.path.realpath(dest)
    for top, dirs, files in os.walk(dest, followlinks=False):
        for name in dirs + files:
            path = os.path.join(top, name)
            st_ = os.lstat(path)
            if stat.S_ISLNK(st_.st_mode) or not (stat.S_ISREG(st_.st_mode) or stat.S_ISDIR(st_.st_mode)):
                odd.append(path)
            if not os.path.realpath(path).startswith(real + os.sep):
                odd.append(path)
            if stat.S_ISREG(st_.st_mode):
                total += st_.st_size
    return total, odd


_SEGMENT = st.one_of(st.sampled_from(["..", ".", "", "pkg", "setup.py", "a\\..\\..", "C:", "x\x00y", "\x1b"]),
                     st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6))
_NAME = st.builds(lambda lead, parts: lead + "/".join(parts), st.sampled_from(["", "/", "./", "../"]),
                  st.lists(_SEGMENT, min_size=1, max_size=4))
_MEMBER = st.tuples(_NAME, st.binary(max_size=64),
                    st.sampled_from([0o100644, 0o100755, 0o120777, 0o040755, 0o010644, 0]))


@pytest.mark.filterwarnings("ignore:Duplicate name")
@settings(max_examples=150, deadline=None)
@given(st.lists(_MEMBER, max_size=8), st.integers(min_value=16, max_value=400))
def test_any_zip_unpacks_inside_its_folder_within_its_bounds_or_is_refused(
    members: list[tuple[str, bytes, int]], max_bytes: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            archive = _zip(root / "any.zip", members)
        except (ValueError, UnicodeEncodeError):
            return  # not writable as a zip at all
        dest = root / "out"
        dest.mkdir()
        with contextlib.suppress(DetonateError):
            unzip(archive, dest, max_bytes=max_bytes, max_members=6)
        total, odd = _inside(dest)
        assert not odd, odd
        assert total <= max_bytes
        assert not (root / "escaped").exists() and sorted(p.name for p in root.iterdir()) == ["any.zip", "out"]


def test_a_zip_sdist_is_unpacked_and_read_like_a_tarball(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "legacy-thing-0.9.zip", [
        ("legacy-thing-0.9/PKG-INFO", b"Metadata-Version: 1.0\nName: legacy-thing\nVersion: 0.9\n", 0o100644),
        ("legacy-thing-0.9/setup.py", b"from distutils.core import setup\nsetup(name='legacy-thing')\n", 0o100644),
        ("legacy-thing-0.9/configure", b"#!/bin/sh\n", 0o100755),
        ("legacy-thing-0.9/link", b"/etc/passwd", 0o120777),
    ])
    work = tmp_path / "work"
    work.mkdir()
    package = prepare(archive, work)
    assert (package.ecosystem, package.name, package.version) == ("pypi", "legacy-thing", "0.9")
    assert package.manifest["sdist"] and os.access(package.source / "configure", os.X_OK)
    assert not (package.source / "link").exists()  # links are skipped, as in a tarball


@pytest.mark.parametrize(("members", "why"), [
    ([("../evil.py", b"x", 0o100644)], "traversal"),
    ([("/abs.py", b"x", 0o100644)], "absolute"),
    ([("dev", b"", 0o020644)], "device"),
    ([(f"f{i}", b"", 0o100644) for i in range(7)], "members"),
])
def test_unsafe_zips_are_refused(tmp_path: Path, members: list[tuple[str, bytes, int]], why: str) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(DetonateError):
        unzip(_zip(tmp_path / "bad.zip", members), dest, max_members=6)
    assert list(dest.iterdir()) == [], why


def test_a_zip_bomb_is_refused_before_it_inflates(tmp_path: Path) -> None:
    """9 MiB of zeros from ~9 KB: the ratio (about 1000:1) is read from the central directory."""
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("bomb-1.0/setup.py", "w") as fh:
        zero = bytes(1 << 20)
        for _ in range(9):
            fh.write(zero)
    assert archive.stat().st_size < 64 << 10
    with pytest.raises(DetonateError, match="decompression bomb"):
        unzip(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "bomb-1.0" / "setup.py").exists()


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    """Two names sharing one compressed stream: how non-recursive zip bombs multiply their output."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo("a", date_time=(2020, 1, 1, 0, 0, 0)), b"A" * 100)
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    end = data.rfind(b"PK\x05\x06")
    # the second entry is the first renamed: its file name starts at byte 46 of a
    # central directory header (not the first b"a" anywhere, which a timestamp can hold)
    entry = bytearray(data[cd:end])
    assert entry[46:47] == b"a"
    entry[46:47] = b"b"
    central = bytes(data[cd:end]) + bytes(entry)
    eocd = bytearray(data[end:])
    eocd[8:10] = eocd[10:12] = (2).to_bytes(2, "little")
    eocd[12:16] = len(central).to_bytes(4, "little")
    (tmp_path / "overlap.zip").write_bytes(bytes(data[:cd]) + central + bytes(eocd))
    with pytest.raises(DetonateError, match="overlapping"):
        unzip(tmp_path / "overlap.zip", tmp_path / "out")
