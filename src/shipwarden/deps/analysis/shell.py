"""Shell install hooks (npm script lines, ``*.sh`` files) through ``shipwarden.ci.shell``.

The workflow side's tree-sitter-bash analyser gives every simple command with
its argv (wrappers such as ``sudo`` and ``npx`` stripped) and events such as
``curl | sh``; this module asks the indicator tables what each command means.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

import tree_sitter
import tree_sitter_bash

from shipwarden.ci.shell import EventKind, analyze
from shipwarden.deps.analysis.facts import CodeFacts, Context
from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.deps.analysis.model import Capability
from shipwarden.deps.analysis.strings import classify, credential_path, env_names, persistence_path

_DECODE_FLAGS = frozenset({"-d", "--decode", "-D"})


@lru_cache(maxsize=1)
def _redirect_query() -> tuple[tree_sitter.Parser, tree_sitter.Query]:
    language = tree_sitter.Language(tree_sitter_bash.language())
    return tree_sitter.Parser(language), tree_sitter.Query(language, "(file_redirect destination: (_) @dest)")


def _redirect_targets(script: str) -> list[tuple[int, str]]:
    """(offset, target text) of every output redirect.

    ``ci.shell`` keeps redirects of compound statements off ``Command``; until
    it exposes them this small query reads the destinations.
    """
    parser, query = _redirect_query()
    data = script.encode("utf-8", "surrogatepass")
    tree = parser.parse(data)
    out: list[tuple[int, str]] = []
    for node in tree_sitter.QueryCursor(query).captures(tree.root_node).get("dest", []):
        text = data[node.start_byte : node.end_byte].decode("utf-8", "replace").strip("'\"")
        out.append((len(data[: node.start_byte].decode("utf-8", "replace")), text))
    return out


def analyze_shell(script: str, ctx: Context) -> CodeFacts:
    ind = load_indicators()
    facts = CodeFacts()
    sh = analyze(script, "bash")
    if sh.truncated:
        facts.notes.append(f"{ctx.path}: shell script only partly analysed (too long)")

    def line_of(offset: int) -> int:
        return sh.position(offset)[0] + 1

    def text_of(start: int, end: int) -> str:
        return script[start:end]

    decoders = False
    stdin_shells: list[int] = []
    for cmd in sh.commands:
        argv = [w.value if w.value is not None else w.text for w in cmd.argv]
        if not argv:
            continue
        line = line_of(cmd.start)
        text = text_of(cmd.start, cmd.end)
        program = posixpath.basename(argv[0])
        language = ind.interpreter(program)

        for hit in ind.command_hits(argv):
            facts.evidence.append(ctx.evidence(hit.capability, f"`{program}` {hit.detail}", line, text=text))
        agent = ind.agent(argv)
        if agent:
            facts.evidence.append(ctx.evidence(Capability.AGENT_CLI, agent, line, text=text))
        if program in ind.native_programs:
            facts.evidence.append(ctx.evidence(Capability.NATIVE_BUILD, f"builds with `{program}`", line, text=text))
        if program in ind.env_dump and len(argv) == 1:
            facts.evidence.append(ctx.evidence(Capability.ENV_SWEEP, f"`{program}` prints the whole environment", line, text=text))
        if program in ind.shell_network:
            send = any(a in ind.send_flags or a.startswith(("--data", "-d@", "--upload")) for a in argv[1:])
            cap = Capability.NETWORK_SEND if send else Capability.NETWORK
            facts.evidence.append(ctx.evidence(cap, f"`{program}` {'sends data' if send else 'downloads'}", line, text=text))
        if program == "base64" and any(a in _DECODE_FLAGS for a in argv[1:]):
            decoders = True
        if program == "eval" and any("base64" in a for a in argv[1:]):
            facts.evidence.append(ctx.evidence(Capability.DECODE_EXEC, "evaluates base64-decoded text", line, text=text))
        if language == "shell" and len(argv) == 1:
            stdin_shells.append(line)
        for target in _write_targets(program, argv[1:]):
            # the destination may be a folder: `cp unit.service ~/.config/systemd/user/`
            where = persistence_path(target) or persistence_path(target.rstrip("/") + "/file")
            if where:
                facts.evidence.append(ctx.evidence(Capability.PERSISTENCE, f"`{program}` writes {target} ({where})", line, text=text))

        # What the program runs: a local file, or inline code (node -e, python -c).
        if language is not None:
            _interpreter_args(argv, language, line, ctx, facts)

        for word in cmd.argv[1:]:
            value = word.value if word.value is not None else word.text
            if program not in ("echo", "printf"):
                for found in classify(value):
                    strong = found.strong or found.capability is Capability.CREDENTIAL_READ
                    facts.evidence.append(ctx.evidence(found.capability, f"`{program}` {found.detail}", line, text=text, strong=strong))
            for name in env_names(word.text):
                if ind.token_env(name):
                    facts.evidence.append(ctx.evidence(Capability.TOKEN_ENV, f"uses ${name}", line, text=text))
    for event in sh.events:
        line = line_of(event.start)
        text = text_of(event.start, event.end)
        if event.kind is EventKind.REMOTE_EXEC:
            target = event.target.value if event.target and event.target.value else "a URL"
            facts.evidence.append(ctx.evidence(Capability.DOWNLOAD_EXEC, f"runs a script downloaded from {target}", line, text=text))
        elif event.kind is EventKind.PUBLISH:
            facts.evidence.append(ctx.evidence(Capability.PROPAGATION, f"publishes with `{event.tool}`", line, text=text))
        elif event.kind in (EventKind.GIT_PUSH, EventKind.GH_WRITE):
            facts.evidence.append(ctx.evidence(Capability.PROPAGATION, f"writes to a repository (`{event.tool} {event.action}`)".replace(" )", ")"), line, text=text))
        elif event.kind is EventKind.AGENT_CLI and not any(e.capability is Capability.AGENT_CLI and e.line == (ctx.fixed_line or line) for e in facts.evidence):
            facts.evidence.append(ctx.evidence(Capability.AGENT_CLI, f"runs the {event.tool} AI agent", line, text=text))
    if decoders and stdin_shells:
        facts.evidence.append(ctx.evidence(Capability.DECODE_EXEC, "pipes base64-decoded text into a shell", stdin_shells[0]))
    for offset, target in _redirect_targets(script):
        line = line_of(offset)
        where = persistence_path(target)
        if where:
            facts.evidence.append(ctx.evidence(Capability.PERSISTENCE, f"writes {target} ({where})", line, text=script[offset : offset + 120]))
        staged = ind.staging_name(target)
        if staged:
            facts.evidence.append(ctx.evidence(Capability.STAGING, f"stages output in {target}", line))
        cred = credential_path(target)
        if cred and not where:
            facts.evidence.append(ctx.evidence(Capability.CREDENTIAL_READ, f"redirects into the credential location {target}", line))
    return facts


#: Programs that write files named by their arguments: the destination is the last
#: operand (cp, mv, install, ln), every operand (tee) or ``of=`` (dd).
_COPY_PROGRAMS = frozenset({"cp", "mv", "install", "ln", "rsync"})


def _write_targets(program: str, args: list[str]) -> list[str]:
    if program == "dd":
        return [a[3:] for a in args if a.startswith("of=")]
    operands = [a for a in args if not a.startswith("-")]
    if program == "tee":
        return operands
    if program in _COPY_PROGRAMS:
        for i, a in enumerate(args[:-1]):
            if a in ("-t", "--target-directory"):
                return [args[i + 1]]
            if a.startswith("--target-directory="):
                return [a.split("=", 1)[1]]
        return operands[-1:] if len(operands) >= 2 else []
    return []


_JS_INLINE = frozenset({"-e", "--eval", "-p", "--print"})


def _interpreter_args(argv: list[str], language: str, line: int, ctx: Context, facts: CodeFacts) -> None:
    args = argv[1:]
    if language == "javascript" and args and args[0] in ("run", "x", "exec"):
        args = args[1:]  # bun run file.js
    i = 0
    while i < len(args):
        arg = args[i]
        if language == "javascript" and arg in _JS_INLINE and i + 1 < len(args):
            _inline("javascript", args[i + 1], line, ctx, facts)
            return
        if language == "python" and arg == "-c" and i + 1 < len(args):
            _inline("python", args[i + 1], line, ctx, facts)
            return
        if language == "shell" and arg == "-c":
            return  # ci.shell already parsed the nested script
        if language == "python" and arg == "-m":
            return
        if arg.startswith("-"):
            i += 1
            continue
        if re.match(r"^[\w@./-]+$", arg):
            facts.runs.append((language, arg, line))
        return


def _inline(language: str, code: str, line: int, ctx: Context, facts: CodeFacts) -> None:
    if ctx.depth >= load_indicators().limits.max_decode_depth + 2:
        return
    facts.extend(ctx.analyze_nested(language, code, line, "in inline code"))
