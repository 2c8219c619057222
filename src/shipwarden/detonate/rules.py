"""What a detonation showed, as findings (matrix row 4), with redacted evidence.

Each rule reads the :class:`~shipwarden.detonate.run.Observation`: the trace of
everything the package's install-time code did, the sink's records and the
bait. The tier follows what happened, not what could have:

* a canary reached the network sink, a process read another process's memory
  or environment, code was planted where it runs again later, or a publish was
  attempted: **P0**;
* a credential store read by the package's own code, a canary written to a
  file, configuration changed: **P1**;
* network attempts, downloaders and inline interpreters spawned, a budget
  exhausted: **P2** (native-binary installers do these as a matter of course).
"""

from __future__ import annotations

import base64
import fnmatch
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.core.tables import load_table
from shipwarden.detonate.run import OUT_LOG, Observation
from shipwarden.detonate.trace import Process
from shipwarden.secrets.redactor import redact_text as redact_secrets

ROW = 4
H, M = Confidence.HIGH, Confidence.MEDIUM


def _rule(rule_id: str, tier: Tier, confidence: Confidence, title: str) -> RuleMeta:
    return RuleMeta(rule_id, ROW, tier, confidence, title, command="detonate")


CANARY_SENT = _rule("detonate-canary-sent", Tier.P0, H, "install-time code sent a planted credential over the network")
PROC_SECRETS = _rule("detonate-process-memory", Tier.P0, H, "install-time code read another process's memory or environment")
PERSISTENCE = _rule("detonate-persistence", Tier.P0, H, "install-time code wrote where code runs again later")
PUBLISH = _rule("detonate-publish", Tier.P0, H, "install-time code tried to publish a package or push code")
CREDENTIAL_READ = _rule("detonate-credential-read", Tier.P1, H, "install-time code read a credential store")
CANARY_STAGED = _rule("detonate-canary-staged", Tier.P1, H, "install-time code wrote a planted credential to a file")
NETWORK = _rule("detonate-network", Tier.P2, H, "install-time code reached for the network")
SPAWN = _rule("detonate-spawn", Tier.P2, M, "install-time code ran a downloader, decoder or inline interpreter")
BUDGET = _rule("detonate-budget", Tier.P2, H, "install-time code ran out of its time or memory budget")
DENIED = _rule("detonate-sandbox-denied", Tier.P2, H,
               "install-time code tried a system call the sandbox denies (namespaces, mounts, ptrace, keyrings, BPF)")

ALL = [CANARY_SENT, PROC_SECRETS, PERSISTENCE, PUBLISH, CREDENTIAL_READ, CANARY_STAGED, NETWORK, SPAWN, BUDGET, DENIED]


@dataclass(frozen=True, slots=True)
class Behaviour:
    persistence_code: tuple[str, ...]
    persistence_config: tuple[str, ...]
    expected_readers: dict[str, tuple[str, ...]]
    downloaders: frozenset[str]
    decoders: frozenset[str]
    interpreters: frozenset[str]
    inline_flags: frozenset[str]
    proc_secret_files: frozenset[str]
    publish_commands: tuple[tuple[str, ...], ...]
    http_methods: tuple[str, ...]
    http_paths: tuple[str, ...]


@lru_cache(maxsize=1)
def load_behaviour() -> Behaviour:
    raw = load_table("shipwarden.detonate", "behaviour.toml")
    spawn, publish = raw["spawn"], raw["publish"]
    return Behaviour(
        persistence_code=tuple(raw["persistence"]["code"]),
        persistence_config=tuple(raw["persistence"]["config"]),
        expected_readers={k: tuple(v) for k, v in raw["expected_readers"].items()},
        downloaders=frozenset(spawn["downloaders"]),
        decoders=frozenset(spawn["decoders"]),
        interpreters=frozenset(spawn["interpreters"]),
        inline_flags=frozenset(spawn["inline_flags"]),
        proc_secret_files=frozenset(raw["proc"]["secret_files"]),
        publish_commands=tuple(tuple(c) for c in publish["commands"]),
        http_methods=tuple(publish["http_methods"]),
        http_paths=tuple(publish["http_paths"]),
    )


