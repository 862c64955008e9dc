"""PDF files as text with pages: pypdf for the text layer, OCR (ingest/ocr.py) for scanned pages."""

from __future__ import annotations

import io
import logging
import re

from ingest.ocr import OcrSettings, OcrUnavailable, ocr_pdf_pages
from ingest.parsed import Parsed, page_list
from ingest.reasons import first_line
from ingest.records import Region


class PdfError(ValueError):
    """The PDF cannot be read; the message says why, in one line."""


def read_pdf(data: bytes, sha256: str, ocr: OcrSettings) -> Parsed:
    """Text per page, joined by form feeds; pages without a text layer are OCR'd when `ocr` allows."""
    pages, reader = _text_layer(data)
    empty = [i + 1 for i, p in enumerate(pages) if not p.strip()]
    ocr_pages, warnings = _read_scanned(data, sha256, pages, empty, ocr) if empty else ([], [])
    if not any(p.strip() for p in pages):
        raise PdfError("no text found (scanned PDF: OCR found no legible text)")
    starts, parts, pos = [], [], 0
    for page in pages:
        page = page.replace("\r\n", "\n").replace("\x00", "")
        starts.append(pos)
        parts.append(page)
        pos += len(page) + 1
    text = "\f".join(parts)
    return Parsed(text, page_regions(text, starts), page_starts=starts, meta=_info(reader),
                  warnings=warnings, ocr_pages=ocr_pages)


def _text_layer(data: bytes) -> tuple[list[str], object]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs each repair it attempts; the one-line reason is what users need.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if b"%PDF-" not in data[:1024]:
        raise PdfError("not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError("encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError) as exc:
        raise PdfError(f"damaged or truncated PDF ({first_line(exc)})") from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise PdfError(f"damaged or truncated PDF ({type(exc).__name__})") from exc
    if not pages:
        raise PdfError("PDF has no pages")
    return pages, reader


def _read_scanned(data: bytes, sha256: str, pages: list[str], empty: list[int],
                  ocr: OcrSettings) -> tuple[list[int], list[str]]:
    """OCR the `empty` pages into `pages`; returns the pages OCR read and the report lines.
    Without OCR, the empty pages are named (or, when no page has text, the PDF is refused)."""
    try:
        if not ocr.enabled:
            raise OcrUnavailable("OCR is off (--no-ocr)")
        result = ocr_pdf_pages(data, sha256, empty, ocr)
    except OcrUnavailable as exc:
        why = str(exc) if not ocr.enabled else f"OCR is not available: {exc}"
        if len(empty) == len(pages):
            raise PdfError(f"no text found (scanned PDF? {why})") from None
        return [], [f"no text on page(s) {page_list(empty)} (scanned? {why})"]
    for page, text in result.text.items():
        pages[page - 1] = text
    legible = sorted(p for p, t in result.text.items() if t.strip())
    return legible, _ocr_notes(result.recognised, result.cached, legible, empty, ocr.lang)


def _ocr_notes(recognised: list[int], cached: list[int], legible: list[int], scanned: list[int],
               lang: str) -> list[str]:
    """One line on what OCR did (so a re-ingest shows it came from the cache), one on blank pages."""
    done = [f"page(s) {page_list(recognised)} recognised now"] if recognised else []
    done += [f"page(s) {page_list(cached)} taken from the OCR cache"] if cached else []
    notes = [f"OCR ({lang}) of scanned page(s) {page_list(scanned)}: {'; '.join(done)}"]
    blank = sorted(set(scanned) - set(legible))
    if blank:
        notes.append(f"no legible text on page(s) {page_list(blank)} (OCR found none)")
    return notes


def _info(reader: object) -> dict:
    try:
        info = reader.metadata  # type: ignore[attr-defined]
        if info is not None and info.title:
            return {"title": str(info.title)}
    except Exception:  # noqa: BLE001 - a damaged info dictionary costs the title, not the text
        pass
    return {}


def page_regions(text: str, page_starts: list[int]) -> list[Region]:
    """One region per paragraph (blank-line separated) of each page."""
    regions = []
    bounds = list(page_starts) + [len(text) + 1]
    for i in range(len(page_starts)):
        start, end = bounds[i], bounds[i + 1] - 1
        for m in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text[start:end], re.S):
            regions.append(Region(start + m.start(), start + m.end(), None))
    return regions
