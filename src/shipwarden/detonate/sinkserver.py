"""The network sink: runs inside the detonation sandbox's own network namespace (stdlib only).

Every address is local in that namespace (``ip route add local 0.0.0.0/0 dev
lo``), so a connection to any IP on a listened port arrives here. The sink:

* answers DNS (UDP and TCP port 53): every A query gets a distinct address in
  10.77.0.0/16 (so a later connection names the host it looked up), AAAA and
  others get no answer;
* accepts TCP on the ports below, records the destination, the TLS server name
  of a ClientHello, and up to 64 KiB of what was sent; answers HTTP requests
  with an empty ``200`` (or ``201`` to a PUT) so a client sends its body;
* terminates TLS with a certificate for the requested name, signed by the
  run's own CA (``<out>/tls/ca.pem``, trusted inside the sandbox only), so
  what a client sends over HTTPS is recorded in the clear;
* writes one JSON object per event to its stdout (``<out>/sink.ready`` says it listens).

Nothing leaves the namespace: it has no other interface.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
from typing import Any

PORTS = (21, 22, 25, 80, 443, 587, 1337, 2375, 3000, 4443, 4444, 5000, 5432, 6379, 6667, 8000, 8080, 8081, 8443,
         8888, 9000, 9001, 9418, 31337)
MAX_PAYLOAD = 65536
_lock = threading.Lock()
_names: dict[str, str] = {}
_out: Any = None
_tls_dir: str | None = None
_contexts: dict[str, ssl.SSLContext] = {}


def record(event: dict[str, Any]) -> None:
    with _lock:
        _out.write(json.dumps(event) + "\n")
        _out.flush()


def address_for(name: str) -> str:
    with _lock:
        if name not in _names:
            n = len(_names) + 1
            _names[name] = f"10.77.{(n >> 8) & 255}.{n & 255}"
        return _names[name]


def parse_question(packet: bytes) -> tuple[str, int, int] | None:
    """(name, qtype, end offset) of the first question."""
    if len(packet) < 12:
        return None
    pos, labels = 12, []
    while pos < len(packet):
        n = packet[pos]
        pos += 1
        if n == 0:
            break
        if n & 0xC0 or pos + n > len(packet):
            return None
        labels.append(packet[pos:pos + n].decode("ascii", "replace"))
        pos += n
    if pos + 4 > len(packet):
        return None
    qtype = struct.unpack("!H", packet[pos:pos + 2])[0]
    return ".".join(labels).lower(), qtype, pos + 4


def answer(packet: bytes) -> bytes | None:
    q = parse_question(packet)
    if q is None:
        return None
    name, qtype, end = q
    ident = packet[:2]
    header_flags = b"\x81\x80"
    question = packet[12:end]
    if qtype == 1:
        ip = address_for(name)
        record({"event": "dns", "name": name, "type": "A", "answer": ip})
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
        return ident + header_flags + struct.pack("!HHHH", 1, 1, 0, 0) + question + rr
    record({"event": "dns", "name": name, "type": {28: "AAAA", 16: "TXT", 5: "CNAME"}.get(qtype, str(qtype))})
    return ident + header_flags + struct.pack("!HHHH", 1, 0, 0, 0) + question


def serve_dns_udp(sock: socket.socket) -> None:
    while True:
        data, peer = sock.recvfrom(4096)
        reply = answer(data)
        if reply is not None:
            sock.sendto(reply, peer)


def serve_dns_tcp(sock: socket.socket) -> None:
    while True:
        conn, _ = sock.accept()
        try:
            conn.settimeout(3)
            size = struct.unpack("!H", conn.recv(2))[0]
            reply = answer(conn.recv(size))
            if reply is not None:
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except (OSError, struct.error):
            pass
        finally:
            conn.close()


def tls_server_name(data: bytes) -> str | None:
    """The SNI of a TLS ClientHello, if ``data`` starts with one."""
    try:
        if data[0] != 0x16 or data[5] != 0x01:
            return None
        pos = 5 + 4 + 2 + 32
        pos += 1 + data[pos]
        pos += 2 + struct.unpack("!H", data[pos:pos + 2])[0]
        pos += 1 + data[pos]
        end = pos + 2 + struct.unpack("!H", data[pos:pos + 2])[0]
        pos += 2
        while pos + 4 <= end:
            etype, elen = struct.unpack("!HH", data[pos:pos + 4])
            pos += 4
            if etype == 0:
                nlen = struct.unpack("!H", data[pos + 3:pos + 5])[0]
                return data[pos + 5:pos + 5 + nlen].decode("ascii", "replace")
            pos += elen
    except (IndexError, struct.error):
        return None
    return None


def _http_complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return len(body) >= int(value.strip())
            except ValueError:
                return True
    return True


def tls_context(name: str) -> ssl.SSLContext | None:
    """A server context with a certificate for ``name`` signed by the run's CA (made with openssl)."""
    if _tls_dir is None:
        return None
    with _lock:
        if name in _contexts:
            return _contexts[name]
        safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in name)[:200] or "noname"
        key, csr, crt = (os.path.join(_tls_dir, f"{safe}.{ext}") for ext in ("key", "csr", "crt"))
        try:
            ipaddress.ip_address(name)
            san = f"IP:{name}"
        except ValueError:
            san = f"DNS:{name}"
        ext = os.path.join(_tls_dir, f"{safe}.ext")
        with open(ext, "w") as fh:  # not-output: openssl extension file in the sandbox
            fh.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        try:
            subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-subj", "/CN=" + safe, "-keyout", key, "-out", csr],
                           check=True, capture_output=True, timeout=20)
            subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(_tls_dir, "ca.pem"),
                            "-CAkey", os.path.join(_tls_dir, "ca.key"), "-CAcreateserial", "-days", "2",
                            "-extfile", ext, "-out", crt], check=True, capture_output=True, timeout=20)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(crt, key)
        except (OSError, subprocess.SubprocessError, ssl.SSLError):
            return None
        _contexts[name] = ctx
        return ctx


