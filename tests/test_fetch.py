"""Adding sources by URL, against a real HTTP server on 127.0.0.1 started by the tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.fetch import FetchError, fetch, fetch_all, is_url
from ingest.records import IngestReport
from ingest.related import RelatedSource

TIMEOUT = 2.0  # seconds; the slow page answers after SLOW
SLOW = 5.0
LIMIT = 100_000  # bytes; the oversize pages are twice that

ARTICLE = """<!DOCTYPE html><html lang="en"><head>
<title>Norway and EU sign Security and Defence Partnership - regjeringen.no</title>
<meta property="article:published_time" content="2024-05-28T12:00:00+02:00">
<meta property="og:site_name" content="Government.no">
</head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/topics">Topics</a></nav>
<main><article>
<h1>Norway and EU sign Security and Defence Partnership</h1>
<p>Norway and the European Union signed a Security and Defence Partnership in Brussels on 28 May 2024.
The partnership is the first of its kind between the EU and a country outside the Union in Europe.</p>
<h2>Areas of cooperation</h2>
<p>The partnership covers crisis management, the defence industry, space, critical infrastructure,
economic security and hybrid threats. Norway and the EU will hold an annual security dialogue.</p>
<h2>Support for Ukraine</h2>
<p>Both parties reaffirmed their support for Ukraine and agreed to coordinate military assistance
through the European Peace Facility and bilateral programmes.</p>
</article></main>
<footer>Contact | Privacy | Cookies</footer>
</body></html>"""

MOVED = """<!DOCTYPE html><html><head><title>Arctic cooperation</title></head><body><main>
<h1>Arctic cooperation</h1>
<p>Norway and the EU hold regular consultations on Arctic policy, including fisheries management,
climate research in Svalbard and search and rescue in the Barents Sea.</p>
</main></body></html>"""


def _pdf(title: str, text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


class Site:
    """Pages by path: (status, headers, body); the tests may change them between fetches."""

    def __init__(self) -> None:
        report = _pdf("Annual report on the European Defence Fund",
                      "Annual report on the European Defence Fund.\n\nNorwegian companies took part in "
                      "fourteen European Defence Fund projects in 2024, mostly on naval drones and "
                      "ammunition production.")
        unlabelled = _pdf("Galileo note", "Note on satellite navigation.\n\nNorway participates in the "
                                          "Galileo satellite navigation programme and its public regulated service.")
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/article.html": (200, {"Content-Type": "text/html; charset=utf-8"}, ARTICLE.encode()),
            "/report.pdf": (200, {"Content-Type": "application/pdf"}, report),
            "/unlabelled.pdf": (200, {"Content-Type": "application/octet-stream"}, unlabelled),
            "/latest": (302, {"Location": "/news/arctic.html"}, b""),
            "/news/arctic.html": (200, {"Content-Type": "text/html"}, MOVED.encode()),
            "/binary": (200, {"Content-Type": "application/octet-stream"}, bytes(range(256)) * 40),
            "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
            "/big.html": (200, {"Content-Type": "text/html"}, b"<p>" + b"word " * (2 * LIMIT // 5) + b"</p>"),
        }


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Site]]:
    """A threaded HTTP server on a free loopback port; yields (base URL, site)."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    pages = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/slow":
                time.sleep(SLOW)
            if self.path == "/big-stream.html":  # no Content-Length: the limit must hold while reading
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(2 * LIMIT // 10_000):
                    self.wfile.write(b"<p>" + b"x" * 9_993 + b"</p>")
                return
            status, headers, body = pages.pages.get(self.path, (404, {"Content-Type": "text/html"},
                                                                 b"<h1>Not found</h1>"))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the client hung up on /slow or an oversize page: expected

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()


def test_outcomes_per_url(site: tuple[str, Site]) -> None:
    base, _ = site
    urls = [f"{base}{p}" for p in ("/article.html", "/report.pdf", "/unlabelled.pdf", "/latest",
                                   "/missing", "/slow", "/binary", "/image.png", "/big.html",
                                   "/big-stream.html")]
    t0 = time.monotonic()
    docs, skipped = fetch_all(urls, timeout=TIMEOUT, max_bytes=LIMIT)
    assert time.monotonic() - t0 < SLOW + 3  # the slow page did not hold up the rest past its timeout

    assert [d.source for d in docs] == urls[:4]
    assert skipped[f"{base}/missing"] == "HTTP 404 Not Found"
    assert skipped[f"{base}/slow"].startswith(f"timed out after {TIMEOUT:g} s")
    assert skipped[f"{base}/binary"] == "not a text document (content type application/octet-stream)"
    assert skipped[f"{base}/image.png"] == "not a text document (content type image/png)"
    assert skipped[f"{base}/big.html"] == "too large (0.2 MB > limit 0.1 MB)"
    assert skipped[f"{base}/big-stream.html"] == "too large (over the limit 0.1 MB)"
    assert len(skipped) == 6

    article, report, unlabelled, moved = docs
    assert (article.kind, article.title, article.published) == (
        "html", "Norway and EU sign Security and Defence Partnership", "2024-05-28")
    assert article.url == article.source == f"{base}/article.html"
    sections = {r.section for r in article.regions}
    assert {"Areas of cooperation", "Support for Ukraine"} <= sections
    assert "Home" not in article.text and "Cookies" not in article.text  # boilerplate left out
    assert (report.kind, report.title, report.page_starts) == ("pdf", "Annual report on the European Defence Fund", (0,))
    assert unlabelled.kind == "pdf" and "Galileo" in unlabelled.text
    # the URL the user gave is the identity; the address after redirects is where it can be read
    assert moved.source == f"{base}/latest" and moved.url == f"{base}/news/arctic.html"
    assert moved.title == "Arctic cooperation"


def test_listed_metadata_fills_gaps_only(site: tuple[str, Site]) -> None:
    base, _ = site
    listed = RelatedSource(f"{base}/article.html", "Security and Defence Partnership", "Office of the PM", "2024-01-01")
    doc = fetch(listed.url, listed, timeout=TIMEOUT)
    # the list's title and publisher win; the page's own date wins over the list's
    assert (doc.title, doc.publisher, doc.published) == ("Security and Defence Partnership", "Office of the PM", "2024-05-28")
    undated = RelatedSource(f"{base}/news/arctic.html", published="2023-03-01")
    assert fetch(undated.url, undated, timeout=TIMEOUT).published == "2023-03-01"
    assert fetch(undated.url, timeout=TIMEOUT).published is None


def test_unreachable_and_bad_urls() -> None:
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match=r"^unreachable \(network error: "):
        fetch(f"http://127.0.0.1:{port}/page.html", timeout=TIMEOUT)
    with pytest.raises(FetchError, match="^unreachable"):  # no network in tests: the guard refuses
        fetch("https://www.regjeringen.no/en/", timeout=TIMEOUT)
    with pytest.raises(FetchError, match="not an http"):
        fetch("ftp://example.org/file.pdf")
    assert is_url("HTTPS://x.org") and not is_url("corpus/file.txt")


