"""What ``deps --detonate`` picks from the inventory, and what it hands the sandbox (nothing is run here)."""

from __future__ import annotations

import sys
from pathlib import Path

from shipwarden.deps.scan import DepsOptions, scan_deps
from shipwarden.detonate.inventory import plan
from shipwarden.detonate.package import prepare
from shipwarden.registry import RegistryClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deps"))
from localregistry import LocalRegistry  # noqa: E402

PY_ENV = Path(__file__).resolve().parents[1] / "deps/fixtures/projects/py-env"


def test_pth_start_up_code_is_copied_with_the_modules_it_names(tmp_path: Path) -> None:
    """litellm_init.pth (self-contained) and telemetry_boot.pth (imports telemetry_boot_hook) are detonated, each in
    a site-packages of its own with its owner's metadata; setuptools' distutils-precedence.pth is known: not."""
    static = scan_deps(PY_ENV, DepsOptions())
    with LocalRegistry() as reg:  # nothing is fetched: the pins are wheels as far as deps knows
        got = plan(PY_ENV, static.hooks, tmp_path, RegistryClient(pypi_index=reg.base, cache_dir=tmp_path / "c"),
                   static.dependencies)
        assert reg.hits == []
    assert not got.errors, got.errors
    sites = {got.labels[t].rsplit("/", 1)[-1]: sorted(p.name for p in Path(t).iterdir()) for t in got.targets}
    assert sites == {
        "litellm_init.pth": ["litellm-1.82.8.dist-info", "litellm_init.pth"],
        "telemetry_boot.pth": ["telemetry_boot-0.1.0.dist-info", "telemetry_boot.pth", "telemetry_boot_hook.py"],
    }
    work = tmp_path / "w"
    work.mkdir()
    package = prepare(Path(next(t for t in got.targets if got.labels[t].endswith("litellm_init.pth"))), work)
    assert (package.name, package.version, package.manifest["pth"]) == ("litellm", "1.82.8", ["litellm_init.pth"])


def test_sources_that_are_not_fetched_say_so(tmp_path: Path) -> None:
    """git and URL sources, unpinned names, and pins whose wheel-or-sdist the lock does not record are notes (how
    to detonate them), never fetched."""
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text(
        "--no-binary loose\nloose>=1.0\nvcs-thing @ git+https://git.example.invalid/vcs-thing.git@abc\n"
        "local-thing @ file:./vendor/local-thing-1.0.tar.gz\nplain==1.0\n")
    (project / "vendor").mkdir()
    (project / "vendor/local-thing-1.0.tar.gz").write_bytes(b"\x1f\x8b")
    static = scan_deps(project, DepsOptions())
    with LocalRegistry() as reg:
        got = plan(project, static.hooks, tmp_path / "w", RegistryClient(pypi_index=reg.base, cache_dir=tmp_path / "c"),
                   static.dependencies)
        assert reg.hits == []
    assert got.labels == {str(project / "vendor/local-thing-1.0.tar.gz"): "vendor/local-thing-1.0.tar.gz"}
    notes = " ".join(got.notes)
    assert "vcs-thing" in notes and "not fetched" in notes and "loose >=1.0 is not pinned" in notes
    assert "for 1 locked Python package(s) the lock does not say whether a wheel or the sdist installs" in notes