def handle(conn: socket.socket, port: int) -> None:
    data = b""
    dest = conn.getsockname()[0]
    sni: str | None = None
    intercepted = False
    try:
        conn.settimeout(3)
        try:
            hello = conn.recv(16384, socket.MSG_PEEK)
        except (TimeoutError, OSError):
            hello = b""
        if hello[:1] == b"\x16":
            sni = tls_server_name(hello)
            names = [n for n, ip in _names.items() if ip == dest]
            ctx = tls_context(sni or (names[0] if names else dest))
            if ctx is not None:
                try:
                    conn = ctx.wrap_socket(conn, server_side=True)
                    intercepted = True
                except (ssl.SSLError, OSError):
                    data = hello
        while len(data) < MAX_PAYLOAD and not (data[:1] == b"\x16" and not intercepted):
            try:
                chunk = conn.recv(16384)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            if data[:1] == b"\x16":
                break  # TLS we could not terminate: the ClientHello is all we can read
            if data[:8].split(b" ")[0] in (b"GET", b"POST", b"PUT", b"HEAD", b"PATCH", b"DELETE", b"OPTIONS") \
                    and _http_complete(data):
                status = b"201 Created" if data.startswith(b"PUT") else b"200 OK"
                conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                break
    except OSError:
        pass
    finally:
        conn.close()
    names = [n for n, ip in _names.items() if ip == dest]
    event: dict[str, Any] = {
        "event": "tcp",
        "dest": dest,
        "port": port,
        "name": names[0] if names else None,
        "sni": sni or tls_server_name(data),
        "tls": intercepted,
        "bytes": len(data),
        "payload": base64.b64encode(data[:MAX_PAYLOAD]).decode(),
    }
    record(event)


def serve_tcp(sock: socket.socket, port: int) -> None:
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handle, args=(conn, port), daemon=True).start()


def main() -> int:
    global _out, _tls_dir
    out_dir = sys.argv[1]
    if os.path.isfile(os.path.join(out_dir, "tls", "ca.key")):
        _tls_dir = os.path.join(out_dir, "tls")
    # records go to stdout: a pipe to shipwarden that the package's code does not hold
    _out = sys.stdout
    threading.stack_size(256 * 1024)
    threads = []
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", 53))
    threads.append(threading.Thread(target=serve_dns_udp, args=(udp,), daemon=True))
    tcp53 = socket.socket()
    tcp53.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp53.bind(("0.0.0.0", 53))
    tcp53.listen(16)
    threads.append(threading.Thread(target=serve_dns_tcp, args=(tcp53,), daemon=True))
    for port in PORTS:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            continue
        s.listen(64)
        threads.append(threading.Thread(target=serve_tcp, args=(s, port), daemon=True))
    for t in threads:
        t.start()
    with open(os.path.join(out_dir, "sink.ready"), "w") as ready:  # not-output: a ready marker in the sandbox
        ready.write("ok\n")
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
