"""The `docqa` command line: a thin shell over the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from app.answer import Answer, BadQuestion
from app.render_terminal import format_answer, format_report
from index.store import IndexProblem

cli = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of your documents and get answers that quote and cite them.")

IndexOpt = Annotated[Optional[Path], typer.Option("--index", envvar="DOCQA_INDEX",
                                                  help="Index directory [default: .docqa/index]")]


def _engine(index: Path | None):  # noqa: ANN202 - imported lazily: torch is slow to import
    from app.engine import Engine

    return Engine(index)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(code)


@cli.command()
def ingest(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="Files, folders or http(s) URLs [default: ./corpus, else the shipped corpus]")] = None,
    index: IndexOpt = None,
    rebuild: Annotated[bool, typer.Option(help="Ignore the existing index and build from scratch")] = False,
    max_mb: Annotated[Optional[float], typer.Option(
        min=0.001, help="Skip files and downloads larger than this many MB [default: 50]")] = None,
    related: Annotated[bool, typer.Option("--related", help="Fetch the documents listed in the default corpus's related.toml")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each URL")] = 20.0,
    ocr_lang: Annotated[str, typer.Option(
        help="Tesseract languages for scanned PDF pages, joined by +")] = "eng+nor",
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Do not OCR scanned PDF pages")] = False,
) -> None:
    """Add documents (.txt .md .html .pdf .docx .odt .pptx .epub, or web pages and PDFs by URL) to the
    index; only changed ones are re-embedded. Scanned PDF pages are read by OCR (cached beside the index)."""
    from ingest.discover import default_corpus
    from ingest.fetch import is_url, merge_reports
    from ingest.ocr import OcrSettings, OcrUnavailable, check_languages
    from ingest.related import RelatedError, read_related

    ocr = OcrSettings(enabled=not no_ocr, lang=ocr_lang)
    if not no_ocr and ocr_lang != OcrSettings().lang:  # a language asked for by name must be there
        try:
            check_languages(ocr_lang)
        except OcrUnavailable as exc:
            raise _fail(str(exc), 2) from None
    engine = _engine(index)
    max_bytes = int(max_mb * 1e6) if max_mb else None  # None: the engine's default
    urls: list = [p for p in paths or [] if is_url(p)]
    files = [Path(p) for p in paths or [] if not is_url(p)]
    try:
        urls += read_related() if related else []
        reports = []
        if files or not (urls or related):
            reports.append(engine.ingest(files or [default_corpus()], rebuild=rebuild,
                                         progress=sys.stderr.isatty(), max_bytes=max_bytes, ocr=ocr))
        if urls:
            reports.append(engine.ingest_urls(urls, timeout=timeout, max_bytes=max_bytes,
                                              rebuild=rebuild and not reports))
    except (IndexProblem, RelatedError) as exc:
        raise _fail(str(exc)) from None
    report = merge_reports(*reports)
    typer.echo(format_report(report))
    if not (report.added or report.updated or report.unchanged or report.removed):
        raise _fail("nothing was ingested", 1)


@cli.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="The question; omit it for a prompt")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Passages to show")] = 5,
    index: IndexOpt = None,
) -> None:
    """Answer a question by quoting the sources, or say they do not answer it."""
    engine = _engine(index)
    try:
        if question is not None:
            _print(engine.ask(question, k=k), as_json)
            return
        typer.echo("Ask a question (empty line or Ctrl-D to quit).")
        for line in sys.stdin if not sys.stdin.isatty() else iter(lambda: input("? "), ""):
            if not line.strip():
                break
            try:
                _print(engine.ask(line, k=k), as_json)
            except BadQuestion as exc:
                typer.secho(f"error: {exc}", err=True, fg="red")
    except (IndexProblem, BadQuestion) as exc:
        raise _fail(str(exc), 2 if isinstance(exc, BadQuestion) else 1) from None
    except EOFError:
        pass


@cli.command("eval")
def eval_(
    questions: Annotated[Path, typer.Argument(help="Questions file (.jsonl or .csv): id, question, answer, doc_id")],
    out: Annotated[Path, typer.Option("--out", help="Per-question results (JSONL)")],
    report: Annotated[Optional[Path], typer.Option("--report", help="Write an HTML report with plots")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON")] = False,
    retriever: Annotated[str, typer.Option(help="hybrid, dense or bm25")] = "hybrid",
    index: IndexOpt = None,
) -> None:
    """Ask every question in a file; write per-question results and print the metrics."""
    from app.evaluation.questions import EvalError, format_metrics, run_eval

    try:
        result = run_eval(questions, out, index, report, retriever, progress=sys.stderr.isatty())
    except (EvalError, IndexProblem) as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(result.metrics, indent=2) if as_json else format_metrics(result))


@cli.command()
def beir(
    dataset: Annotated[Path, typer.Argument(help="BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/)")],
    split: Annotated[str, typer.Option(help="Which qrels/SPLIT.tsv to score")] = "test",
    retriever: Annotated[Optional[list[str]], typer.Option(
        help="dense, bm25 or hybrid; repeat to compare [default: hybrid]")] = None,
    run_out: Annotated[Optional[Path], typer.Option(
        help="Write the TREC run here (NAME.RETRIEVER.EXT when several)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
    index: Annotated[Optional[Path], typer.Option(
        "--index", help="Index directory [default: DOCQA_INDEX, else .docqa/beir/DATASET plus any "
                        "non-default build settings; an index holding other documents is refused]")] = None,
    chunk_tokens: Annotated[Optional[int], typer.Option(
        min=16, help="Passage size in model tokens [default: 160; the model's limit caps it]")] = None,
    bm25_k1: Annotated[Optional[float], typer.Option(min=0.0, help="BM25 k1 [default: 0.9]")] = None,
    bm25_b: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="BM25 b [default: 0.4]")] = None,
    bm25_context: Annotated[Optional[int], typer.Option(
        min=0, help="Neighbouring passages BM25 indexes with each passage, per side [default: 0]")] = None,
) -> None:
    """Score retrieval on a BEIR dataset: nDCG@10, Recall@10/100 and MRR@10 with pytrec_eval."""
    from dataclasses import asdict

    from app.evaluation.beir import BeirError, evaluate_beir, format_result

    bad = [r for r in retriever or [] if r not in ("dense", "bm25", "hybrid")]
    if bad:
        raise _fail(f"unknown retriever {bad[0]!r}: use dense, bm25 or hybrid", 2)
    build = {k: v for k, v in (("chunk_tokens", chunk_tokens), ("bm25_k1", bm25_k1), ("bm25_b", bm25_b),
                                ("bm25_context", bm25_context)) if v is not None}
    try:
        result = evaluate_beir(dataset, split, retriever or ["hybrid"], index, run_out,  # type: ignore[arg-type]
                               progress=sys.stderr.isatty(), build=build)
    except (BeirError, IndexProblem) as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(asdict(result), indent=2) if as_json else format_result(result))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes the app to your network")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 7860,
    index: IndexOpt = None,
) -> None:
    """Start the web app: ask, check a claim, and add or remove sources."""
    from app.ui import serve as run_app

    try:
        run_app(index, host, port)
    except IndexProblem as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:  # the port is taken or the address is not this machine's
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _print(result: Answer, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_answer(result))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
