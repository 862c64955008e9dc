"""The web app: ask, check a claim, and manage sources, with one named API endpoint per action.

Each action is a plain-data endpoint (`ask`, `check`, `list_sources`, `add_sources`, `add_url`,
`remove_source`). The page renders the same functions' results as HTML: asking and
checking in one round trip, source changes by rendering what the endpoint returned.
`GET /source/{doc_id}` serves the original file of a local document in the current index.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # nothing leaves this machine

import gradio as gr  # noqa: E402 - after the environment is set
from fastapi.responses import FileResponse, PlainTextResponse, Response  # noqa: E402 - gradio's server
from fastapi.routing import APIRoute  # noqa: E402

from app.answer import BadQuestion  # noqa: E402
from app.claims import check_claim
from app.engine import Engine
from app.sources import (MAX_UPLOAD_MB, UPLOAD_SUFFIXES, SourceProblem, add_uploads, add_urls, list_sources,
                         local_file, remove_source)
from app.render_html import (CSS, SOURCE_ROUTE, render_added, render_answer, render_check, render_error,
                           render_removed, render_sources)
from index.store import IndexProblem

EXAMPLE_QUESTIONS = [  # short enough that the example buttons show them whole
    "When was the defence partnership signed?",
    "Which PESCO project is Norway part of?",
    "How big is Norway's aid package for Ukraine?",
    "Since when has Norway worked with the EDA?",
]
EXAMPLE_CLAIMS = [
    "Norway joined PESCO in 2021.",
    "The European Defence Fund was established in 2021.",
    "Norway is a member state of the European Union.",
]
READERS = 2  # concurrent asks/checks: the machine has few cores and torch uses them all per call
# A served file never runs in this origin: no MIME sniffing, and text is shown in a sandbox.
FILE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
TEXT_HEADERS = {**FILE_HEADERS, "Content-Security-Policy": "sandbox"}
OFFICE_MEDIA = {  # sent as downloads: a browser cannot show them
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "epub": "application/epub+zip"}


def build(engine: Engine) -> gr.Blocks:
    """The Blocks app over `engine` (not launched)."""

    def doc_text(doc_id: str) -> str | None:
        entry = engine.index.doc_by_id.get(doc_id)
        return entry.doc.text if entry else None

    def ask(question: str) -> dict:
        """Answer a question from the indexed documents; the same JSON as `docqa ask --json`."""
        with _user_errors():
            return engine.ask(question).to_dict()

    def check(claim: str) -> dict:
        """Check a claim against the sources: verdict, label, support and evidence sentences."""
        with _user_errors():
            return check_claim(engine.index, engine.embedder, claim).to_dict()

    def ask_page(question: str) -> str:
        return render_answer(ask(question), doc_text)

    def check_page(claim: str) -> str:
        return render_check(check(claim), doc_text)

    def sources() -> list[dict]:
        """Every indexed document: doc_id, title, kind, pages, passages, ingested_at, source, url."""
        with _user_errors():
            return list_sources(engine)

    def add(files: list[str] | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> list[dict]:
        """Add uploaded files (PDF, TXT, MD, HTML); one result per file: added, updated or skipped + reason."""
        progress(0.05, desc=f"Reading and indexing {len(files or [])} file(s)")
        with _user_errors():
            return add_uploads(engine, [(Path(f).name, Path(f)) for f in files or []])

    def add_url(urls: str | None) -> list[dict]:
        """Fetch web pages or PDFs by URL (separated by spaces) and add them; one result per URL."""
        with _user_errors():
            return add_urls(engine, urls or "")

    def remove(source: str | None) -> dict:
        """Remove one document from the index, by its source (path or URL) or doc_id."""
        with _user_errors():
            return remove_source(engine, source or "")

    def show_sources(rows: list[dict]) -> tuple[str, gr.Dropdown]:
        choices = [(f'{r["title"]} ({Path(r["source"]).name or r["source"]})', r["source"]) for r in rows]
        return render_sources(rows), gr.Dropdown(choices=choices, value=None)

    private = {"api_visibility": "private", "queue": False}
    with gr.Blocks(title="docqa: ask your documents", analytics_enabled=False) as demo:
        gr.HTML('<h1 style="margin:0">docqa</h1><p class="dq-meta" style="margin:.2rem 0 0">'
                "Answers quoted from your documents, with the exact sentences cited.</p>")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=True):
                    question = gr.Textbox(label="Question", placeholder="Ask a question and press Enter",
                                          scale=6, max_lines=3, autofocus=True, elem_id="question")
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=100)
                gr.Examples(EXAMPLE_QUESTIONS, inputs=[question], label="Example questions")
                answer_html = gr.HTML(elem_id="answer")
            with gr.Tab("Check a claim", id="check"):
                with gr.Row(equal_height=True):
                    claim = gr.Textbox(label="Claim", placeholder="Paste a statement, e.g. Norway joined PESCO "
                                       "in 2021", scale=6, max_lines=5, elem_id="claim")
                    check_btn = gr.Button("Check", variant="primary", scale=1, min_width=100)
                gr.Examples(EXAMPLE_CLAIMS, inputs=[claim], label="Example claims")
                check_html = gr.HTML(elem_id="verdict")
            with gr.Tab("Sources", id="sources") as sources_tab:
                sources_html = gr.HTML(elem_id="sources")
                sources_data = gr.JSON(visible=False)
                with gr.Accordion("Add files", open=True):
                    upload = gr.File(label=f"PDF, TXT, MD or HTML, up to {MAX_UPLOAD_MB} MB each",
                                     file_count="multiple", file_types=UPLOAD_SUFFIXES, elem_id="upload")
                    add_btn = gr.Button("Add to the index", variant="primary")
                    added_html = gr.HTML(elem_id="added")
                    added_data = gr.JSON(visible=False)
                with gr.Accordion("Add a web page or PDF by URL", open=False):
                    with gr.Row(equal_height=True):
                        url_box = gr.Textbox(label="URL", placeholder="https://www.regjeringen.no/en/...",
                                             scale=5, max_lines=1, elem_id="url")
                        url_btn = gr.Button("Fetch and add", variant="primary", scale=1, min_width=100)
                    url_html = gr.HTML(elem_id="url-added")
                    url_data = gr.JSON(visible=False)
                with gr.Accordion("Remove a document", open=False):
                    with gr.Row(equal_height=True):
                        to_remove = gr.Dropdown(label="Document", choices=[], scale=5, allow_custom_value=True,
                                                elem_id="remove-choice")
                        remove_btn = gr.Button("Remove", variant="stop", scale=1, min_width=100)
                    removed_html = gr.HTML()
                    removed_data = gr.JSON(visible=False)

        # Asking and checking are one round trip for the page; API callers get the data itself.
        read = {"concurrency_limit": READERS, "concurrency_id": "read"}
        gr.on([question.submit, ask_btn.click], ask_page, question, answer_html, api_visibility="private", **read)
        gr.on([claim.submit, check_btn.click], check_page, claim, check_html, api_visibility="private", **read)
        gr.api(ask, api_name="ask", **read)
        gr.api(check, api_name="check", **read)
        gr.on([demo.load, sources_tab.select], sources, None, sources_data, api_name="list_sources", **read,
              ).success(show_sources, sources_data, [sources_html, to_remove], **private)
        (add_btn.click(add, upload, added_data, api_name="add_sources", concurrency_limit=1,
                       concurrency_id="write", show_progress_on=added_html)
         .success(render_added, added_data, added_html, **private)
         .then(lambda: None, None, upload, **private)
         .then(sources, None, sources_data, **private)
         .success(show_sources, sources_data, [sources_html, to_remove], **private))
        (gr.on([url_box.submit, url_btn.click], add_url, url_box, url_data, api_name="add_url",
               concurrency_limit=1, concurrency_id="write", show_progress_on=url_html)
         .success(render_added, url_data, url_html, **private)
         .then(sources, None, sources_data, **private)
         .success(show_sources, sources_data, [sources_html, to_remove], **private))
        (remove_btn.click(remove, to_remove, removed_data, api_name="remove_source", concurrency_limit=1,
                          concurrency_id="write",
                          show_progress_on=removed_html)
         .success(render_removed, removed_data, removed_html, **private)
         .then(sources, None, sources_data, **private)
         .success(show_sources, sources_data, [sources_html, to_remove], **private))
    return demo


def file_route(engine: Engine) -> APIRoute:
    """`GET /source/{doc_id}`: the file of a document in the current index, looked up by id only.

    PDFs open inline (the link carries `#page=N`); Office files and e-books are downloads; every other
    kind, HTML included, is sent as plain text so a document's markup can never run in the app's origin.
    """

    def source_file(doc_id: str) -> Response:
        found = local_file(engine, doc_id)
        if found is None:
            return PlainTextResponse("no file for this document in the index", status_code=404)
        path, kind = found
        if kind in OFFICE_MEDIA:  # Word, OpenDocument, PowerPoint, EPUB: the reader's own program opens it
            return FileResponse(path, media_type=OFFICE_MEDIA[kind], filename=path.name, headers=FILE_HEADERS)
        if kind == "pdf":
            media, headers = "application/pdf", FILE_HEADERS
        else:
            media, headers = _text_type(path), TEXT_HEADERS
        return FileResponse(path, media_type=media, filename=path.name, content_disposition_type="inline",
                            headers=headers)

    return APIRoute(f"/{SOURCE_ROUTE}/{{doc_id}}", source_file, methods=["GET"], include_in_schema=False)


def _text_type(path: Path) -> str:
    """text/plain, declaring UTF-8 when the bytes are UTF-8 (a BOM or the browser decides the rest)."""
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "text/plain"
    return "text/plain; charset=utf-8"


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn a user's mistake into a message on the page (and a clean error for API callers)."""
    try:
        yield
    except (BadQuestion, IndexProblem, SourceProblem) as exc:
        raise gr.Error(str(exc), print_exception=False) from None


def launch(engine: Engine, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Start the app; with `block=False` return once it is serving (tests, benchmarks)."""
    demo = build(engine)
    demo.queue(max_size=128, default_concurrency_limit=1)
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=not block, quiet=True,
                max_file_size=f"{MAX_UPLOAD_MB * 2}mb", css=CSS, footer_links=["api"],
                theme=gr.themes.Default(), app_kwargs={"routes": [file_route(engine)]})
    return demo


def serve(index: Path | None = None, host: str = "127.0.0.1", port: int = 7860) -> None:
    """`docqa serve`: load the model and index, then serve until interrupted."""
    t0 = time.perf_counter()
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))  # fail now, not after the model has loaded
    engine = Engine(index)
    engine.embedder.encode(["warm up"])  # load the model now, so the first question is as fast as the rest
    if (engine.root / "CURRENT").is_file():
        engine.index
    demo = launch(engine, host, port, block=False)
    print(f"docqa is ready at http://{host}:{port} ({time.perf_counter() - t0:.1f} s to start; Ctrl-C stops it)",
          flush=True)
    try:
        demo.block_thread()
    finally:
        demo.close(verbose=False)
