"""Turn one file's bytes into a Document: text, title, sections, pages, metadata."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import tomllib
from pathlib import Path

import yaml

from ingest.decode import DecodeError, decode_text
from ingest.reasons import first_line
from ingest.records import Document, Region
from ingest.structure import markdown_structure, plain_structure

SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md",
            ".html": "html", ".htm": "html", ".pdf": "pdf"}
META_SUFFIX = ".meta.toml"
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_META_KEYS = {"title", "published", "date", "publisher", "url", "source"}
# Titles and headings are indexed with every passage; a "heading" longer than this
# (a runaway line, a PDF's junk metadata) would crowd the text out of the model's window.
MAX_LABEL_CHARS = 100


class LoadError(ValueError):
    """The file cannot be read as a document; the message says why, in one line."""


def kind_of(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def load_bytes(data: bytes, source: str, kind: str, meta: dict | None = None) -> Document:
    """Parse `data` of the given kind; `meta` (title, published, publisher, url) wins over the file's own."""
    if not data.strip():
        raise LoadError("empty file")
    meta = dict(meta or {})
    if kind == "pdf":
        text, page_starts, file_meta, warnings = _read_pdf(data)
        regions = _page_regions(text, page_starts)
        title = None
    else:
        try:
            text, _ = decode_text(data)
        except DecodeError as exc:
            raise LoadError(str(exc)) from exc
        page_starts, warnings = (), []
        if kind == "html":
            text, file_meta = _read_html(text)
            title, regions = markdown_structure(text)
        else:
            text, file_meta = _split_front_matter(text)
            title, regions = markdown_structure(text) if kind == "md" else plain_structure(text)
    meta = {**file_meta, **{k: v for k, v in meta.items() if v}}
    if not any(text[r.start:r.end].strip() for r in regions):
        raise LoadError("no text found" + (" (scanned PDF? OCR is not available)" if kind == "pdf" else ""))
    if not any(c.isalnum() for r in regions for c in text[r.start:r.end]):
        raise LoadError("no sentences to index (the text has no words)")
    return Document(
        source=source,
        title=_label(str(meta.get("title") or title or "")) or _title_from_source(source),
        text=text,
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        regions=tuple(Region(r.start, r.end, _label(r.section)) if r.section else r for r in regions),
        page_starts=tuple(page_starts),
        published=_iso_date(meta.get("published") or meta.get("date")),
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        warnings=tuple(warnings),
    )


def load_file(path: Path) -> Document:
    """Load a file, taking metadata from a `NAME.meta.toml` beside it if present."""
    kind = kind_of(path)
    if kind is None:
        raise LoadError(f"unsupported file type {path.suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    return load_bytes(data, str(path.resolve()), kind, read_sidecar(path))


def read_sidecar(path: Path) -> dict:
    side = path.with_name(path.name.removesuffix(path.suffix) + META_SUFFIX)
    if not side.is_file():
        return {}
    try:
        meta = tomllib.loads(side.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LoadError(f"bad metadata file {side.name}: {exc}") from exc
    return {k: str(v) for k, v in meta.items() if k in _META_KEYS}


def _split_front_matter(text: str) -> tuple[str, dict]:
    """Metadata from a leading `---` YAML block; the block is blanked, keeping offsets."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return text, {}
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        return text, {}
    if not isinstance(meta, dict):
        return text, {}
    meta = {k: str(v) for k, v in meta.items() if k in _META_KEYS and v is not None}
    return " " * (m.end() - 1) + "\n" + text[m.end():], meta


def _read_html(html: str) -> tuple[str, dict]:
    """Main text as Markdown-ish text (headings kept) and the page's own metadata."""
    import trafilatura

    text = trafilatura.extract(html, output_format="markdown", include_formatting=True,
                               include_links=False, include_images=False, include_comments=False,
                               favor_recall=True, with_metadata=False)
    doc = trafilatura.extract_metadata(html)
    meta: dict = {}
    if doc is not None:
        meta = {"title": doc.title, "published": doc.date, "publisher": doc.sitename, "url": doc.url}
    return text or "", {k: v for k, v in meta.items() if v}


def _read_pdf(data: bytes) -> tuple[str, list[int], dict, list[str]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs each repair it attempts; the one-line reason below is what users need.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if b"%PDF-" not in data[:1024]:
        raise LoadError("not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError) as exc:
        raise LoadError(f"damaged or truncated PDF ({first_line(exc)})") from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise LoadError(f"damaged or truncated PDF ({type(exc).__name__})") from exc
    if not pages:
        raise LoadError("PDF has no pages")
    starts, parts, pos = [], [], 0
    for page in pages:
        page = page.replace("\r\n", "\n").replace("\x00", "")
        starts.append(pos)
        parts.append(page)
        pos += len(page) + 1
    text = "\f".join(parts)
    empty = [i + 1 for i, p in enumerate(pages) if not p.strip()]
    warnings = ([f"no text on page(s) {', '.join(map(str, empty))} (scanned? OCR is not available)"]
                if empty and len(empty) < len(pages) else [])
    meta = {}
    try:
        info = reader.metadata
        if info is not None and info.title:
            meta["title"] = str(info.title)
    except Exception:  # noqa: BLE001 - a damaged info dictionary costs the title, not the text
        pass
    return text, starts, meta, warnings


def _page_regions(text: str, page_starts: list[int]) -> list[Region]:
    """One region per paragraph (blank-line separated) of each page."""
    regions = []
    bounds = list(page_starts) + [len(text) + 1]
    for i in range(len(page_starts)):
        start, end = bounds[i], bounds[i + 1] - 1
        for m in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text[start:end], re.S):
            regions.append(Region(start + m.start(), start + m.end(), None))
    return regions


def _label(text: str) -> str:
    """`text` on one line, cut at a word boundary to at most MAX_LABEL_CHARS."""
    text = " ".join(text.split())
    if len(text) <= MAX_LABEL_CHARS:
        return text
    cut = text[:MAX_LABEL_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _title_from_source(source: str) -> str:
    name = source.rstrip("/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or source


def _iso_date(value: object) -> str | None:
    """YYYY-MM-DD from ISO or DD/MM/YYYY forms; None when it is not a date."""
    if value is None:
        return None
    s = str(value).strip()
    if m := re.match(r"(\d{4})-(\d{2})-(\d{2})", s):
        return m.group(0)
    if m := re.match(r"(\d{1,2})[./](\d{1,2})[./](\d{4})$", s):
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return None
