"""The `docqa` command line: a thin shell over the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from app.answer import Answer, BadQuestion
from app.render_terminal import format_answer, format_report
from index.search import RETRIEVERS
from index.settings import DEFAULT_INDEX, BuildSettings, Config
from ingest.discover import DEFAULT_MAX_BYTES
from ingest.fetch import DEFAULT_TIMEOUT
from index.store import IndexProblem

cli = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of your documents and get answers that quote and cite them.")

ONE_OF_RETRIEVERS = f"{', '.join(RETRIEVERS[:-1])} or {RETRIEVERS[-1]}"
IndexOpt = Annotated[Optional[Path], typer.Option(
    "--index", help="Index directory, milvus-lite:PATH.db or milvus://HOST:PORT/COLLECTION (token from "
                    "DOCQA_MILVUS_TOKEN)", show_default=f"DOCQA_INDEX, else {DEFAULT_INDEX}")]


def _engine(index: Path | None):  # noqa: ANN202 - imported lazily: torch is slow to import
    from app.engine import Engine

    try:
        return Engine(config=Config.from_env(index))
    except IndexProblem as exc:  # e.g. an index address that cannot be read
        raise _fail(str(exc)) from None


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(code)


def _ocr_settings(lang: str, off: bool):  # noqa: ANN202 - ingest.ocr.OcrSettings, imported lazily
    """The OCR settings `--ocr-lang`/`--no-ocr` ask for; a language asked for by name must be installed."""
    from ingest.ocr import OcrSettings, OcrUnavailable, check_languages

    ocr = OcrSettings(enabled=not off, lang=lang)
    if not off and lang != OcrSettings().lang:
        try:
            check_languages(lang)
        except OcrUnavailable as exc:
            raise _fail(str(exc), 2) from None
    return ocr


@cli.command()
def ingest(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="Files, folders or http(s) URLs", show_default="./corpus, else the shipped corpus")] = None,
    index: IndexOpt = None,
    rebuild: Annotated[bool, typer.Option(help="Ignore the existing index and build from scratch")] = False,
    max_mb: Annotated[Optional[float], typer.Option(
        min=0.001, help="Skip files and downloads larger than this many MB",
        show_default=f"{DEFAULT_MAX_BYTES / 1e6:g}")] = None,
    related: Annotated[bool, typer.Option("--related", help="Fetch the documents listed in the default corpus's related.toml")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each URL")] = DEFAULT_TIMEOUT,
    ray: Annotated[bool, typer.Option("--ray", help="Embed on Ray (a local Ray instance unless --ray-address)")] = False,
    ray_address: Annotated[Optional[str], typer.Option(
        metavar="HOST:PORT", help="A Ray cluster's head to embed on (implies --ray)")] = None,
    ray_workers: Annotated[int, typer.Option(min=1, help="Ray actors embedding at once (one ONNX session each)")] = 2,
    ocr_lang: Annotated[str, typer.Option(
        help="Tesseract languages for scanned PDF pages, joined by +")] = "eng+nor",
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Do not OCR scanned PDF pages")] = False,
) -> None:
    """Add documents (.txt .md .html .pdf .docx .odt .pptx .epub, or web pages and PDFs by URL) to the
    index; only changed ones are re-embedded. Scanned PDF pages are read by OCR (cached beside the index)."""
    from ingest.related import RelatedError

    ocr = _ocr_settings(ocr_lang, no_ocr)
    try:
        engine = _engine(index)
        if ray or ray_address:
            engine.use_ray(ray_address, ray_workers)
        report = engine.ingest_sources(paths, related=related, rebuild=rebuild,
                                       progress=sys.stderr.isatty(),
                                       max_bytes=int(max_mb * 1e6) if max_mb else None,
                                       timeout=timeout, ocr=ocr)
    except (IndexProblem, RelatedError) as exc:
        raise _fail(str(exc)) from None
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
    retriever: Annotated[str, typer.Option(help=ONE_OF_RETRIEVERS)] = RETRIEVERS[0],
    index: IndexOpt = None,
) -> None:
    """Ask every question in a file; write per-question results and print the metrics."""
    from app.evaluation.questions import EvalError, format_metrics, run_eval

    try:
        result = run_eval(questions, out, index, report, retriever, progress=sys.stderr.isatty())
    except (EvalError, IndexProblem) as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps({**result.metrics, "by_type": result.by_type}, indent=2) if as_json
               else format_metrics(result))


@cli.command()
def check(
    claim: Annotated[Optional[str], typer.Argument(help="The claim to check; or give --file")] = None,
    file: Annotated[Optional[Path], typer.Option(
        "--file", help="Check every claim in this JSONL file (claim, and optionally id and expect)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="With --file: one result per line (JSONL)")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="With --file: write an HTML report")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with --file: the metrics)")] = False,
    index: IndexOpt = None,
) -> None:
    """Check a claim against the sources: supported, contradicted, related or not found, with the evidence."""
    from app.claims import check_claim
    from app.evaluation.claims import ClaimsError, check_all, format_metrics
    from app.render_terminal import format_check

    if (claim is None) == (file is None):
        raise _fail("give a claim or --file CLAIMS.jsonl (not both)", 2)
    if file is not None and out is None:
        raise _fail("--file needs --out RESULTS.jsonl", 2)
    engine = _engine(index)
    try:
        if file is not None:
            run = check_all(file, out, engine, report, progress=sys.stderr.isatty())  # type: ignore[arg-type]
            typer.echo(json.dumps(run.metrics, indent=2) if as_json else format_metrics(run))
            return
        result = check_claim(engine.index, engine.embedder, claim)  # type: ignore[arg-type]
    except (ClaimsError, IndexProblem) as exc:
        raise _fail(str(exc)) from None
    except BadQuestion as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if as_json else format_check(result))


@cli.command()
def beir(
    dataset: Annotated[Path, typer.Argument(help="BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/)")],
    split: Annotated[str, typer.Option(help="Which qrels/SPLIT.tsv to score")] = "test",
    retriever: Annotated[Optional[list[str]], typer.Option(
        help=f"{ONE_OF_RETRIEVERS}; repeat to compare", show_default=RETRIEVERS[0])] = None,
    run_out: Annotated[Optional[Path], typer.Option(
        help="Write the TREC run here (NAME.RETRIEVER.EXT when several)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
    index: Annotated[Optional[Path], typer.Option(
        "--index", help="Index directory; an index holding other documents is refused",
        show_default="DOCQA_INDEX, else .docqa/beir/DATASET plus any non-default build settings")] = None,
    chunk_tokens: Annotated[Optional[int], typer.Option(
        min=16, help="Passage size in model tokens (the model's limit caps it)",
        show_default=str(BuildSettings.chunk_tokens))] = None,
    bm25_k1: Annotated[Optional[float], typer.Option(
        min=0.0, help="BM25 k1", show_default=str(BuildSettings.bm25_k1))] = None,
    bm25_b: Annotated[Optional[float], typer.Option(
        min=0.0, max=1.0, help="BM25 b", show_default=str(BuildSettings.bm25_b))] = None,
    bm25_context: Annotated[Optional[int], typer.Option(
        min=0, help="Neighbouring passages BM25 indexes with each passage, per side",
        show_default=str(BuildSettings.bm25_context))] = None,
) -> None:
    """Score retrieval on a BEIR dataset: nDCG@10, Recall@10/100 and MRR@10 with pytrec_eval."""
    from dataclasses import asdict

    from app.evaluation.beir import BeirError, evaluate_beir, format_result

    bad = [r for r in retriever or [] if r not in RETRIEVERS]
    if bad:
        raise _fail(f"unknown retriever {bad[0]!r}: use {ONE_OF_RETRIEVERS}", 2)
    build = {k: v for k, v in (("chunk_tokens", chunk_tokens), ("bm25_k1", bm25_k1), ("bm25_b", bm25_b),
                                ("bm25_context", bm25_context)) if v is not None}
    try:
        result = evaluate_beir(dataset, split, retriever or [RETRIEVERS[0]], index, run_out,  # type: ignore[arg-type]
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
