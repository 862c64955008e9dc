"""Property-based fuzzing of the loaders and the chunker (bounded: a few seconds each in CI)."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.chunker import chunk_document, indexed_text
from ingest.loaders import LoadError, load_bytes
from ingest.records import Document
from ingest.ocr import OcrSettings
from tests.badfiles import encrypted_pdf, image_only_pdf, text_pdf

NO_OCR = OcrSettings(enabled=False)  # Tesseract takes seconds a page: OCR gets its own, smaller hunt

# DOCQA_FUZZ_SCALE=20 runs twenty times the examples, for a longer hunt than CI's.
SCALE = float(os.environ.get("DOCQA_FUZZ_SCALE", "1"))
FUZZ = settings(max_examples=int(150 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that steer random text into the structure parsers' corners.
PIECES = ["# ", "## ", "### Heading", "\n", "\n\n", "\r\n", "---\n", "title: T\n", "```\n", "~~~",
          "Hello world.", "Mr. Smith went to Washington.", "e.g. this", "...", "?!", " ", "\t", "\f",
          "\u00a0", "\u2028", "é", "ø", "€", "日本語の文。", "\U0001f600", "\x00", "\x1b", "|", "1. ",
          "- item", "<p>", "</p>", "<script>x()</script>", "<h1>Title</h1>", "&amp;", "<br>",
          "Supercalifragilisticexpialidocious" * 3, "a" * 300, "word " * 40]
prose = st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=60).map("".join)
ENCODINGS = ["utf-8", "utf-16", "utf-8-sig", "latin-1", "cp1252"]


@st.composite
def text_bytes(draw: st.DrawFn) -> bytes:
    text, enc = draw(prose), draw(st.sampled_from(ENCODINGS))
    return text.encode(enc, errors="ignore")


_PDFS = [text_pdf(), text_pdf("Page text.\n\nSecond paragraph."), image_only_pdf(), encrypted_pdf(""),
         encrypted_pdf("pw")]


@st.composite
def damaged_pdf(draw: st.DrawFn) -> bytes:
    """A real PDF, cut short and/or with bytes overwritten."""
    data = bytearray(draw(st.sampled_from(_PDFS)))
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[:draw(st.integers(0, len(data)))])


def _check_document(doc: Document, kind: str) -> None:
    n = len(doc.text)
    assert doc.kind == kind and doc.regions
    for r in doc.regions:
        assert 0 <= r.start < r.end <= n
        assert doc.text[r.start:r.end].strip()
        assert r.section is None or "\n" not in r.section
    assert list(doc.page_starts) == sorted(doc.page_starts)
    assert all(0 <= p <= n for p in doc.page_starts)
    assert doc.title and "\n" not in doc.title
    assert any(c.isalnum() for c in doc.text)


def _load_or_refuse(data: bytes, kind: str, ocr: OcrSettings = NO_OCR) -> Document | None:
    """The contract: a Document whose regions lie inside its text, or LoadError with one line."""
    try:
        doc = load_bytes(data, f"/fuzz/doc.{kind}", kind, ocr=ocr)
    except LoadError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    _check_document(doc, kind)
    return doc


@pytest.mark.parametrize("kind", ["txt", "md", "html"])
@FUZZ
@given(data=st.binary(max_size=2048) | text_bytes())
@example(data=b"\xfe\xff\x00\x00\x00")  # a UTF-16 byte-order mark, then broken UTF-16
def test_text_loaders_return_a_document_or_load_error(kind: str, data: bytes) -> None:
    _load_or_refuse(data, kind)


@settings(FUZZ, max_examples=int(80 * SCALE))
@given(data=damaged_pdf() | st.binary(max_size=1024))
@example(data=_PDFS[0][:len(_PDFS[0]) // 2])
def test_pdf_loader_returns_a_document_or_load_error(data: bytes) -> None:
    _load_or_refuse(data, "pdf")


@settings(FUZZ, max_examples=int(6 * SCALE))
@given(data=damaged_pdf())
def test_damaged_scans_with_ocr_return_a_document_or_load_error(data: bytes) -> None:
    """PDFium renders (or refuses) what pypdf could read, and Tesseract reads what it renders."""
    _load_or_refuse(data, "pdf", OcrSettings())


def _office_files() -> dict[str, bytes]:
    from tests.makedocs import Article, docx_bytes, epub_bytes, odt_bytes, pptx_bytes

    a = Article("Fuzz", "By | line", [(None, "Norway and the EU signed it."), ("Space", "Galileo.")])
    return {"docx": docx_bytes(a), "odt": odt_bytes(a), "pptx": pptx_bytes(a), "epub": epub_bytes(a)}


_OFFICE = _office_files()


@pytest.mark.parametrize("kind", sorted(_OFFICE))
@settings(FUZZ, max_examples=int(40 * SCALE))
@given(data=st.data())
def test_office_loaders_return_a_document_or_load_error(kind: str, data: st.DataObject) -> None:
    """Real files with bytes overwritten or cut short (the zip's checksums catch most; the rest reach the
    libraries' parsers)."""
    raw = bytearray(_OFFICE[kind])
    for _ in range(data.draw(st.integers(0, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    _load_or_refuse(bytes(raw[:data.draw(st.integers(len(raw) // 2, len(raw)))]), kind)


@pytest.fixture(scope="module")
def tokens():  # noqa: ANN201 - the real tokenizer alone (no model weights are loaded)
    from index.embedder import Embedder

    e = Embedder()
    return e.count_tokens, e.max_tokens


def _check_passages(doc: Document, passages: list, count_tokens, max_tokens: int) -> None:  # noqa: ANN001
    for p in passages:
        assert doc.text[p.start:p.end] == p.text
        assert p.sentences and p.sentences[0][0] == p.start and p.sentences[-1][1] == p.end
        for (s, e), nxt in zip(p.sentences, [*p.sentences[1:], None]):
            assert p.start <= s < e <= p.end
            assert nxt is None or e <= nxt[0]
        assert count_tokens([indexed_text(p.title, p.section, p.text)])[0] <= max_tokens
        assert (p.page_start, p.page_end) == (doc.page_at(p.start), doc.page_at(p.end - 1))
    # nothing is lost: every word character of the body lies in some passage
    covered = {i for p in passages for s, e in p.sentences for i in range(s, e)}
    body = {i for r in doc.regions for i in range(r.start, r.end) if doc.text[i].isalnum()}
    assert body <= covered


@FUZZ
@given(data=text_bytes(), kind=st.sampled_from(["txt", "md"]), target=st.integers(8, 200),
       overlap=st.integers(0, 2))
def test_chunker_keeps_spans_exact_and_within_the_token_limit(tokens, data: bytes, kind: str,
                                                               target: int, overlap: int) -> None:
    count_tokens, max_tokens = tokens
    doc = _load_or_refuse(data, kind)
    if doc is None:
        return
    passages = chunk_document(doc, "fuzz", count_tokens, max_tokens, target, overlap)
    _check_passages(doc, passages, count_tokens, max_tokens)


@settings(FUZZ, max_examples=int(40 * SCALE))
@given(seed=st.integers(0, 2**32 - 1), target=st.integers(8, 200))
def test_chunker_on_pdf_pages(tokens, seed: int, target: int) -> None:
    """Multi-page PDFs: page numbers of each passage agree with the document's page starts."""
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF()
    for _ in range(rng.randint(1, 4)):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        words = [rng.choice(["fjord", "ferry", "snow", "Bodø", "1887.", "north", "light.", "ice"])
                 for _ in range(rng.randint(0, 120))]
        pdf.multi_cell(0, 6, " ".join(words) or " ")
    count_tokens, max_tokens = tokens
    doc = _load_or_refuse(bytes(pdf.output()), "pdf")
    if doc is None:
        return
    _check_passages(doc, chunk_document(doc, "fuzz", count_tokens, max_tokens, target), count_tokens,
                    max_tokens)


# Found by asking the tokenizer for its most expensive characters: a Hangul syllable is up to
# three word pieces, so a Korean title and section heading, each within the loader's 100-character
# cap, can fill the model's 254 tokens. chunk_document used to raise ValueError for it; now it
# shortens that indexed context (marked with "…") so the passage text keeps its room.
_TITLE = "노르웨이와 유럽연합의 외교 안보 정책 협력에 관한 정부 보고서 역사와 현재의 대화 체계 그리고 앞으로의 과제와 전망"
_SECTION = "이천이십사년 오월 이십팔일 브뤼셀에서 서명된 안보 및 국방 동반자 협정의 주요 내용과 연례 안보 대화의 운영 방식"
KOREAN = f"# {_TITLE} {_TITLE}\n\n## {_SECTION} {_SECTION}\n\n노르웨이와 유럽연합은 협력한다.\n"


def test_chunker_survives_headings_that_fill_the_token_budget(tokens) -> None:
    count_tokens, max_tokens = tokens
    doc = load_bytes(KOREAN.encode(), "/fuzz/korean.md", "md")
    assert count_tokens([indexed_text(doc.title, doc.regions[0].section, "")])[0] > max_tokens - 8
    passages = chunk_document(doc, "korean", count_tokens, max_tokens, 160)
    assert passages
    _check_passages(doc, passages, count_tokens, max_tokens)
    assert passages[0].title.endswith("…") or passages[0].section.endswith("…")
