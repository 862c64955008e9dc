"""Scanned PDF pages are read by Tesseract: English and Norwegian, partly scanned files, blank pages, the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from ingest.loaders import LoadError, load_bytes
from ingest.ocr import OcrSettings
from tests.makedocs import (blank_scan, mixed_pdf_bytes, norwegian, page_image, page_lines, read_article,
                            scanned_pdf_bytes, text_pdf_bytes)

DOCQA = str(Path(sys.executable).with_name("docqa"))
ARTICLE = read_article()
ENGLISH = "\n\n".join(t for _, t in ARTICLE.paragraphs[:3])
NORSK = "\n\n".join(t for _, t in norwegian().paragraphs)


def _cer(got: str, want: str) -> float:
    """Character error rate, whitespace runs counted as one space."""
    got, want = " ".join(got.split()), " ".join(want.split())
    return Levenshtein.distance(got, want) / len(want)


def _pages(doc) -> list[str]:  # noqa: ANN001
    bounds = [*doc.page_starts, len(doc.text) + 1]
    return [doc.text[bounds[i]:bounds[i + 1] - 1] for i in range(len(doc.page_starts))]


@pytest.fixture(scope="module")
def scan() -> bytes:
    """Two scanned pages: English, then Norwegian with æ ø å."""
    return scanned_pdf_bytes([page_image(ENGLISH), page_image(NORSK)])


def test_scanned_pdf_is_read_in_english_and_norwegian(scan: bytes) -> None:
    doc = load_bytes(scan, "/scans/two.pdf", "pdf")
    assert doc.ocr_pages == (1, 2)
    english, norsk = _pages(doc)
    assert _cer(english, page_lines(ENGLISH)) < 0.01
    assert _cer(norsk, page_lines(NORSK)) < 0.01
    for word in ("særlig", "Østersjøen", "Tromsø", "nærområdene", "Søknadsfristen"):
        assert word in norsk
    assert doc.warnings == ("OCR (eng+nor) of scanned page(s) 1, 2: page(s) 1, 2 recognised now",)
    assert doc.ocr_between(doc.text.index("Tromsø"), doc.text.index("Tromsø") + 6)


def test_partly_scanned_pdf_mixes_text_and_ocr_pages_with_their_numbers() -> None:
    first, second, third = (t for _, t in ARTICLE.paragraphs[3:6])
    data = mixed_pdf_bytes([(first, False), (second, True), (third, False)])
    doc = load_bytes(data, "/scans/mixed.pdf", "pdf")
    assert doc.ocr_pages == (2,)
    pages = _pages(doc)
    assert _cer(pages[1], page_lines(second)) < 0.01
    assert doc.page_at(doc.text.index(second[:40])) == 2
    assert doc.page_at(doc.text.index(third.split()[0], len(pages[0]) + len(pages[1]))) == 3
    assert "EEAS" in pages[0] and not doc.ocr_between(0, len(pages[0]))  # page 1's own text layer
    assert doc.warnings == ("OCR (eng+nor) of scanned page(s) 2: page(s) 2 recognised now",)


def test_blank_scanned_page_is_named_and_the_others_kept() -> None:
    data = scanned_pdf_bytes([page_image(ENGLISH), blank_scan()])
    doc = load_bytes(data, "/scans/blank.pdf", "pdf")
    assert doc.ocr_pages == (1,)
    assert doc.warnings[-1] == "no legible text on page(s) 2 (OCR found none)"
    with pytest.raises(LoadError, match=r"^no text found \(scanned PDF: OCR found no legible text\)$"):
        load_bytes(scanned_pdf_bytes([blank_scan()]), "/scans/blank-only.pdf", "pdf")


def test_no_ocr_names_the_pages_instead(scan: bytes) -> None:
    off = OcrSettings(enabled=False)
    with pytest.raises(LoadError, match=r"^no text found \(scanned PDF\? OCR is off \(--no-ocr\)\)$"):
        load_bytes(scan, "/scans/two.pdf", "pdf", ocr=off)
    doc = load_bytes(mixed_pdf_bytes([(ENGLISH, False), (NORSK, True)]), "/scans/m.pdf", "pdf", ocr=off)
    assert doc.warnings == ("no text on page(s) 2 (scanned? OCR is off (--no-ocr))",) and doc.ocr_pages == ()


def test_unknown_language_is_a_clear_error(scan: bytes) -> None:
    doc = load_bytes(mixed_pdf_bytes([(ENGLISH, False), (NORSK, True)]), "/s/m.pdf", "pdf",
                     ocr=OcrSettings(lang="xyz"))
    assert doc.warnings == ("no text on page(s) 2 (scanned? OCR is not available: Tesseract has no data for "
                            "xyz: install tesseract-ocr-xyz)",)


def test_cached_pages_need_no_tesseract(scan: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second load reads the cache: with tesseract gone from PATH it still gets the same text."""
    ocr = OcrSettings(cache_dir=tmp_path / "ocr")
    first = load_bytes(scan, "/scans/two.pdf", "pdf", ocr=ocr)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    again = load_bytes(scan, "/scans/two.pdf", "pdf", ocr=ocr)
    assert again.text == first.text and again.ocr_pages == first.ocr_pages
    assert again.warnings == ("OCR (eng+nor) of scanned page(s) 1, 2: page(s) 1, 2 taken from the OCR cache",)
    assert len(list((tmp_path / "ocr").rglob("*.json"))) == 2


@pytest.mark.slow
def test_cli_reingest_of_an_unchanged_scan_does_no_ocr_and_cites_the_scan(scan: bytes, tmp_path: Path) -> None:
    """docqa ingest twice: the report says the pages came from the cache; ask --json marks the quote ocr."""
    folder = tmp_path.resolve() / "docs"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scan)
    index = tmp_path / "index"
    cmd = [DOCQA, "ingest", str(folder), "--index", str(index)]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    pdf = folder / "scan.pdf"
    assert first.stdout.splitlines() == [
        f"    added  {pdf}",
        f"  warning  {pdf}: OCR (eng+nor) of scanned page(s) 1, 2: page(s) 1, 2 recognised now",
        "1 added, 0 updated, 0 unchanged, 0 removed, 0 skipped"]
    assert sorted(p.name.split("-")[1] for p in (tmp_path / "ocr").rglob("*.json")) == ["p1", "p2"]
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"  warning  {pdf}: OCR (eng+nor) of scanned page(s) 1, 2: page(s) 1, 2 taken from the OCR cache",
        "0 added, 0 updated, 1 unchanged, 0 removed, 0 skipped"]
    ask = subprocess.run([DOCQA, "ask", "Since what year has the practice of semi-annual political dialogues "
                          "worked well?", "--json", "--index", str(index)], capture_output=True, text=True, timeout=600)
    shown = json.loads(ask.stdout)
    assert not shown["abstained"], shown["answer"]
    top = shown["citations"][0]
    assert top["ocr"] is True and top["page"] == 1 and "1995" in top["quote"]


def test_cli_refuses_an_ocr_language_tesseract_lacks(tmp_path: Path) -> None:
    r = subprocess.run([DOCQA, "ingest", str(tmp_path), "--index", str(tmp_path / "index"), "--ocr-lang", "deu"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.strip().splitlines()[-1] == "error: Tesseract has no data for deu: install tesseract-ocr-deu"
