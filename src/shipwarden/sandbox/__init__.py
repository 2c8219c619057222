"""The bubblewrap sandbox: the only place shipwarden runs code it scanned.

:mod:`shipwarden.sandbox.bwrap` builds and runs the sandbox;
:mod:`shipwarden.sandbox.copy` copies a project into its scratch tree.
"""

from shipwarden.sandbox.bwrap import (
    SCRATCH,
    Limits,
    Mount,
    Result,
    SandboxUnavailable,
    Spec,
    check_available,
    new_scratch,
    remove_scratch,
    run,
    sandbox_env,
)

__all__ = [
    "SCRATCH",
    "Limits",
    "Mount",
    "Result",
    "SandboxUnavailable",
    "Spec",
    "check_available",
    "new_scratch",
    "remove_scratch",
    "run",
    "sandbox_env",
]
