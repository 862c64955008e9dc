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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # nothing leaves this machine

import gradio as gr  # noqa: E402 - after the environment is set
from fastapi.responses import FileResponse, PlainTextResponse, Response  # noqa: E402 - gradio's server
from fastapi.routing import APIRoute  # noqa: E402

from app.answer import BadQuestion  # noqa: E402
from app.claims import check_claim
from app.engine import Engine
from app.sources import (KINDS, MAX_UPLOAD_MB, UPLOAD_SUFFIXES, SourceProblem, add_uploads, add_urls, list_sources,
                         local_file, remove_source)
from app.render_html import (CSS, SOURCE_ROUTE, DocText, render_added, render_answer, render_check,
                             render_removed, render_sources)
from index.settings import Config
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


READ = {"concurrency_limit": READERS, "concurrency_id": "read"}  # asks and checks share the readers
WRITE = {"concurrency_limit": 1, "concurrency_id": "write"}  # one change to the index at a time
PRIVATE = {"api_visibility": "private", "queue": False}  # page plumbing, not API endpoints


def build(engine: Engine) -> gr.Blocks:
    """The Blocks app over `engine` (not launched): one function per tab."""

    def doc_text(doc_id: str) -> str | None:
        entry = engine.index.doc_by_id.get(doc_id)
        return entry.doc.text if entry else None

    with gr.Blocks(title="docqa: ask your documents", analytics_enabled=False) as demo:
        gr.HTML('<h1 style="margin:0">docqa</h1><p class="dq-meta" style="margin:.2rem 0 0">'
                "Answers quoted from your documents, with the exact sentences cited.</p>")
        with gr.Tabs():
            _ask_tab(engine, doc_text)
            _check_tab(engine, doc_text)
            _sources_tab(engine, demo)
    return demo


def _ask_tab(engine: Engine, doc_text: DocText) -> None:
    """Ask: a question box, example questions, the answer; API endpoint `ask`."""

    def ask(question: str) -> dict:
        """Answer a question from the indexed documents; the same JSON as `docqa ask --json`."""
        with _user_errors():
            return engine.ask(question).to_dict()

    with gr.Tab("Ask", id="ask"):
        _text_query(ask, lambda result: render_answer(result, doc_text), ("Question", "Ask"), "question",
                    "Ask a question and press Enter", EXAMPLE_QUESTIONS, "answer", max_lines=3, autofocus=True)


def _check_tab(engine: Engine, doc_text: DocText) -> None:
    """Check a claim: a claim box, example claims, the verdict with its evidence; API endpoint `check`."""

    def check(claim: str) -> dict:
        """Check a claim against the sources: verdict (supported, contradicted, related, not_found), label,
        reason, support, evidence and differences; the same JSON as `docqa check --json`."""
        with _user_errors():
            return check_claim(engine.index, engine.embedder, claim).to_dict()

    with gr.Tab("Check a claim", id="check"):
        _text_query(check, lambda result: render_check(result, doc_text), ("Claim", "Check"), "claim",
                    "Paste a statement, e.g. Norway joined PESCO in 2021", EXAMPLE_CLAIMS, "verdict", max_lines=5)


def _text_query(endpoint: Callable[[str], dict], render: Callable[[dict], str], labels: tuple[str, str],
                box_id: str, placeholder: str, examples: list[str], out_id: str, **box: object) -> None:
    """A text box (`labels`: its label and its button's) with examples, and the rendered result below.
    Enter or the button runs `endpoint` and renders it in one round trip; API callers get `endpoint`'s
    data, under its name."""
    label, action = labels
    with gr.Row(equal_height=True):
        text = gr.Textbox(label=label, placeholder=placeholder, scale=6, elem_id=box_id, **box)
        button = gr.Button(action, variant="primary", scale=1, min_width=100)
    gr.Examples(examples, inputs=[text], label=f"Example {label.lower()}s")
    shown = gr.HTML(elem_id=out_id)
    gr.on([text.submit, button.click], lambda t: render(endpoint(t)), text, shown, api_visibility="private",
          **READ)
    gr.api(endpoint, api_name=endpoint.__name__, **READ)