_NODE_TOOLS = {"npm-cli.js": "npm", "npx-cli.js": "npx", "node-gyp.js": "node-gyp", "yarn.js": "yarn", "pnpm.cjs": "pnpm"}


def tool_name(proc: Process) -> str:
    """What a process is, for people: ``npm`` for node running npm's CLI, else the program's name."""
    name = os.path.basename(proc.exe or (proc.argv[0] if proc.argv else "?"))
    if name.startswith("node") and len(proc.argv) > 1:
        script = os.path.basename(proc.argv[1])
        return _NODE_TOOLS.get(script, script if script in _NODE_TOOLS.values() else name)
    if name.startswith("python") and len(proc.argv) > 2 and proc.argv[1] == "-m":
        return proc.argv[2]
    return name


def _is_ours(obs: Observation, pid: int) -> bool:
    """shipwarden's own processes (the launcher, the run script's shell, the decoy) and the package manager's own
    steps, whose actions are not the package's: decided from who started whom in the trace (:func:`.run.attribute`),
    not from command lines, which the package's code chooses."""
    return pid not in obs.package_pids


def _actor(obs: Observation, pid: int) -> str:
    proc = obs.trace.processes.get(pid)
    if proc is None:
        return "?"
    args = " ".join(a if len(a) <= 60 else a[:57] + "…" for a in proc.argv[:6])
    return f"{tool_name(proc)} ({redact_secrets(args)[:160]})"


def _rel_home(obs: Observation, path: str) -> str | None:
    home = obs.home.rstrip("/") + "/"
    return path[len(home):] if path.startswith(home) else None


def _display(obs: Observation, path: str) -> str:
    rel = _rel_home(obs, path)
    return f"~/{rel}" if rel is not None else path


def _match(obs: Observation, path: str, globs: tuple[str, ...]) -> bool:
    home = obs.home.rstrip("/")
    for g in globs:
        pattern = home + g[1:] if g.startswith("~") else g
        if fnmatch.fnmatchcase(path, pattern):
            return True
    return False


def _who(obs: Observation) -> str:
    return f"{obs.package.name}@{obs.package.version} [{obs.profile.value}]"


def _loc(obs: Observation, label: str = "") -> Location:
    return Location(obs.package.label, label=label)


def _props(obs: Observation, **extra: Any) -> dict[str, Any]:
    return {"package": f"{obs.package.name}@{obs.package.version}", "profile": obs.profile.value, **extra}


def _redacted(text: str) -> str:
    return redact_secrets(text)[:400]


def judge(obs: Observation) -> list[Finding]:
    beh = load_behaviour()
    out: list[Finding] = []
    out += _canaries(obs)
    out += _proc_reads(obs, beh)
    out += _persistence(obs, beh)
    out += _publish(obs, beh)
    out += _credential_reads(obs, beh)
    out += _network(obs)
    out += _spawns(obs, beh)
    out += _denied(obs)
    static = next((n[len("static: "):] for n in obs.notes if n.startswith("static: ")), "")
    if static:
        for f in out:
            if f.tier is not Tier.P2:
                f.message += f" (static: {static})"
    if obs.timed_out:
        out.append(BUDGET.finding(
            f"{_who(obs)}: the install scripts did not finish within the budget and were killed",
            [_loc(obs)], key=f"budget:{obs.profile.value}", properties=_props(obs)))
    return out


def _auth_only(obs: Observation, label: str, host: str, payload: bytes) -> bool:
    """Whether canary ``label`` rides in ``payload`` only as an HTTP ``Authorization`` header to ``host``, a host
    its own bait file configures it for: the package manager's normal login (npm sending ``~/.npmrc``'s token to
    the registry ``~/.npmrc`` names), not exfiltration. In the request line (URL), another header or the body, or
    to any other host, it counts."""
    if host.lower() not in obs.bait.auth_hosts.get(label, ()):
        return False
    head, sep, body = payload.partition(b"\r\n\r\n")
    if not sep:
        return False
    lines = head.split(b"\r\n")
    auth = [ln for ln in lines[1:] if ln.lower().startswith(b"authorization:")]
    rest = [lines[0], *(ln for ln in lines[1:] if not ln.lower().startswith(b"authorization:")), body]
    return label in obs.bait.search(b"\n".join(auth)) and label not in obs.bait.search(b"\n".join(rest))


