"""OCR accuracy on scans made to look real: the article's pages (English) and a Norwegian page rendered at
150 dpi, rotated by up to 1.5°, speckled and JPEG-compressed, put into an image-only PDF and read by
docqa's own OCR path (PDFium render, Tesseract). Character error rate against the rendered text (edit
distance from rapidfuzz, whitespace runs counted as one space) and pages per second.

    .venv/bin/python benchmarks/ocr_accuracy.py [--seeds 2] [--lang eng+nor] [--no-record]
"""

from __future__ import annotations

import argparse
import hashlib

from _common import Timer, load, record, table

from ingest.ocr import OcrSettings, ocr_pdf_pages
from tests.makedocs import article_pages, degrade, norwegian, page_image, page_lines, read_article, scanned_pdf_bytes

DPI = 150


def _pages() -> list[tuple[str, str]]:
    """(language, page text): the article's pages and the Norwegian text's."""
    english = [("English", p) for p in article_pages(read_article())]
    n = norwegian()
    return [*english, ("Norwegian", "\n\n".join([n.title, *(t for _, t in n.paragraphs)]))]


def main() -> None:
    from rapidfuzz.distance import Levenshtein

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2, help="degraded scans of each page")
    ap.add_argument("--lang", default="eng+nor")
    ap.add_argument("--no-record", action="store_true", help="print only; do not append to RESULTS.md")
    args = ap.parse_args()
    start_load = load()
    rows, totals = [], {}
    seconds = 0.0
    for seed in range(args.seeds):
        for i, (language, text) in enumerate(_pages()):
            scan = degrade(page_image(text, dpi=DPI), seed=1000 * seed + i)
            pdf = scanned_pdf_bytes([scan], dpi=DPI)
            with Timer() as t:  # no cache: every page is recognised
                got = ocr_pdf_pages(pdf, hashlib.sha256(pdf).hexdigest(), [1], OcrSettings(lang=args.lang)).text[1]
            seconds += t.seconds
            want = " ".join(page_lines(text, dpi=DPI).split())
            dist = Levenshtein.distance(" ".join(got.split()), want)
            errors, chars = totals.get(language, (0, 0))
            totals[language] = (errors + dist, chars + len(want))
            rows.append([f"{language} page {i + 1}", seed, len(want), dist, f"{dist / len(want):.2%}",
                         f"{t.seconds:.1f}"])
    n_pages = len(rows)
    summary = [[lang, e, c, f"{e / c:.2%}"] for lang, (e, c) in totals.items()]
    body = (f"Scanned pages: rendered at {DPI} dpi in DejaVu Sans 11 pt, rotated by up to 1.5°, speckled "
            f"(0.2% of pixels), JPEG quality 60, one image-only PDF per page; OCR by docqa "
            f"(PDFium at 300 dpi, Tesseract `{args.lang}`), no cache. Target: CER ≤ 2%.\n\n"
            + table(["page", "seed", "chars", "edits", "CER", "s"], rows) + "\n\n"
            + table(["language", "edits", "chars", "CER"], summary) + "\n\n"
            + f"- {n_pages} pages in {seconds:.1f} s: {n_pages / seconds:.3f} pages/s "
              "(on the shared, loaded machine: see the load average; not a speed benchmark)\n")
    record("OCR accuracy (issue 15)", body, start_load, append=not args.no_record)


if __name__ == "__main__":
    main()
