"""Turn one file's bytes into a Document: text, title, sections, pages, metadata."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import yaml

from ingest.decode import DecodeError, decode_text
from ingest.ocr import OcrSettings
from ingest.office import OFFICE_KINDS, OfficeError, read_office
from ingest.parsed import Parsed
from ingest.pdf import PdfError, read_pdf
from ingest.records import Document, Region
from ingest.structure import markdown_structure, plain_structure

SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md",
            ".html": "html", ".htm": "html", ".pdf": "pdf",
            ".docx": "docx", ".odt": "odt", ".pptx": "pptx", ".epub": "epub"}
# Formats people have that docqa does not read, and why (README: Bad input).
_OLD_OFFICE = "the old binary Office format: save it as {new} or PDF and add that"
REFUSED = {
    ".doc": _OLD_OFFICE.format(new=".docx"), ".ppt": _OLD_OFFICE.format(new=".pptx"),
    ".xls": "a spreadsheet: cells are not sentences docqa can quote; save the prose as PDF or text",
    ".xlsx": "a spreadsheet: cells are not sentences docqa can quote; save the prose as PDF or text",
    ".ods": "a spreadsheet: cells are not sentences docqa can quote; save the prose as PDF or text",
    ".rtf": "RTF has no well-kept Python reader that keeps its structure: save it as .docx or PDF",
}
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


def unsupported(path: Path) -> str:
    """Why a file of this type is not read, in one line."""
    suffix = path.suffix.lower()
    why = REFUSED.get(suffix)
    return f"unsupported file type {path.suffix or '(none)'}" + (f": {why}" if why else "")


def load_bytes(data: bytes, source: str, kind: str, meta: dict | None = None,
               ocr: OcrSettings = OcrSettings()) -> Document:
    """Parse `data` of the given kind; `meta` (title, published, publisher, url) wins over the file's own.
    Scanned PDF pages are read by OCR as `ocr` says."""
    if not data.strip():
        raise LoadError("empty file")
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = _parse(data, kind, sha256, ocr)
    text, regions = parsed.text, parsed.regions
    meta = {**parsed.meta, **{k: v for k, v in (meta or {}).items() if v}}
    if not any(text[r.start:r.end].strip() for r in regions):
        raise LoadError("no text found")
    if not any(c.isalnum() for r in regions for c in text[r.start:r.end]):
        raise LoadError("no sentences to index (the text has no words)")
    return Document(
        source=source,
        title=_label(str(meta.get("title") or parsed.title or "")) or _title_from_source(source),
        text=text,
        kind=kind,
        sha256=sha256,
        regions=tuple(Region(r.start, r.end, _label(r.section)) if r.section else r for r in regions),
        page_starts=tuple(parsed.page_starts),
        published=_iso_date(meta.get("published") or meta.get("date")),
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        warnings=tuple(parsed.warnings),
        author=_label(str(meta["author"])) if meta.get("author") else None,
        ocr_pages=tuple(parsed.ocr_pages),
    )


def _parse(data: bytes, kind: str, sha256: str, ocr: OcrSettings) -> Parsed:
    """The reader for `kind`, its errors turned into LoadError."""
    try:
        if kind == "pdf":
            return read_pdf(data, sha256, ocr)
        if kind in OFFICE_KINDS:
            return read_office(data, kind)
        text, _ = decode_text(data)
    except (PdfError, OfficeError, DecodeError) as exc:
        raise LoadError(str(exc)) from exc
    if kind == "html":
        text, file_meta = read_html(text)
        title, regions = markdown_structure(text)
    else:
        text, file_meta = _split_front_matter(text)
        title, regions = markdown_structure(text) if kind == "md" else plain_structure(text)
    return Parsed(text, regions, title=title, meta=file_meta)


def load_file(path: Path, ocr: OcrSettings = OcrSettings()) -> Document:
    """Load a file, taking metadata from a `NAME.meta.toml` beside it if present."""
    kind = kind_of(path)
    if kind is None:
        raise LoadError(unsupported(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    return load_bytes(data, str(path.resolve()), kind, read_sidecar(path), ocr)


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


def read_html(html: str) -> tuple[str, dict]:
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