def _canaries(obs: Observation) -> list[Finding]:
    sent: dict[str, list[str]] = {}
    logins: set[str] = set()
    for rec in obs.sink:
        if rec.get("event") != "tcp" or not rec.get("payload"):
            continue
        try:
            payload = base64.b64decode(rec["payload"])
        except (ValueError, TypeError):
            continue
        host = str(rec.get("name") or rec.get("dest"))
        dest = f"{host}:{rec.get('port')}"
        for label in obs.bait.search(payload):
            if _auth_only(obs, label, host, payload):
                logins.add(f"{label} → {dest}")
            else:
                sent.setdefault(label, []).append(dest)
    names = {str(r.get("answer")): str(r.get("name")) for r in obs.sink if r.get("event") == "dns" and r.get("answer")}
    for ev in obs.trace.data:
        if not ev.socket or _is_ours(obs, ev.pid):
            continue
        for label in obs.bait.search(ev.data):
            ip, _, port = ev.target.rpartition(":")
            dest = f"{names[ip]}:{port}" if ip in names else ev.target
            if _auth_only(obs, label, names.get(ip, ip), ev.data):
                logins.add(f"{label} → {dest}")
            elif dest not in sent.get(label, []):
                sent.setdefault(label, []).append(dest)
    obs.logins = sorted(logins)
    staged: dict[str, list[str]] = {}
    for ev in obs.trace.data:
        if ev.socket or _is_ours(obs, ev.pid) or ev.target == OUT_LOG:
            continue
        for label in obs.bait.search(ev.data):
            staged.setdefault(label, []).append(_display(obs, ev.target))
    out: list[Finding] = []
    if sent:
        parts = [f"{label} → {', '.join(sorted(set(d)))}" for label, d in sorted(sent.items())]
        out.append(CANARY_SENT.finding(
            f"{_who(obs)}: planted credentials left through the network: {'; '.join(parts)}",
            [_loc(obs)], key="canary-sent:" + obs.profile.value,
            properties=_props(obs, canaries=sorted(sent), destinations=sorted({d for v in sent.values() for d in v}))))
    if staged:
        parts = [f"{label} → {', '.join(sorted(set(d)))}" for label, d in sorted(staged.items())]
        out.append(CANARY_STAGED.finding(
            f"{_who(obs)}: planted credentials written to files: {'; '.join(parts)}",
            [_loc(obs)], key="canary-staged:" + obs.profile.value, properties=_props(obs, canaries=sorted(staged))))
    return out


_PROC_PATH = re.compile(r"^/proc/(\d+)/(?:task/\d+/)?([a-z_]+)$")


def _proc_reads(obs: Observation, beh: Behaviour) -> list[Finding]:
    hits: list[str] = []
    for ev in obs.trace.files:
        m = _PROC_PATH.match(ev.path)
        if not m or m.group(2) not in beh.proc_secret_files or _is_ours(obs, ev.pid):
            continue
        # the pid in the path is in the package's own PID namespace; reading one's own is not
        # another process's — compare with the opener's children/ancestors is not possible across
        # namespaces, so only an explicit other pid counts (self and thread-self never match)
        hits.append(f"{_actor(obs, ev.pid)} opened {ev.path} ({'ok' if ev.ok else 'failed'})")
    if not hits:
        return []
    return [PROC_SECRETS.finding(
        f"{_who(obs)}: read other processes' secrets: {'; '.join(sorted(set(hits))[:5])}",
        [_loc(obs)], key="proc-secrets:" + obs.profile.value, properties=_props(obs, evidence=sorted(set(hits))[:20]))]


