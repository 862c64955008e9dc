"""The documents behind the answers: list them, add uploaded files, remove one, find one's file.

Uploads are copied into `<data dir>/uploads/` under a sanitised name (the data dir is the
index directory's parent, `.docqa/` by default) and ingested incrementally.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.engine import Engine
from index.build import Change
from ingest.discover import DEFAULT_MAX_BYTES
from ingest.fetch import is_url
from ingest.loaders import SUFFIXES
from ingest.reasons import too_large
from ingest.records import IngestReport

MAX_UPLOAD_MB = DEFAULT_MAX_BYTES // 1_000_000  # uploads and URLs, as for `docqa ingest`
MAX_UPLOAD_FILES = 20
UPLOAD_SUFFIXES = sorted(SUFFIXES)  # .txt .md .html .pdf .docx .odt .pptx .epub and variants
_KIND_NAMES = [k.upper() for k in dict.fromkeys(SUFFIXES.values())]
KINDS = ", ".join(_KIND_NAMES[:-1]) + " or " + _KIND_NAMES[-1]  # TXT, MD, HTML, PDF, DOCX, ODT, PPTX or EPUB


class SourceProblem(ValueError):
    """A request about sources cannot be done; the message says why."""


@dataclass
class SourceRow:
    doc_id: str
    title: str
    kind: str
    pages: int | None
    passages: int
    ingested_at: str
    published: str | None
    source: str
    url: str | None
    uploaded: bool  # the file lives in the app's uploads folder
    aliases: list[str]  # other names with the same content, indexed once


@dataclass
class FileResult:
    name: str  # as the user named it
    status: str  # added | updated | unchanged | skipped
    reason: str = ""
    source: str = ""  # where it was saved, once saved
    warnings: list[str] = field(default_factory=list)


def uploads_dir(engine: Engine) -> Path:
    return engine.home / "uploads"


def list_sources(engine: Engine) -> list[dict]:
    """Every indexed document, in index order, as plain data."""
    if not engine.has_index:
        return []
    up = uploads_dir(engine)
    return [asdict(SourceRow(e.doc_id, e.doc.title, e.doc.kind, e.pages, e.n_passages, e.ingested_at,
                             e.doc.published, e.doc.source, e.doc.url, _inside(Path(e.doc.source), up),
                             list(e.aliases)))
            for e in engine.index.docs]


def local_file(engine: Engine, doc_id: str) -> tuple[Path, str] | None:
    """The original file of indexed document `doc_id` and its kind; None for an unknown id, a web
    document or a file that is gone. Only paths the index holds are ever returned."""
    if not engine.has_index:
        return None
    entry = engine.index.doc_by_id.get(doc_id)
    if entry is None or is_url(entry.doc.source):
        return None
    path = Path(entry.doc.source)
    return (path, entry.doc.kind) if path.is_file() else None


def safe_name(name: str) -> str:
    """A file name that is safe to create in one folder: no path, no dot-files, plain characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:80] or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()[:10]
    return f"{stem}.{suffix}" if suffix else stem


def add_uploads(engine: Engine, files: list[tuple[str, Path]], max_mb: float = MAX_UPLOAD_MB) -> list[dict]:
    """Save uploaded files (original name, temporary path) and ingest them; one result per file."""
    if not files:
        raise SourceProblem(f"choose one or more files to add ({KINDS})")
    if len(files) > MAX_UPLOAD_FILES:
        raise SourceProblem(f"{len(files)} files at once is too many; add at most {MAX_UPLOAD_FILES}")
    up = uploads_dir(engine)
    up.mkdir(parents=True, exist_ok=True)
    results: list[FileResult] = []
    saved: dict[str, FileResult] = {}
    for name, tmp in files:
        display = re.split(r"[\\/]", name)[-1] or "(no name)"
        result = FileResult(display, "skipped")
        results.append(result)
        target = up / safe_name(display)
        size = tmp.stat().st_size if tmp.is_file() else -1
        if target.suffix.lower() not in SUFFIXES:
            result.reason = (f"{target.suffix or 'no extension'} files are not supported; "
                             f"add {KINDS}")
        elif size < 0:
            result.reason = "the upload did not arrive; try again"
        elif size > max_mb * 1e6:
            result.reason = too_large(size, int(max_mb * 1e6))
        elif size == 0:
            result.reason = "the file is empty"
        elif not _inside(target, up):  # safe_name makes this impossible; keep the guarantee explicit
            result.reason = "unsafe file name"
        elif str(target) in saved:
            result.reason = f"another file in this upload is also named {target.name}"
        else:
            shutil.copyfile(tmp, target)  # same name again replaces the earlier upload: an update
            result.source = str(target.resolve())
            saved[result.source] = result
    if saved:
        report = engine.ingest([Path(s) for s in saved], max_bytes=int(max_mb * 1e6))
        _merge(report, saved)
        for source, r in saved.items():  # keep no unreadable files; a duplicate stays as an alias
            if r.status == "skipped" and not r.reason.startswith("same content as"):
                Path(source).unlink(missing_ok=True)
    return [asdict(r) for r in results]


def add_urls(engine: Engine, text: str) -> list[dict]:
    """Fetch web pages or PDFs (URLs separated by spaces or lines) and ingest them; one result per URL."""
    urls = list(dict.fromkeys(text.split()))
    if not urls:
        raise SourceProblem("type the address of a web page or PDF (https://...)")
    if len(urls) > MAX_UPLOAD_FILES:
        raise SourceProblem(f"{len(urls)} addresses at once is too many; add at most {MAX_UPLOAD_FILES}")
    results = {u: FileResult(u, "skipped", "" if is_url(u) else "not a web address (use http:// or https://)", u)
               for u in urls}
    fetchable = {u: r for u, r in results.items() if is_url(u)}
    if fetchable:
        _merge(engine.ingest_urls(list(fetchable), max_bytes=int(MAX_UPLOAD_MB * 1e6)), fetchable)
    return [asdict(r) for r in results.values()]


def remove_source(engine: Engine, source: str) -> dict:
    """Drop one document from the index (by source or doc id); delete it if it was uploaded here."""
    rows = {r["source"]: r for r in list_sources(engine)}
    by_id = {r["doc_id"]: r for r in rows.values()}
    row = rows.get(source) or by_id.get(source)
    if row is None:
        raise SourceProblem(f"no indexed document has the source {source!r}")
    report = engine.apply(Change(docs=[], remove={row["source"]}, skipped={}))
    path = Path(row["source"])
    if row["uploaded"] and row["source"] in report.removed and path.is_file():
        path.unlink()
    return {"source": row["source"], "title": row["title"], "removed": row["source"] in report.removed,
            "documents": len(list_sources(engine))}


def _merge(report: IngestReport, saved: dict[str, FileResult]) -> None:
    for status, sources in (("added", report.added), ("updated", report.updated),
                            ("unchanged", report.unchanged)):
        for s in sources:
            if s in saved:
                saved[s].status = status
    for s, why in report.skipped.items():
        if s in saved:
            saved[s].status, saved[s].reason = "skipped", why
    for s, ws in report.warnings.items():
        if s in saved:
            saved[s].warnings = list(ws)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().parent == folder.resolve()
