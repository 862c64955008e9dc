"""The web app's API, driven through gradio_client against the real app on a free port."""

from __future__ import annotations

import html
import json
import random
import re
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urljoin

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.sources import MAX_UPLOAD_FILES, SourceProblem, add_uploads, list_sources, safe_name
from app.render_html import render_answer, render_sources
from tests.conftest import ARTICLE, CORPUS

pytestmark = pytest.mark.slow

DEV = [json.loads(line) for line in (CORPUS.parent / "benchmarks/questions/article-dev.jsonl").open()]
FACT = "The Zanzibar lighthouse keeper painted the tower bright blue in 1987."
HOSTILE_HTML = ("<html><head><title>Pier notice</title><script>window.__pwned=1</script></head><body><article>"
                "<h1>Pier notice</h1><p>The old pier closes for repairs every November, when the ferry moves to "
                "the north quay for the winter months.</p><p>Anglers may still use the pier steps at low tide "
                "<img src=x onerror=\"window.__pwned=1\"> if the harbour master agrees.</p></article></body></html>")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_engine(tmp_path_factory: pytest.TempPathFactory, embedder):
    """An engine over its own copy of the article index (tests here add and remove documents)."""
    from app.engine import Engine

    engine = Engine(tmp_path_factory.mktemp("app-data") / "index", embedder=embedder)
    engine.ingest([CORPUS])
    return engine