def _persistence(obs: Observation, beh: Behaviour) -> list[Finding]:
    code: set[str] = set()
    config: set[str] = set()
    for ev in obs.trace.files:
        if not ev.write or _is_ours(obs, ev.pid):
            continue
        if ev.syscall in ("unlink", "unlinkat", "mkdir", "mkdirat"):
            continue
        where = f"{_display(obs, ev.path)}{'' if ev.ok else ' (failed)'} by {_actor(obs, ev.pid)}"
        if _match(obs, ev.path, beh.persistence_code):
            code.add(where)
        elif _match(obs, ev.path, beh.persistence_config) and not ev.path.startswith(obs.package_dir + "/"):
            proc = obs.trace.processes.get(ev.pid)
            if proc is not None and tool_name(proc) in ("npm", "npx") and ev.path.endswith("npmrc") and not ev.ok:
                continue
            config.add(where)
    out = []
    if code:
        out.append(PERSISTENCE.finding(
            f"{_who(obs)}: wrote where code runs again later: {'; '.join(sorted(code)[:5])}",
            [_loc(obs)], key="persistence:" + obs.profile.value, properties=_props(obs, evidence=sorted(code)[:20])))
    if config:
        out.append(PERSISTENCE.finding(
            f"{_who(obs)}: changed tool configuration: {'; '.join(sorted(config)[:5])}",
            [_loc(obs)], tier=Tier.P1, key="persistence-config:" + obs.profile.value, properties=_props(obs, evidence=sorted(config)[:20])))
    return out


def _publish(obs: Observation, beh: Behaviour) -> list[Finding]:
    hits: list[str] = []
    for ev in obs.trace.execs:
        if _is_ours(obs, ev.pid):
            continue
        words = [os.path.basename(ev.path)] + [a for a in ev.argv[1:] if not a.startswith("-")]
        if os.path.basename(ev.path).startswith("node") and len(ev.argv) > 1:
            words = [_NODE_TOOLS.get(os.path.basename(ev.argv[1]), "node")] + [
                a for a in ev.argv[2:] if not a.startswith("-")]
        for cmd in beh.publish_commands:
            if tuple(words[: len(cmd)]) == cmd:
                hits.append("ran " + _redacted(" ".join(ev.argv[:8])))
    for rec in obs.sink:
        if rec.get("event") != "tcp" or not rec.get("payload"):
            continue
        try:
            head = base64.b64decode(rec["payload"])[:512].decode("latin-1")
        except (ValueError, TypeError):
            continue
        first = head.split("\r\n", 1)[0]
        method, _, rest = first.partition(" ")
        path = rest.split(" ", 1)[0]
        if method in beh.http_methods or any(path.startswith(p) for p in beh.http_paths):
            hits.append(f"sent {_redacted(first)[:120]} to {rec.get('name') or rec.get('dest')}")
    if not hits:
        return []
    return [PUBLISH.finding(
        f"{_who(obs)}: tried to publish: {'; '.join(sorted(set(hits))[:5])}",
        [_loc(obs)], key="publish:" + obs.profile.value, properties=_props(obs, evidence=sorted(set(hits))[:20]))]


def _credential_reads(obs: Observation, beh: Behaviour) -> list[Finding]:
    reads: dict[str, set[str]] = {}
    for ev in obs.trace.files:
        if ev.write or _is_ours(obs, ev.pid):
            continue
        rel = _rel_home(obs, ev.path)
        if rel is None:
            continue
        store = obs.bait.store_of(rel)
        if store is None:
            continue
        proc = obs.trace.processes.get(ev.pid)
        expected = beh.expected_readers.get(store, ())
        if "*" in expected or (proc is not None and tool_name(proc) in expected):
            continue
        state = "read" if ev.ok else "tried"
        reads.setdefault(f"~/{rel} ({state})", set()).add(_actor(obs, ev.pid))
    if not reads:
        return []
    items = [f"{path} by {', '.join(sorted(a))}" for path, a in sorted(reads.items())]
    return [CREDENTIAL_READ.finding(
        f"{_who(obs)}: opened credential stores: {'; '.join(items[:6])}",
        [_loc(obs)], key="credential-read:" + obs.profile.value, properties=_props(obs, files=sorted(reads)))]


