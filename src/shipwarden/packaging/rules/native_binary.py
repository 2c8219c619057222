"""``gate-native-binary``: a bundled native binary (ELF, Mach-O, PE, ``.wasm``, ``.node``): it cannot be
reviewed as source and runs with the user's rights. P1 for an importable extension module in a
pure-Python (none-any) wheel, whose tag hides it; platform wheels' own extensions are expected."""

from __future__ import annotations

import re

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.model import ArtifactKind
from shipwarden.packaging.python_meta import wheel_is_pure
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import INSTALL_ROW, gate_rule

META = gate_rule("gate-native-binary", INSTALL_ROW, Tier.P2, Confidence.MEDIUM, "Bundled native binary")


def check(review: Review) -> None:
    kind = review.artifact.kind
    platform_wheel = kind is ArtifactKind.WHEEL and not wheel_is_pure(review.artifact.label)
    for path, what in review.native:
        if review.policy.allows_file(path):
            continue
        low = path.lower()
        if platform_wheel and low.endswith((".so", ".pyd", ".dylib", ".dll")):
            continue
        # in a none-any wheel, an extension module is what `import` loads on its own (and the
        # wheel's tag hides it); a stand-alone .exe or library only runs when code calls it
        importable = bool(re.search(r"\.(?:so|pyd)$|\.so\.", low)) or (what == "ELF" and ".so" in low)
        pure = kind is ArtifactKind.WHEEL and not platform_wheel
        tier = Tier.P1 if (pure and importable) else None
        note = " in a pure-Python (none-any) wheel" if pure else ""
        review.add(
            META,
            f"{path} is a native binary ({what}){note}: it cannot be reviewed as source and runs with the "
            "user's rights",
            path,
            tier=tier,
            key=f"native:{path}",
            properties={"format": what},
        )
