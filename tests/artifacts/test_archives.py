"""shipwarden.artifacts: member-by-member reading, limits, and hostile archives (nothing extracted)."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from shipwarden.artifacts import (
    ArchiveLimitError,
    Limits,
    MemberKind,
    NotAnArchiveError,
    StaleMemberError,
    UnsafeMemberError,
    archive_format,
    open_archive,
)


def make_tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for item in members:
            if isinstance(item, tarfile.TarInfo):
                tar.addfile(item)
            else:
                name, data = item
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def names(path: Path, limits: Limits | None = None) -> list[str]:
    with open_archive(path, limits) as archive:
        return [m.name for m in archive]


def snapshot(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*")}


@pytest.mark.parametrize("mode,fmt", [("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"), ("w:xz", "tar.xz"), ("w", "tar")])
def test_reads_every_tar_flavour(tmp_path: Path, mode: str, fmt: str) -> None:
    path = make_tar(tmp_path / "a.tar", [("package/package.json", b"{}"), ("package/lib/x.js", b"x" * 10)], mode)
    assert archive_format(path) == fmt
    with open_archive(path) as archive:
        got = [(m.name, m.size, m.kind, m.read()) for m in archive]
        assert archive.stats.files == 2 and archive.stats.total_size == 12
    assert got == [
        ("package/package.json", 2, MemberKind.FILE, b"{}"),
        ("package/lib/x.js", 10, MemberKind.FILE, b"x" * 10),
    ]


def test_read_is_bounded_and_chunks_stream(tmp_path: Path) -> None:
    path = make_tar(tmp_path / "a.tgz", [("p/big", b"ab" * 100_000), ("p/small", b"xyz")])
    with open_archive(path) as archive:
        for member in archive:
            if member.name == "p/big":
                assert b"".join(member.iter_chunks(4096)) == b"ab" * 100_000
                with pytest.raises(StaleMemberError, match="only once"):
                    member.read()
            else:
                assert member.read(2) == b"xy"


def test_streamed_member_is_stale_after_moving_on(tmp_path: Path) -> None:
    path = make_tar(tmp_path / "a.tgz", [("p/a", b"1"), ("p/b", b"2")])
    with open_archive(path) as archive:
        members = list(archive)
    with pytest.raises(StaleMemberError):
        members[0].read()


def test_zip_and_wheel(tmp_path: Path) -> None:
    path = tmp_path / "x-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x/__init__.py", "print(1)\n")
        zf.writestr("x-1.0.dist-info/METADATA", "Name: x\n")
        zf.writestr("x/sub/", "")
    assert archive_format(path) == "zip"
    with open_archive(path) as archive:
        got = {m.name: (m.kind, m.read() if m.is_file else b"") for m in archive}
    assert got["x/__init__.py"] == (MemberKind.FILE, b"print(1)\n")
    assert got["x/sub"][0] is MemberKind.DIR


@pytest.mark.parametrize(
    "name",
    ["package/../../etc/passwd", "/etc/passwd", "package/..\\..\\evil", "C:\\Windows\\evil", "a/\x1bb"],
)
def test_traversal_and_absolute_names_are_refused(tmp_path: Path, name: str) -> None:
    path = make_tar(tmp_path / "evil.tgz", [("package/ok.js", b"1"), (name, b"x")])
    before = snapshot(tmp_path)
    with pytest.raises(UnsafeMemberError) as err:
        names(path)
    assert "evil.tgz" in str(err.value)
    assert snapshot(tmp_path) == before  # nothing was written anywhere


def test_zip_traversal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../evil.py", "x")
    with pytest.raises(UnsafeMemberError, match="traversal"):
        open_archive(path)


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_links_and_devices_are_refused(tmp_path: Path, kind: bytes) -> None:
    info = tarfile.TarInfo("package/special")
    info.type = kind
    info.linkname = "/etc/shadow"
    path = make_tar(tmp_path / "s.tgz", [info])
    with pytest.raises(UnsafeMemberError):
        names(path)


def test_links_allowed_only_inside_the_archive(tmp_path: Path) -> None:
    inside = tarfile.TarInfo("package/link")
    inside.type = tarfile.SYMTYPE
    inside.linkname = "index.js"
    path = make_tar(tmp_path / "s.tgz", [inside])
    assert names(path, Limits(allow_links=True)) == ["package/link"]
    outside = tarfile.TarInfo("package/link")
    outside.type = tarfile.SYMTYPE
    outside.linkname = "../../etc/passwd"
    path = make_tar(tmp_path / "t.tgz", [outside])
    with pytest.raises(UnsafeMemberError, match="escapes"):
        names(path, Limits(allow_links=True))


def test_member_count_limit(tmp_path: Path) -> None:
    path = make_tar(tmp_path / "many.tgz", [(f"p/{i}", b"") for i in range(20)])
    with pytest.raises(ArchiveLimitError, match="more than 10 members"):
        names(path, Limits(max_members=10))


def test_member_and_total_size_limits(tmp_path: Path) -> None:
    path = make_tar(tmp_path / "big.tgz", [("p/a", b"a" * 600), ("p/b", b"b" * 600)])
    with pytest.raises(ArchiveLimitError, match="exceeds"):
        names(path, Limits(max_member_size=500))
    with pytest.raises(ArchiveLimitError, match="add up"):
        names(path, Limits(max_total_size=1000))


class _Zeros(io.RawIOBase):
    def __init__(self, n: int) -> None:
        self.n = n

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        k = min(len(b), self.n)
        b[:k] = bytes(k)
        self.n -= k
        return k


def test_gzip_bomb_stops_early_by_ratio(tmp_path: Path) -> None:
    size = 64 * 1024 * 1024
    path = tmp_path / "bomb.tgz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("package/zeros")
        info.size = size
        tar.addfile(info, io.BufferedReader(_Zeros(size)))
    with pytest.raises(ArchiveLimitError, match="decompression bomb"), open_archive(path) as archive:
        for member in archive:
            for _ in member.iter_chunks():
                pass
    # with a generous ratio, the declared-size limit still applies before any byte is inflated
    with pytest.raises(ArchiveLimitError, match="exceeds"):
        names(path, Limits(max_ratio=1e9, max_member_size=1024 * 1024))


def test_oversized_pax_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pax.tar"
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("p/x")
        info.pax_headers = {"comment": "c" * 3_000_000}
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(ArchiveLimitError, match="pax header claims"):
        names(path, Limits(max_member_size=1000))


def test_zip_ratio_and_overlap(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros", bytes(20 * 1024 * 1024))
    with pytest.raises(ArchiveLimitError, match="ratio"):
        open_archive(path)
    # overlapping entries: two central-directory records sharing one local file
    data = bytearray(path.read_bytes())
    single = tmp_path / "one.zip"
    with zipfile.ZipFile(single, "w") as zf:
        zf.writestr("a", b"hello")
        zf.writestr("b", b"world")
    raw = bytearray(single.read_bytes())
    cd = raw.find(b"PK\x01\x02", raw.find(b"PK\x01\x02") + 4)  # second central record
    raw[cd + 42 : cd + 46] = (0).to_bytes(4, "little")  # point it at the first local header
    overlap = tmp_path / "overlap.zip"
    overlap.write_bytes(bytes(raw))
    with pytest.raises(ArchiveLimitError, match="overlapping"):
        open_archive(overlap)
    assert data  # keep the first archive referenced


def test_not_an_archive_and_truncated(tmp_path: Path) -> None:
    junk = tmp_path / "x.tgz"
    junk.write_bytes(b"hello, not an archive")
    with pytest.raises(NotAnArchiveError):
        open_archive(junk)
    with pytest.raises(NotAnArchiveError):
        open_archive(tmp_path / "missing.tgz")
    good = make_tar(tmp_path / "good.tgz", [("p/a", os.urandom(200_000))])
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(NotAnArchiveError), open_archive(cut) as archive:
        for member in archive:
            member.read()


def test_duplicate_file_members_are_refused(tmp_path: Path) -> None:
    """A second copy of a file hides what gets installed from whoever reads the first."""
    path = make_tar(tmp_path / "dup.tgz", [("package/package.json", b"{}"), ("package/package.json", b'{"x":1}')])
    with pytest.raises(UnsafeMemberError, match="duplicate file member"):
        names(path)
    wheel = tmp_path / "dup-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("dup/__init__.py", "")
        with pytest.warns(UserWarning):
            zf.writestr("dup/__init__.py", "import os")
    with pytest.raises(UnsafeMemberError, match="duplicate file member"):
        open_archive(wheel)
