"""The `docqa` command line: a thin shell over the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from app.answer import Answer, BadQuestion
from app.format import format_answer, format_report
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
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders [default: corpus/]")] = None,
    index: IndexOpt = None,
    rebuild: Annotated[bool, typer.Option(help="Ignore the existing index and build from scratch")] = False,
    max_mb: Annotated[float, typer.Option(help="Skip files larger than this many MB")] = 50.0,
) -> None:
    """Add documents (.txt .md .html .pdf) to the index; only changed ones are re-embedded."""
    engine = _engine(index)
    try:
        report = engine.ingest(paths or [Path("corpus")], rebuild=rebuild, progress=sys.stderr.isatty(),
                               max_bytes=int(max_mb * 1e6))
    except IndexProblem as exc:
        raise _fail(str(exc)) from None
    typer.echo(format_report(report))
    if report.skipped and not (report.added or report.updated or report.unchanged or report.removed):
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


def _print(result: Answer, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_answer(result))


def main() -> None:
    cli()
