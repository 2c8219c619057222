"""What the behaviour analysis reports: capabilities with evidence lines."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shipwarden.core.findings import Location


class Capability(enum.StrEnum):
    CREDENTIAL_READ = "credential-read"  # reads a catalogued credential file or metadata service
    CREDENTIAL_COMMAND = "credential-command"  # runs a command that prints credentials
    ENV_SWEEP = "env-sweep"  # reads the whole environment
    TOKEN_ENV = "token-env"  # reads token-like environment variables by name
    AGENT_CLI = "agent-cli"  # drives an AI coding agent (Nx s1ngularity)
    NETWORK = "network"  # opens a network connection
    NETWORK_SEND = "network-send"  # sends data (POST, raw socket, upload)
    EXFIL_HOST = "exfil-host"  # names a webhook, paste site, tunnel or known-bad host
    CHILD_PROCESS = "child-process"  # starts other programs
    DOWNLOAD_EXEC = "download-exec"  # runs code fetched at install time
    DECODE_EXEC = "decode-exec"  # eval/exec of decoded data
    OBFUSCATION = "obfuscation"  # _0x mangling, hex escapes, char-code chains
    RUNNER_MEMORY = "runner-memory"  # /proc/<pid>/mem, Runner.Worker
    PERSISTENCE = "persistence"  # writes shell rc, services, CI workflows, agent hooks
    PROPAGATION = "propagation"  # publishes packages, pushes repositories
    DESTRUCTIVE = "destructive"  # wipes home, shuts down
    NATIVE_BUILD = "native-build"  # node-gyp, prebuild-install, cmake-js …
    STAGING = "staging"  # writes a harvest file named like a known worm's
    DYNAMIC_CODE = "dynamic-code"  # eval of a non-literal, not known to be decoded
    LONG_BLOB = "long-blob"  # a long base64 string (weak: also found in bundled assets)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One line of code showing a capability.

    ``strong`` evidence sits in the operation itself (the path is the argument
    of ``readFileSync``); weak evidence is co-occurrence in the same file (the
    path is a string literal and the file reads files somewhere).
    """

    capability: Capability
    detail: str
    path: str
    line: int
    column: int = 0
    snippet: str = ""
    strong: bool = True
    #: Where inside the file the code was found: "inline code", "in decoded data" (nested: joined by " › ").
    context: str = ""

    def location(self) -> Location:
        where = f"{self.context}: " if self.context else ""
        return Location(
            path=self.path,
            line=self.line,
            column=self.column,
            end_line=self.line if self.line else 0,
            label=f"{self.capability.value}: {where}{self.detail}",
            snippet=self.snippet,
        )