def _sources_tab(engine: Engine, demo: gr.Blocks) -> None:
    """Sources: the indexed documents; add files or a URL, remove a document (API endpoints
    `list_sources`, `add_sources`, `add_url`, `remove_source`); the table is redrawn after each."""

    def sources() -> list[dict]:
        """Every indexed document: doc_id, title, kind, pages, passages, ingested_at, source, url."""
        with _user_errors():
            return list_sources(engine)

    def add(files: list[str] | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> list[dict]:
        """Add uploaded files (any of `KINDS`); one result per file: added, updated or skipped + reason."""
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

    with gr.Tab("Sources", id="sources") as tab:
        table, data = gr.HTML(elem_id="sources"), gr.JSON(visible=False)
        f = _source_forms()
    shown = [table, f["choice"]]

    def redraw(event):  # noqa: ANN001, ANN202 - a gradio event dependency
        return event.then(sources, None, data, **PRIVATE).success(_show_sources, data, shown, **PRIVATE)

    gr.on([demo.load, tab.select], sources, None, data, api_name="list_sources", **READ,
          ).success(_show_sources, data, shown, **PRIVATE)
    redraw(f["add_btn"].click(add, f["upload"], f["added_data"], api_name="add_sources",
                              show_progress_on=f["added_html"], **WRITE)
           .success(render_added, f["added_data"], f["added_html"], **PRIVATE)
           .then(lambda: None, None, f["upload"], **PRIVATE))  # clear the upload box
    redraw(gr.on([f["url_box"].submit, f["url_btn"].click], add_url, f["url_box"], f["url_data"],
                 api_name="add_url", show_progress_on=f["url_html"], **WRITE)
           .success(render_added, f["url_data"], f["url_html"], **PRIVATE))
    redraw(f["remove_btn"].click(remove, f["choice"], f["removed_data"], api_name="remove_source",
                                 show_progress_on=f["removed_html"], **WRITE)
           .success(render_removed, f["removed_data"], f["removed_html"], **PRIVATE))


def _source_forms() -> dict[str, gr.components.Component]:
    """The add-files, add-URL and remove forms' components, by name."""
    f: dict[str, gr.components.Component] = {}
    with gr.Accordion("Add files", open=True):
        f["upload"] = gr.File(label=f"{KINDS}, up to {MAX_UPLOAD_MB} MB each",
                              file_count="multiple", file_types=UPLOAD_SUFFIXES, elem_id="upload")
        f["add_btn"] = gr.Button("Add to the index", variant="primary")
        f["added_html"], f["added_data"] = gr.HTML(elem_id="added"), gr.JSON(visible=False)
    with gr.Accordion("Add a web page or PDF by URL", open=False):
        with gr.Row(equal_height=True):
            f["url_box"] = gr.Textbox(label="URL", placeholder="https://www.regjeringen.no/en/...", scale=5,
                                      max_lines=1, elem_id="url")
            f["url_btn"] = gr.Button("Fetch and add", variant="primary", scale=1, min_width=100)
        f["url_html"], f["url_data"] = gr.HTML(elem_id="url-added"), gr.JSON(visible=False)
    with gr.Accordion("Remove a document", open=False):
        with gr.Row(equal_height=True):
            f["choice"] = gr.Dropdown(label="Document", choices=[], scale=5, allow_custom_value=True,
                                      elem_id="remove-choice")
            f["remove_btn"] = gr.Button("Remove", variant="stop", scale=1, min_width=100)
        f["removed_html"], f["removed_data"] = gr.HTML(), gr.JSON(visible=False)
    return f


def _show_sources(rows: list[dict]) -> tuple[str, gr.Dropdown]:
    choices = [(f'{r["title"]} ({Path(r["source"]).name or r["source"]})', r["source"]) for r in rows]
    return render_sources(rows), gr.Dropdown(choices=choices, value=None)


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
    engine = Engine(config=Config.from_env(index))
    engine.embedder.encode(["warm up"])  # load the model now, so the first question is as fast as the rest
    if engine.has_index:
        engine.index
    demo = launch(engine, host, port, block=False)
    print(f"docqa is ready at http://{host}:{port} ({time.perf_counter() - t0:.1f} s to start; Ctrl-C stops it)",
          flush=True)
    try:
        demo.block_thread()
    finally:
        demo.close(verbose=False)
