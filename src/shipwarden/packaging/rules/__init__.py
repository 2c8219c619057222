"""Rules of ``shipwarden gate``: release packaging review (row 6) and install-time code (row 4).

One module per check, each with its ``META`` and a ``check`` function
(:mod:`shipwarden.packaging.inspect` collects the inputs and runs them):

* per file, during the pass: :mod:`.never_ship`, :mod:`.secret`;
* after the pass: :data:`AFTER_PASS` (source maps, the npm manifest or the
  Python metadata, native binaries, layout);
* :mod:`.unsafe_archive` when the archive itself is refused, and the
  ``--against`` rules of :mod:`.diff` (checked in :mod:`shipwarden.packaging.diffcheck`).
"""

from __future__ import annotations

from collections.abc import Callable

from shipwarden.packaging.review import Review
from shipwarden.packaging.rules import (
    diff,
    install_script,
    native_binary,
    never_ship,
    no_files_allowlist,
    non_registry_dependency,
    pth_exec,
    secret,
    setup_py,
    size_budget,
    source_beside_bundle,
    source_map,
    source_map_content,
    unsafe_archive,
)

Check = Callable[[Review], None]

#: Checks run once the pass is over, in the order their findings are reported.
NPM_CHECKS: tuple[Check, ...] = (install_script.check, non_registry_dependency.check, no_files_allowlist.check)
PYTHON_CHECKS: tuple[Check, ...] = (non_registry_dependency.check, pth_exec.check, setup_py.check)
MAP_CHECKS: tuple[Check, ...] = (source_map_content.check, source_map.check)
LAYOUT_CHECKS: tuple[Check, ...] = (native_binary.check, source_beside_bundle.check, size_budget.check)

SOURCE_MAP_CONTENT = source_map_content.META
SOURCE_MAP = source_map.META
SECRET = secret.META
NEVER_SHIP = never_ship.META
SOURCE_BESIDE_BUNDLE = source_beside_bundle.META
NO_ALLOWLIST = no_files_allowlist.META
SIZE_BUDGET = size_budget.META
UNSAFE_ARCHIVE = unsafe_archive.META
DIFF_NEW_FILES = diff.DIFF_NEW_FILES
DIFF_REMOVED_FILES = diff.DIFF_REMOVED_FILES
DIFF_GROWTH = diff.DIFF_GROWTH
INSTALL_SCRIPT = install_script.META
PTH_EXEC = pth_exec.META
SETUP_PY = setup_py.META
NATIVE_BINARY = native_binary.META
NON_REGISTRY_DEP = non_registry_dependency.META
DIFF_INSTALL_SCRIPT = diff.DIFF_INSTALL_SCRIPT
DIFF_DEPENDENCY = diff.DIFF_DEPENDENCY
DIFF_BIN = diff.DIFF_BIN
DIFF_PTH = diff.DIFF_PTH

ALL = [
    SOURCE_MAP_CONTENT,
    SOURCE_MAP,
    SECRET,
    NEVER_SHIP,
    SOURCE_BESIDE_BUNDLE,
    NO_ALLOWLIST,
    SIZE_BUDGET,
    UNSAFE_ARCHIVE,
    DIFF_NEW_FILES,
    DIFF_REMOVED_FILES,
    DIFF_GROWTH,
    INSTALL_SCRIPT,
    PTH_EXEC,
    SETUP_PY,
    NATIVE_BINARY,
    NON_REGISTRY_DEP,
    DIFF_INSTALL_SCRIPT,
    DIFF_DEPENDENCY,
    DIFF_BIN,
    DIFF_PTH,
]
