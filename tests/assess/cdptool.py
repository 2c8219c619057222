"""A small Chrome DevTools Protocol client over one websocket (websocket-client), for the HTML report tests.

:func:`browser` starts headless Chromium with every request sent through a
local recording proxy; :class:`Page` drives one tab: navigate, evaluate,
screenshot, print, and the network requests the page made (CDP events).
"""

from __future__ import annotations

import base64
import http.server
import itertools
import json
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import websocket


class Recorder(http.server.ThreadingHTTPServer):
    """An HTTP proxy on 127.0.0.1 that answers nothing and remembers every request it was sent."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self) -> None:
                recorder.seen.append(f"{self.command} {self.path}")
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_HEAD = do_CONNECT = do_PUT = do_OPTIONS = _record

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


class Page:
    def __init__(self, ws: websocket.WebSocket, session: str) -> None:
        self._ws, self._session, self._ids = ws, session, itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        msg_id = next(self._ids) + 1000
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}, "sessionId": self._session}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = json.loads(self._ws.recv())
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                result: dict[str, Any] = data.get("result", {})
                return result
            if "method" in data:
                self.events.append(data)
        raise TimeoutError(method)

    def wait_for(self, event: str, timeout: float = 60) -> dict[str, Any]:
        for seen in self.events:
            if seen["method"] == event:
                self.events.remove(seen)
                return seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = json.loads(self._ws.recv())
            if data.get("method") == event:
                return data
            if "method" in data:
                self.events.append(data)
        raise TimeoutError(event)

    def open(self, url: str, width: int, height: int = 900) -> None:
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, target: Path) -> Path:
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000), "scale": 1}
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(shot["data"]))
        return target

    def pdf(self, target: Path) -> Path:
        printed = self.send("Page.printToPDF", {"printBackground": False, "preferCSSPageSize": False})
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(printed["data"]))
        return target

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def problems(self) -> list[str]:
        """Console errors, CSP violations and uncaught exceptions the page reported."""
        out = []
        for e in self.events:
            if e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(e["params"]["exceptionDetails"])[:400])
            elif e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] in ("error", "warning"):
                out.append(e["params"]["entry"]["text"])
            elif e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "warning"):
                out.append(json.dumps(e["params"]["args"])[:400])
        return out


@contextmanager
def browser(chromium: str) -> Iterator[tuple[Page, Recorder]]:
    recorder = Recorder()
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    profile = Path(tempfile.mkdtemp(prefix="swcdp"))
    port = recorder.server_address[1]
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--proxy-server=http://127.0.0.1:{port}",
         "--proxy-bypass-list=<-loopback>", "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--disable-client-side-phishing-detection",
         "--disable-domain-reliability", "--metrics-recording-only", "--no-pings", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        active = profile / "DevToolsActivePort"
        for _ in range(600):
            if active.is_file() and len(active.read_text().split()) >= 2:
                break
            if proc.poll() is not None:
                raise RuntimeError("chromium exited before it opened its DevTools port")
            time.sleep(0.05)
        debug_port, path = active.read_text().split()[:2]
        ws = websocket.create_connection(f"ws://127.0.0.1:{debug_port}{path}", timeout=60, suppress_origin=True)
        try:
            ws.send(json.dumps({"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}}))
            target = _reply(ws, 1)["targetId"]
            ws.send(json.dumps({"id": 2, "method": "Target.attachToTarget",
                                "params": {"targetId": target, "flatten": True}}))
            session = _reply(ws, 2)["sessionId"]
            page = Page(ws, session)
            for domain in ("Page", "Network", "Runtime", "Log"):
                page.send(f"{domain}.enable")
            yield page, recorder
        finally:
            ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        recorder.shutdown()
        recorder.server_close()
        shutil.rmtree(profile, ignore_errors=True)


def _reply(ws: websocket.WebSocket, msg_id: int) -> dict[str, Any]:
    while True:
        data = json.loads(ws.recv())
        if data.get("id") == msg_id:
            if "error" in data:
                raise RuntimeError(str(data["error"]))
            result: dict[str, Any] = data["result"]
            return result