@pytest.fixture(scope="module")
def app_url(app_engine) -> Iterator[str]:
    """The real app, served from a thread of this process on a free loopback port."""
    from app.ui import launch

    port = free_port()
    demo = launch(app_engine, "127.0.0.1", port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close(verbose=False)


@pytest.fixture(scope="module")
def client(app_url: str):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def file_link(page_html: str) -> str:
    """The href of the first "Open the file" link on a rendered page, as the browser reads it."""
    m = re.search(r'<a href="([^"]*)"[^>]*>Open the file ↗</a>', page_html)
    assert m, page_html
    return html.unescape(m.group(1))


def make_pdf(path: Path, lines: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.multi_cell(0, 8, line)
        pdf.ln(2)
    pdf.output(str(path))
    return path


def test_the_named_endpoints_are_published(client) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert names == {"/ask", "/check", "/list_sources", "/add_sources", "/add_url", "/remove_source"}


def test_ask_returns_the_same_data_as_docqa_ask_json(client, app_engine) -> None:
    q = DEV[0]
    got = client.predict(q["question"], api_name="/ask")
    want = app_engine.ask(q["question"]).to_dict()
    for d in (got, want):
        d.pop("latency_ms")
    assert got == want
    c = got["citations"][0]
    text = app_engine.index.doc_by_id[c["doc_id"]].doc.text
    assert text[c["start"]:c["end"]] == c["quote"] and q["answer"] in c["quote"]
    assert text[c["passage_start"]:c["passage_end"]] == c["passage"]


def test_ask_refuses_an_empty_question_with_the_reason(client) -> None:
    with pytest.raises(Exception, match="the question is empty"):
        client.predict(" \n ", api_name="/ask")


def test_check_gives_each_verdict_with_cited_evidence(client, app_engine) -> None:
    supported = client.predict("The European Defence Fund was established in 2021.", api_name="/check")
    assert supported["verdict"] == "supported" and supported["label"] == "supported by the sources"
    c = supported["evidence"][0]["citation"]
    assert app_engine.index.doc_by_id[c["doc_id"]].doc.text[c["start"]:c["end"]] == c["quote"]
    assert "2021" in c["quote"]
    contradicted = client.predict("The European Defence Fund was established in 2019.", api_name="/check")
    assert contradicted["verdict"] == "contradicted"
    assert contradicted["reason"] == "the source says 2021, not 2019 [1]"
    assert contradicted["evidence"][0]["conflicts"] == [{"kind": "year", "source": "2021", "claim": "2019"}]
    assert client.predict("Norway joined PESCO in 2021.", api_name="/check")["verdict"] == "related"
    assert client.predict("Bananas are the most popular fruit in Norway.", api_name="/check")["verdict"] == \
        "not_found"


def test_check_endpoint_returns_the_same_json_as_the_command_line(client, app_engine, monkeypatch) -> None:
    from typer.testing import CliRunner

    from app import cli

    claim = "Norway has contributed to five military operations."
    monkeypatch.setattr(cli, "_engine", lambda index: app_engine)
    printed = json.loads(CliRunner().invoke(cli.cli, ["check", claim, "--json"]).stdout)
    served = client.predict(claim, api_name="/check")
    for d in (printed, served):
        d.pop("latency_ms")
        for e in d["evidence"]:
            e["support"] = round(e["support"], 2)  # int8 vectors shift with what is encoded beside them
        d["support"] = round(d["support"], 2)
    assert served == printed and served["verdict"] == "contradicted" and "three" in served["reason"]


def test_check_refuses_an_empty_claim_with_the_reason(client) -> None:
    with pytest.raises(Exception, match="the claim is empty"):
        client.predict(" \n ", api_name="/check")


def test_upload_a_pdf_ask_it_then_remove_it(client, app_engine, tmp_path: Path) -> None:
    from gradio_client import handle_file

    pdf = make_pdf(tmp_path / "Lighthouse notes (draft).pdf",
                   ["Lighthouse notes", "The harbour has one old lighthouse on the northern cliff.", FACT,
                    "Visitors may climb the tower on Sundays in summer."])
    (result,) = client.predict([handle_file(str(pdf))], api_name="/add_sources")
    assert result["status"] == "added", result
    saved = Path(result["source"])
    assert saved.parent == app_engine.root.parent / "uploads" and saved.name == "Lighthouse-notes-draft.pdf"
    rows = {r["source"]: r for r in client.predict(api_name="/list_sources")}
    assert rows[str(saved)]["kind"] == "pdf" and rows[str(saved)]["pages"] == 1 and rows[str(saved)]["uploaded"]

    answer = client.predict("What colour was the Zanzibar lighthouse painted?", api_name="/ask")
    cite = answer["citations"][0]
    assert cite["source"] == str(saved) and cite["page"] == 1 and "bright blue" in cite["quote"]

    again = client.predict([handle_file(str(pdf))], api_name="/add_sources")
    assert again[0]["status"] == "unchanged"

    removed = client.predict(str(saved), api_name="/remove_source")
    assert removed["removed"] and not saved.exists()
    assert str(saved) not in {r["source"] for r in client.predict(api_name="/list_sources")}
    after = client.predict("What colour was the Zanzibar lighthouse painted?", api_name="/ask")
    assert all(c["source"] != str(saved) for c in after["citations"] + after["related"])


def test_a_cited_local_file_opens_from_its_card_and_the_sources_table(client, app_url: str) -> None:
    answer = client.predict(DEV[0]["question"], api_name="/ask")
    href = file_link(render_answer(answer, lambda _: None))
    assert href == f'source/{answer["citations"][0]["doc_id"]}' == "source/cooperation-on-foreign-and-security-policy"
    r = httpx.get(urljoin(app_url, href))
    assert r.status_code == 200 and r.content == ARTICLE.read_bytes()
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["content-disposition"].startswith("inline")
    assert f'href="{href}"' in render_sources(client.predict(api_name="/list_sources"))


@pytest.mark.parametrize("doc_id", ["no-such-document", "..%2F..%2Fetc%2Fpasswd", "%2E%2E",
                                    "..%2Fcorpus%2Fcooperation-on-foreign-and-security-policy.txt",
                                    quote(str(ARTICLE), safe=""), "cooperation-on-foreign-and-security-policy%00"])
def test_the_file_route_serves_only_indexed_documents_by_id(app_url: str, doc_id: str) -> None:
    r = httpx.get(f"{app_url}source/{doc_id}")
    assert r.status_code == 404
    assert b"root:" not in r.content and ARTICLE.read_bytes()[:100] not in r.content


def test_uploaded_files_open_as_pdf_or_plain_text_until_removed(client, app_url: str, tmp_path: Path) -> None:
    from gradio_client import handle_file

    pdf = make_pdf(tmp_path / "Tide tables.pdf",
                   ["Tide tables", "The spring tide at the old pier peaks at four metres every March."])
    page = tmp_path / "pier notice.html"
    page.write_text(HOSTILE_HTML)
    added = client.predict([handle_file(str(pdf)), handle_file(str(page))], api_name="/add_sources")
    assert [r["status"] for r in added] == ["added", "added"], added
    ids = {r["source"]: r["doc_id"] for r in client.predict(api_name="/list_sources")}
    pdf_id, page_id = (ids[r["source"]] for r in added)

    answer = client.predict("How high does the spring tide at the old pier peak?", api_name="/ask")
    assert answer["citations"][0]["doc_id"] == pdf_id and answer["citations"][0]["page"] == 1
    href = file_link(render_answer(answer, lambda _: None))
    assert href == f"source/{pdf_id}#page=1"
    r = httpx.get(urljoin(app_url, href))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content == Path(added[0]["source"]).read_bytes()

    r = httpx.get(f"{app_url}source/{page_id}")  # HTML is shown as its text, never run in this origin
    assert r.status_code == 200 and r.content == page.read_bytes()
    assert r.headers["content-type"].startswith("text/plain") and r.headers["content-security-policy"] == "sandbox"

    for res in added:
        assert client.predict(res["source"], api_name="/remove_source")["removed"]
    for doc_id in (pdf_id, page_id):
        assert httpx.get(f"{app_url}source/{doc_id}").status_code == 404


def test_upload_reports_unsupported_and_unreadable_files_per_file(client, app_engine, tmp_path: Path) -> None:
    from gradio_client import handle_file

    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(Exception, match="Invalid file type"):  # the upload widget's own type filter
        client.predict([handle_file(str(exe))], api_name="/add_sources")
    (res,) = client.predict([handle_file(str(broken))], api_name="/add_sources")
    assert res["status"] == "skipped" and res["reason"]
    assert not (app_engine.root.parent / "uploads" / "broken.pdf").exists()  # unreadable files are not kept


def test_remove_unknown_source_is_a_clean_error(client) -> None:
    with pytest.raises(Exception, match="no indexed document"):
        client.predict("/nowhere/x.txt", api_name="/remove_source")


def _payload(answer: dict) -> dict:
    """The /ask data without its timing: all that must not depend on who else is asking."""
    return {k: v for k, v in answer.items() if k != "latency_ms"}


def test_twenty_concurrent_askers_get_the_sequential_answers(app_url: str) -> None:
    """Issue 5 "Load": 20 callers at once (5 questions, 4 times each, one unanswerable) through the
    server get exactly what the same questions got one at a time: answer, citations, related, scores."""
    from gradio_client import Client

    answerable = [q for q in DEV if q["answer"]][:4]
    unanswerable = next(q for q in DEV if not q["answer"])
    questions = [q["question"] for q in [*answerable, unanswerable]]
    sequential = {q: _payload(Client(app_url, verbose=False).predict(q, api_name="/ask")) for q in questions}
    for q in answerable:
        want = sequential[q["question"]]
        assert not want["abstained"] and want["citations"][0]["doc_id"] == q["doc_id"], q
    unknown = sequential[unanswerable["question"]]
    assert unknown["abstained"] and unknown["citations"] == [] and unknown["related"], unknown

    calls = questions * 4
    random.Random(5).shuffle(calls)
    start = threading.Barrier(len(calls))

    def one(question: str) -> tuple[str, dict]:
        client = Client(app_url, verbose=False)
        start.wait(60)  # every caller connected before any asks
        return question, client.predict(question, api_name="/ask")

    with ThreadPoolExecutor(len(calls)) as pool:
        results = list(pool.map(one, calls))
    assert len(results) == 20 and sorted(q for q, _ in results) == sorted(calls)
    for question, got in results:
        assert got["question"] == question and got["latency_ms"] > 0
        assert _payload(got) == sequential[question], question


def test_docqa_serve_starts_on_loopback_and_refuses_a_taken_port(app_engine, app_url: str) -> None:
    import os
    import subprocess
    import sys
    import urllib.request

    docqa = [sys.executable, "-m", "app.cli", "serve", "--index", str(app_engine.root)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    taken = subprocess.run([*docqa, "--port", app_url.rsplit(":", 1)[1].strip("/")], capture_output=True,
                           text=True, timeout=300, cwd=CORPUS.parent, env=env)
    assert taken.returncode == 1 and taken.stderr.startswith("error: cannot listen on 127.0.0.1:")
    assert "Traceback" not in taken.stderr
    port = free_port()
    proc = subprocess.Popen([*docqa, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=CORPUS.parent, env=env)
    try:
        line = next(ln for ln in proc.stdout if "ready" in ln or "error" in ln)
        assert line.startswith(f"docqa is ready at http://127.0.0.1:{port}"), line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
            assert r.status == 200 and b"docqa" in r.read()
    finally:
        proc.terminate()
        proc.wait(30)


# The upload rules, without the server.

@given(st.text(min_size=0, max_size=300))
def test_safe_name_never_leaves_the_folder(name: str) -> None:
    folder = Path("/srv/docqa/uploads")
    safe = safe_name(name)
    assert safe and "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert (folder / safe).resolve().parent == folder
    assert safe == safe_name(safe)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    (".bashrc", "upload.bashrc"),
    ("Résumé final (v2).PDF", "Resume-final-v2.pdf"),
    ("<script>alert(1)</script>.html", "script.html"),
])
def test_safe_name_examples(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_add_uploads_limits_size_count_and_type(app_engine, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    odd = tmp_path / "notes.doc"
    odd.write_bytes(b"PK")
    results = add_uploads(app_engine, [("big.txt", big), ("notes.doc", odd)], max_mb=0.001)
    assert [r["status"] for r in results] == ["skipped", "skipped"]
    assert results[0]["reason"] == f"too large ({big.stat().st_size:,} bytes > limit 1,000 bytes)"
    assert ".doc files are not supported" in results[1]["reason"]
    with pytest.raises(SourceProblem, match="too many"):
        add_uploads(app_engine, [("a.txt", big)] * (MAX_UPLOAD_FILES + 1))
    with pytest.raises(SourceProblem, match="choose one or more files"):
        add_uploads(app_engine, [])


def test_the_same_file_under_two_names_is_indexed_once_and_listed_under_both(tmp_path: Path, embedder) -> None:
    from app.engine import Engine

    engine = Engine(tmp_path / "index", embedder=embedder)
    a, b = tmp_path / "fjord.txt", tmp_path / "fjord-copy.txt"
    for f in (a, b):
        f.write_text("The Sognefjord is the longest fjord in Norway.\n")
    results = add_uploads(engine, [(a.name, a), (b.name, b)])
    assert [r["status"] for r in results] == ["added", "skipped"]
    assert results[1]["reason"].startswith("same content as ")
    rows = list_sources(engine)
    assert len(rows) == 1 and [Path(x).name for x in rows[0]["aliases"]] == ["fjord-copy.txt"]
    assert Path(rows[0]["source"]).name == "fjord.txt"
    assert f"also as: {html.escape(rows[0]['aliases'][0])}" in render_sources(rows)
