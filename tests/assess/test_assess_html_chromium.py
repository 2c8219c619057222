"""The HTML report in a real headless Chromium: DOM, filtering, screenshots, print, and no network request."""

from __future__ import annotations

import dataclasses
import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from assesstools import clock, example_repo, need
from cdptool import Page, Recorder, browser

from shipwarden.api import AssessOptions, assess
from shipwarden.assess import store
from shipwarden.assess.model import Assessment, OpenFinding
from shipwarden.assess.report.html import render_html
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.paths.rule import tells_a_path
from shipwarden.secrets.fakes import fake_token

ARTIFACTS = Path(os.environ.get("SHIPWARDEN_TEST_ARTIFACTS", Path(__file__).parents[2] / "build" / "test-artifacts"))


def _from_pages(recorder: Recorder, since: int = 0) -> list[str]:
    """What reached the proxy other than the browser's own background requests (update checks and its clock,
    to the browser vendor's service hosts, which no page of ours names): every page request is listed here."""
    out = []
    for request in recorder.seen[since:]:
        target = request.split()[1]
        host = urllib.parse.urlsplit(target).hostname if "://" in target else target.rsplit(":", 1)[0]
        if not (host or "").endswith(_BROWSER_SERVICES):
            out.append(request)
    return out


#: Host suffixes of Chromium's own component-update and field-trial requests.
_BROWSER_SERVICES = (".googleapis.com", ".google.com", ".gvt1.com", ".gstatic.com")


@pytest.fixture(scope="module")
def chromium_page() -> Iterator[tuple[Page, Recorder]]:
    with browser(need("chromium")) as pair:
        yield pair


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Assessment, str]:
    """Two stored assessments of the example (the second with a hostile finding and a secret in a snippet)."""
    base = tmp_path_factory.mktemp("html")
    root = example_repo(base)
    engine = store.open_engine(store.database_url(str(base / "h.sqlite3"), None))
    first = assess(AssessOptions(root=root, clock=lambda: clock(0))).assessment
    first.findings = first.findings[:-1]  # one finding more in the second: "new"
    store.record(engine, first)
    second = assess(AssessOptions(root=root, clock=lambda: clock(30))).assessment
    secret = fake_token("npm-token", 3)
    hostile = Finding(
        "gate-secret", 6, Tier.P1, Confidence.HIGH,
        '<img src="http://127.0.0.1:9/leak"><script>document.title="owned"</script> shipped a token',
        [Location("dist/.npmrc", 1, 1, snippet=f"//registry.example.invalid/:_authToken={secret}\n")],
        key="hostile",
    )
    second.findings.append(OpenFinding(hostile, "gate:npm:.", "", True))
    stored = store.record(engine, second)
    path = base / "report.html"
    path.write_text(render_html(stored), encoding="utf-8")
    engine.dispose()
    return path, stored, secret