def test_report_merge_keeps_every_outcome() -> None:
    a = IngestReport(added=["/a.txt"], skipped={"/b.bin": "unsupported file type .bin"})
    b = IngestReport(unchanged=["http://x/1"], skipped={"http://x/2": "HTTP 404 Not Found"})
    m = a.merge(b)
    assert a.merge().added == ["/a.txt"] and a.merge() is not a  # a new report, never an alias
    assert (m.added, m.unchanged, m.skipped) == (["/a.txt"], ["http://x/1"],
                                                 {"/b.bin": "unsupported file type .bin",
                                                  "http://x/2": "HTTP 404 Not Found"})


@pytest.mark.slow
def test_fetched_pages_are_answerable_and_refetch_is_incremental(site: tuple[str, Site], tmp_path, embedder) -> None:
    from app.engine import Engine

    base, pages = site
    engine = Engine(tmp_path / "index", embedder=embedder)
    urls = [f"{base}/article.html", f"{base}/report.pdf", f"{base}/missing"]
    report = engine.ingest_urls(urls, timeout=TIMEOUT)
    assert report.added == urls[:2] and report.skipped == {urls[2]: "HTTP 404 Not Found"}

    a = engine.ask("Does the partnership cover hybrid threats and the defence industry?")
    assert not a.abstained
    assert {(c.source, c.url, c.published) for c in a.citations} == {(urls[0], urls[0], "2024-05-28")}
    assert any(c.section == "Areas of cooperation" and "crisis management" in c.quote for c in a.citations)
    assert a.to_dict()["citations"][0]["published"] == "2024-05-28"

    a = engine.ask("How many European Defence Fund projects did Norwegian companies take part in?")
    assert not a.abstained
    assert any((c.source, c.url, c.page) == (urls[1], urls[1], 1) and "fourteen" in c.quote
               for c in a.citations)

    version = (engine.root / "CURRENT").read_text()
    again = engine.ingest_urls(urls[:2], timeout=TIMEOUT)
    assert again.unchanged == urls[:2] and not again.changed
    assert (engine.root / "CURRENT").read_text() == version  # nothing changed: no new version

    status, headers, _ = pages.pages["/article.html"]
    pages.pages["/article.html"] = (status, headers, ARTICLE.replace(
        "an annual security dialogue", "a security dialogue twice a year").encode())
    changed = engine.ingest_urls(urls[:1], timeout=TIMEOUT)
    assert changed.updated == urls[:1]
    a = engine.ask("How often will Norway and the EU hold a security dialogue?")
    assert any("twice a year" in c.quote for c in a.citations)
    assert len([d for d in engine.index.docs if d.doc.source == urls[0]]) == 1  # replaced, not added