def _unread_tls(rec: dict[str, Any]) -> bool:
    """A TLS connection the sink could not terminate: the client did not trust the run's CA (it pins its own)."""
    if rec.get("tls") or not rec.get("payload"):
        return False
    try:
        return base64.b64decode(str(rec["payload"])[:8])[:1] == b"\x16"
    except (ValueError, TypeError):
        return False


def _network(obs: Observation) -> list[Finding]:
    names = sorted({str(r["name"]) for r in obs.sink if r.get("event") == "dns" and r.get("name")})
    conns = sorted({f"{r.get('name') or r.get('dest')}:{r.get('port')}" + (f" (TLS {r['sni']})" if r.get("sni") else "")
                    for r in obs.sink if r.get("event") == "tcp"})
    unread = sorted({f"{r.get('sni') or r.get('name') or r.get('dest')}:{r.get('port')}"
                     for r in obs.sink if r.get("event") == "tcp" and _unread_tls(r)})
    direct = sorted({f"{c.address}:{c.port}" for c in obs.trace.connects
                     if not _is_ours(obs, c.pid) and not c.address.startswith(("127.", "10.77.")) and c.address != "::1"})
    if not (names or conns or direct):
        return []
    parts = []
    if names:
        parts.append("looked up " + ", ".join(names[:8]))
    if conns:
        parts.append("connected to " + ", ".join(conns[:8]))
    if direct:
        parts.append("dialled " + ", ".join(direct[:8]))
    if unread:
        parts.append("TLS not decrypted (the client does not trust the sandbox's CA — a pinned CA or its own root "
                     "list — so only the destination name and port are known, not what was sent): " + ", ".join(unread[:8]))
    if obs.logins:
        parts.append("the package manager logged in to the registry its bait configuration names, as it does "
                     "(not counted as exfiltration): " + ", ".join(obs.logins[:4]))
    return [NETWORK.finding(
        f"{_who(obs)}: {'; '.join(parts)}", [_loc(obs)], key="network:" + obs.profile.value,
        properties=_props(obs, names=names[:50], connections=conns[:50], addresses=direct[:50],
                          undecrypted_tls=unread[:50], registry_logins=obs.logins[:20]))]


def _denied(obs: Observation) -> list[Finding]:
    hits = sorted({f"{ev.syscall}({_redacted(ev.args)[:80]}) by {_actor(obs, ev.pid)}"
                   for ev in obs.trace.denied if not _is_ours(obs, ev.pid)})
    if not hits:
        return []
    return [DENIED.finding(
        f"{_who(obs)}: tried what the sandbox denies, refused: {'; '.join(hits[:5])}", [_loc(obs)],
        key="sandbox-denied:" + obs.profile.value, properties=_props(obs, attempts=hits[:20]))]


def _spawns(obs: Observation, beh: Behaviour) -> list[Finding]:
    hits: set[str] = set()
    for ev in obs.trace.execs:
        if not ev.ok or _is_ours(obs, ev.pid) or ev.argv in obs.steps:
            continue  # detonate's own steps (the interpreter start-up): what runs inside them is judged, not them
        name = os.path.basename(ev.path)
        base = re.sub(r"[\d.]+$", "", name)
        if name in beh.downloaders or name in beh.decoders:
            hits.add(_redacted(" ".join(ev.argv[:6])))
        elif (name in beh.interpreters or base in beh.interpreters) and any(a in beh.inline_flags for a in ev.argv[1:3]):
            if name in ("sh", "bash", "dash") and ev.argv[1:2] == ["-c"]:
                continue  # how npm runs every script
            hits.add(_redacted(" ".join(a if len(a) < 80 else a[:77] + "…" for a in ev.argv[:4])))
    if not hits:
        return []
    return [SPAWN.finding(
        f"{_who(obs)}: ran {'; '.join(sorted(hits)[:5])}", [_loc(obs)], key="spawn:" + obs.profile.value,
        properties=_props(obs, commands=sorted(hits)[:20]))]