def test_report_in_chromium(chromium_page: tuple[Page, Recorder], report: tuple[Path, Assessment, str]) -> None:
    page, recorder = chromium_page
    path, assessment, secret = report
    assert secret not in path.read_text(encoding="utf-8")
    page.open(path.as_uri(), 1366)

    # the answer at the top
    assert page.js("document.getElementById('assessed-at').getAttribute('datetime')") == "2026-11-02T09:30:00Z"
    assert "2026-11-02 09:30 UTC" in page.js("document.querySelector('.answer').innerText")
    assert page.js("document.getElementById('verdict').innerText").startswith(assessment.worst_tier().value)  # type: ignore[union-attr]
    assert page.js("document.title") != "owned"
    # the seven-row matrix, each with its status
    rows = page.js("[...document.querySelectorAll('table.matrix tbody tr')].map(r => [r.id, r.dataset.status])")
    assert [r[0] for r in rows] == [f"row-{n}" for n in range(1, 8)]
    assert [r[1] for r in rows] == [assessment.scope.row(n).status.slug for n in range(1, 8)]
    assert page.js("document.querySelector('#row-1 .status').innerText") == "not assessed"
    # findings: the count, the rows, the filter, the sort
    total = len(assessment.findings)
    assert page.js("document.getElementById('findings-count').innerText") == str(total)
    assert page.js("document.querySelectorAll('#findings-table tbody tr').length") == total
    assert page.js("document.getElementById('shown').innerText") == f"Showing {total} of {total}"
    unpinned = sum(1 for i in assessment.findings
                   if "unpinned" in " ".join((i.finding.rule_id, i.finding.primary.path, i.finding.message)).lower())
    page.js("(() => {const q = document.getElementById('q'); q.value = 'unpinned';"
            " q.dispatchEvent(new Event('input'));})()")
    assert page.js("document.getElementById('shown').innerText") == f"Showing {unpinned} of {total}"
    page.js("(() => {const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('input'));"
            " const p0 = document.querySelector('input[name=tier][value=P0]'); p0.checked = false;"
            " p0.dispatchEvent(new Event('change'));})()")
    visible = total - assessment.counts()["P0"]
    assert page.js("document.getElementById('shown').innerText") == f"Showing {visible} of {total}"
    page.js("document.querySelector('input[name=tier][value=P0]').click()")
    page.js("document.querySelector('th[data-sort=path]').click()")
    paths = page.js("[...document.querySelectorAll('#findings-table tbody tr')].map(r => r.dataset.path)")
    assert paths == sorted(paths)
    # the new finding is marked, the hostile text is text
    assert page.js("document.querySelectorAll('#findings-table tr[data-new=\"1\"]').length") == assessment.new_count
    assert "<img" in page.js("document.getElementById('findings-table').innerText")
    # attack paths drawn as chains
    graphs = page.js("[...document.querySelectorAll('svg.path-graph.h')].map(s => s.querySelectorAll('g.hop').length)")
    assert page.js("[...document.querySelectorAll('svg.path-graph.v')].map(s => s.querySelectorAll('g.hop').length)"
                   ) == graphs
    assert page.js("getComputedStyle(document.querySelector('svg.path-graph.h')).display") != "none"
    paths_found = [i for i in assessment.findings if tells_a_path(i.finding)]
    assert len(graphs) == len(paths_found) > 0 and all(n >= 2 for n in graphs)
    # the trend: two assessments
    assert page.js("document.querySelectorAll('#trend-chart polyline.series').length") == 3

    out = ARTIFACTS / "assess"
    desktop = page.screenshot(out / "report-desktop.png")
    page.open(path.as_uri(), 390, 844)
    assert page.js("document.documentElement.scrollWidth") <= 390 + 1  # nothing wider than a phone
    # on a phone the chains run top to bottom
    assert page.js("getComputedStyle(document.querySelector('svg.path-graph.h')).display") == "none"
    assert page.js("document.querySelector('svg.path-graph.v').getBoundingClientRect().width") <= 390
    narrow = page.screenshot(out / "report-narrow.png")
    printed = page.pdf(out / "report.pdf")
    assert desktop.stat().st_size > 10_000 and narrow.stat().st_size > 10_000
    assert printed.read_bytes().startswith(b"%PDF")

    # nothing but the file itself was requested, and nothing reached the network
    assert page.requests() and all(url.startswith("file://") for url in page.requests()), page.requests()
    assert _from_pages(recorder) == []
    assert page.problems() == []


def test_content_security_policy_blocks_remote_loads(
    chromium_page: tuple[Page, Recorder], tmp_path: Path, report: tuple[Path, Assessment, str]
) -> None:
    """Even markup that slipped past escaping could load nothing: the page's CSP forbids it."""
    page, recorder = chromium_page
    port = recorder.server_address[1]
    text = report[0].read_text(encoding="utf-8").replace(
        "<main>", f'<main><img src="http://127.0.0.1:{port}/img"><link rel="stylesheet" '
                  f'href="http://127.0.0.1:{port}/css"><script src="http://127.0.0.1:{port}/js"></script>', 1)
    hostile = tmp_path / "hostile.html"
    hostile.write_text(text, encoding="utf-8")
    before = len(recorder.seen)
    page.events.clear()
    page.open(hostile.as_uri(), 1024)
    assert _from_pages(recorder, before) == []
    assert any("Content Security Policy" in p for p in page.problems())
    page.events.clear()


def test_html_has_no_remote_reference(report: tuple[Path, Assessment, str]) -> None:
    text = report[0].read_text(encoding="utf-8")
    assert "default-src 'none'" in text
    for needle in ("src=\"http", "href=\"http", "url(http", "@import"):
        assert needle not in text
    assert dataclasses.is_dataclass(report[1])
