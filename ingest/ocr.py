"""Text for scanned PDF pages: render with PDFium, recognise with Tesseract, cache by content hash.

Only pages without a text layer come here. A page's OCR text is cached under the PDF's
SHA-256, the page number, the languages and the resolution, so re-ingesting an unchanged
scan reads the cache instead of running Tesseract again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from ingest.reasons import first_line

DEFAULT_LANG = "eng+nor"
DPI = 300  # Tesseract reads body text best at about 300 dpi
CACHE_VERSION = 1  # bump when the text made from Tesseract's output changes
# A page is legible when Tesseract is this sure (0-100) of enough real words on it:
# speckles, rules and photos come back as a few short low-confidence "words".
MIN_CONFIDENCE = 60
MIN_WORDS = 3
BLANK_SHARE = 0.0005  # a page with fewer dark pixels than this share is blank (a page number at most)
PAGE_TIMEOUT_S = 600
MAX_SIDE_PX = 7_000  # a damaged or poster-sized page is rendered smaller rather than filling memory
_LANGS = re.compile(r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
_PDFIUM = threading.Lock()


class OcrUnavailable(RuntimeError):
    """OCR cannot run here; the message says why and what to install."""


@dataclass(frozen=True)
class OcrSettings:
    """Whether and how scanned pages are read; `cache_dir` None means no cache."""

    enabled: bool = True
    lang: str = DEFAULT_LANG
    cache_dir: Path | None = None
    progress: bool = False  # a progress bar per page on stderr

    def beside(self, home: Path, progress: bool = False) -> OcrSettings:
        """These settings for an ingest into an index whose local files live in `home` (the folder
        holding the index directory or Milvus Lite file): cached in `home/ocr/` (unless a cache is
        named already), with a progress bar when `progress`."""
        return replace(self, cache_dir=self.cache_dir or home / "ocr", progress=progress)


@dataclass
class OcrResult:
    """Text per page (1-based; "" where nothing legible was found) and where it came from."""

    text: dict[int, str] = field(default_factory=dict)
    recognised: list[int] = field(default_factory=list)  # pages Tesseract read in this run
    cached: list[int] = field(default_factory=list)  # pages taken from the cache


def check_languages(lang: str) -> None:
    """Raise OcrUnavailable unless Tesseract is installed with every language in `lang` (e.g. eng+nor)."""
    if not _LANGS.match(lang):
        raise OcrUnavailable(f"bad OCR language list {lang!r}: use Tesseract codes joined by +, e.g. eng+nor")
    missing = [code for code in lang.split("+") if code not in _installed_languages()]
    if missing:
        raise OcrUnavailable(f"Tesseract has no data for {', '.join(missing)}: install "
                             + " ".join(f"tesseract-ocr-{c.lower().replace('_', '-')}" for c in missing))


@cache
def _installed_languages() -> frozenset[str]:
    if shutil.which("tesseract") is None:
        raise OcrUnavailable("tesseract is not installed (make ocr)")
    import pytesseract

    return frozenset(pytesseract.get_languages(config=""))


def ocr_pdf_pages(pdf: bytes, sha256: str, pages: list[int], settings: OcrSettings) -> OcrResult:
    """Recognise the text of `pages` (1-based) of the PDF whose bytes hash to `sha256`."""
    result = OcrResult()
    todo = []
    for page in pages:
        hit = _cache_read(settings.cache_dir, _cache_key(sha256, page, settings.lang))
        if hit is None:
            todo.append(page)
        else:
            result.text[page] = hit
            result.cached.append(page)
    if not todo:
        return result  # all from the cache: Tesseract is not needed
    check_languages(settings.lang)
    import pypdfium2 as pdfium
    from tqdm import tqdm

    with _PDFIUM:  # PDFium is not thread-safe; the app may ingest from several requests
        try:
            doc = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:  # pypdf read the file, PDFium cannot: no page images
            raise OcrUnavailable(f"PDFium cannot render this PDF's pages ({exc})") from exc
        try:
            bar = tqdm(todo, desc="OCR", unit="page", leave=False,
                       disable=not (settings.progress and sys.stderr.isatty()))
            for page in bar:
                text = recognise(_render(doc, page), settings.lang)
                result.text[page] = text
                result.recognised.append(page)
                _cache_write(settings.cache_dir, _cache_key(sha256, page, settings.lang), text)
        finally:
            doc.close()
    return result


def _render(doc: object, page: int) -> object:
    """Page `page` as a greyscale PIL image at DPI, or smaller when the page is huge."""
    import pypdfium2 as pdfium

    try:
        p = doc[page - 1]  # type: ignore[index]
        scale = min(DPI / 72, MAX_SIDE_PX / max(*p.get_size(), 1))
        return p.render(scale=scale, grayscale=True).to_pil()
    except pdfium.PdfiumError as exc:
        raise OcrUnavailable(f"PDFium cannot render page {page} ({exc})") from exc


def recognise(image: object, lang: str = DEFAULT_LANG) -> str:
    """The text Tesseract reads on a page image (a PIL image): words joined by spaces, lines by
    newlines, paragraphs by blank lines; "" when nothing on it is legible."""
    import pytesseract
    from PIL import ImageFilter

    # Scans carry specks that Tesseract reads as stray marks (". | ‘"); a 3x3 median removes
    # isolated specks at 300 dpi and keeps letter strokes (CER on degraded pages: 2.7% -> 0.2%).
    image = image.filter(ImageFilter.MedianFilter(3)).convert("L")  # type: ignore[attr-defined]
    # Tesseract can spend minutes hunting for text in the grain of a blank page: skip pages with
    # (almost) no dark pixels left.
    if sum(image.histogram()[:128]) < BLANK_SHARE * image.width * image.height:
        return ""
    try:
        data = pytesseract.image_to_data(image, lang=lang, output_type=pytesseract.Output.DICT,
                                         timeout=PAGE_TIMEOUT_S)
    except (pytesseract.TesseractError, RuntimeError) as exc:  # RuntimeError: the timeout
        raise OcrUnavailable(f"tesseract failed ({first_line(exc)})") from exc
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    sure = 0
    for i, word in enumerate(data["text"]):
        word = word.strip()
        if not word:
            continue
        key = (data["block_num"][i], data["par_num"][i])
        paragraphs.setdefault(key, {}).setdefault(data["line_num"][i], []).append(word)
        if float(data["conf"][i]) >= MIN_CONFIDENCE and sum(c.isalnum() for c in word) >= 2:
            sure += 1
    if sure < MIN_WORDS:
        return ""
    return "\n\n".join("\n".join(" ".join(words) for _, words in sorted(lines.items()))
                       for _, lines in sorted(paragraphs.items()))


def _cache_key(sha256: str, page: int, lang: str) -> str:
    return f"{sha256}-p{page}-{lang}-{DPI}dpi-v{CACHE_VERSION}"


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.json"


def _cache_read(cache_dir: Path | None, key: str) -> str | None:
    if cache_dir is None:
        return None
    try:
        return json.loads(_cache_path(cache_dir, key).read_text(encoding="utf-8"))["text"]
    except (OSError, ValueError, KeyError, TypeError):  # missing or damaged: recognise again
        return None


def _cache_write(cache_dir: Path | None, key: str, text: str) -> None:
    """Write atomically, so a killed ingest never leaves half an entry."""
    if cache_dir is None:
        return
    path = _cache_path(cache_dir, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"text": text}, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:  # a read-only or full disk costs the cache, not the ingest
        pass