@pytest.mark.slow
def test_cli_ingests_files_and_urls_in_one_report(site: tuple[str, Site], tmp_path, embedder,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import app.cli
    from app.engine import Engine

    base, _ = site
    engine = Engine(tmp_path / "index", embedder=embedder)
    monkeypatch.setattr(app.cli, "_engine", lambda index: engine)
    note = tmp_path / "note.txt"
    note.write_text("Norway joined the EU Civil Protection Mechanism in 2002.\n")
    page, missing = f"{base}/article.html", f"{base}/missing"

    result = CliRunner().invoke(app.cli.cli, ["ingest", str(note), page, missing, "--timeout", str(TIMEOUT)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"    added  {note.resolve()}" in lines and f"    added  {page}" in lines
    assert f"  skipped  {missing}: HTTP 404 Not Found" in lines
    assert lines[-1] == "2 added, 0 updated, 0 unchanged, 0 removed, 1 skipped"

    again = CliRunner().invoke(app.cli.cli, ["ingest", page, "--timeout", str(TIMEOUT)])
    assert f"unchanged  {page}" in again.output.splitlines() and again.exit_code == 0

    rebuilt = CliRunner().invoke(app.cli.cli, ["ingest", page, "--rebuild", "--timeout", str(TIMEOUT)])
    assert rebuilt.exit_code == 0 and f"    added  {page}" in rebuilt.output.splitlines()
    assert [d.doc.source for d in engine.index.docs] == [page]  # rebuilt from the URL alone


@pytest.mark.slow
def test_app_sources_tab_adds_a_url(site: tuple[str, Site], tmp_path, embedder) -> None:
    from gradio_client import Client

    from app.engine import Engine
    from app.ui import launch

    base, _ = site
    engine = Engine(tmp_path / "index", embedder=embedder)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = launch(engine, "127.0.0.1", port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        page, missing = f"{base}/article.html", f"{base}/missing"
        results = client.predict(f"{page} {missing} www.no-scheme.example", api_name="/add_url")
        assert [(r["name"], r["status"], r["reason"]) for r in results] == [
            (page, "added", ""), (missing, "skipped", "HTTP 404 Not Found"),
            ("www.no-scheme.example", "skipped", "not a web address (use http:// or https://)")]
        rows = client.predict(api_name="/list_sources")
        assert [(r["source"], r["url"], r["published"]) for r in rows] == [(page, page, "2024-05-28")]
        answer = client.predict("Does the partnership cover hybrid threats and the defence industry?", api_name="/ask")
        assert answer["citations"] and {c["url"] for c in answer["citations"]} == {page}
    finally:
        demo.close(verbose=False)
