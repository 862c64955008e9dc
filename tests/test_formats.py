"""Word, OpenDocument, PowerPoint and EPUB files become Documents with exact spans, sections and pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunker import chunk_document
from ingest.loaders import load_bytes, load_file
from ingest.records import Document
from tests.test_chunker import _check
from tests.makedocs import AUTHOR, Article, docx_bytes, epub_bytes, odt_bytes, pptx_bytes, read_article

ARTICLE = read_article()
MAKERS = {"docx": docx_bytes, "odt": odt_bytes, "pptx": pptx_bytes, "epub": epub_bytes}


def _load(kind: str, data: bytes) -> Document:
    return load_bytes(data, f"/docs/article.{kind}", kind)


def _body(doc: Document) -> str:
    return "\n".join(doc.text[r.start:r.end] for r in doc.regions)


def _section_of(doc: Document, needle: str) -> str | None:
    at = doc.text.index(needle)
    return next(r.section for r in doc.regions if r.start <= at < r.end)


@pytest.mark.parametrize("kind", MAKERS)
def test_every_paragraph_is_body_text_under_its_section(kind: str) -> None:
    doc = _load(kind, MAKERS[kind](ARTICLE))
    assert doc.kind == kind
    assert doc.title == ARTICLE.title
    for section, text in ARTICLE.paragraphs:
        assert text in _body(doc)  # whole, unchanged: quotes can be checked against the source
        # the intro sits under the title (a Heading 1, the first chapter, the slides' title)
        assert _section_of(doc, text) == (section or ARTICLE.title), text[:40]
    assert "Security Policy Cooperation" not in _body(doc)  # a heading is not body text


@pytest.mark.parametrize("kind", ["docx", "pptx", "odt", "epub"])
def test_author_and_date_come_from_the_file(kind: str) -> None:
    doc = _load(kind, MAKERS[kind](ARTICLE))
    assert (doc.author, doc.published) == (AUTHOR, "2025-01-20")


def test_pptx_cites_slides_like_pages() -> None:
    doc = _load("pptx", pptx_bytes(ARTICLE))
    assert len(doc.page_starts) == len(ARTICLE.paragraphs) + 1  # the title slide, then one per paragraph
    for n, (section, text) in enumerate(ARTICLE.paragraphs, 2):
        at = doc.text.index(text)
        assert doc.page_at(at) == n
        assert _section_of(doc, text) == (section or ARTICLE.title)
    assert doc.page_at(doc.text.index(ARTICLE.byline)) == 1


def test_docx_tables_are_rows_and_comments_are_left_out() -> None:
    table = [["Programme", "Budget"], ["European Defence Fund", "NOK 1.2 billion"]]
    doc = _load("docx", docx_bytes(ARTICLE, comment="REVIEWER-ONLY remark", table=table))
    assert "European Defence Fund | NOK 1.2 billion" in _body(doc)
    assert "REVIEWER-ONLY" not in doc.text


def test_odt_footnotes_are_left_out() -> None:
    doc = _load("odt", odt_bytes(ARTICLE, note="FOOTNOTE-ONLY text"))
    assert "FOOTNOTE-ONLY" not in doc.text
    assert ARTICLE.paragraphs[0][1] in _body(doc)


def test_epub_chapters_are_sections() -> None:
    doc = _load("epub", epub_bytes(ARTICLE))
    may28 = next(t for s, t in ARTICLE.paragraphs if "May 28, 2024" in t)
    assert _section_of(doc, may28) == "Security Policy Cooperation"
    assert _section_of(doc, ARTICLE.paragraphs[0][1]) == ARTICLE.title


def test_files_on_disk_load_by_suffix(tmp_path: Path) -> None:
    for kind, make in MAKERS.items():
        f = tmp_path / f"article.{kind}"
        f.write_bytes(make(ARTICLE))
        assert load_file(f).kind == kind


# --- passages of every kind are exact spans (the chunker's property test, on the new formats) ---

WORD = st.sampled_from(["Norway", "EU", "security", "défense", "Ukraine", "75", "billion", "NOK.",
                        "agreement,", "Dr.", "U.S.", "e.g.", "PESCO!", "why?", "—", "æøå", "Tromsø",
                        "supercalifragilisticexpialidocious" * 4])
PARAGRAPH = st.lists(WORD, min_size=1, max_size=60).map(" ".join)
HEADING = st.sampled_from([None, "Security", "Space and defence", "Tromsø"])
ARTICLES = st.builds(lambda title, paras: Article(title, "Byline | test", paras),
                     st.sampled_from(["Notes", "Fjord report"]),
                     st.lists(st.tuples(HEADING, PARAGRAPH), min_size=1, max_size=8))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(article=ARTICLES, kind=st.sampled_from(sorted(MAKERS)), target=st.integers(16, 254))
def test_passages_are_exact_spans_in_every_format(article: Article, kind: str, target: int, embedder) -> None:
    doc = _load(kind, MAKERS[kind](article))
    passages = chunk_document(doc, "x", embedder.count_tokens, embedder.max_tokens, target)
    _check(doc, passages, embedder, embedder.max_tokens)
    covered = {i for p in passages for s, e in p.sentences for i in range(s, e)}
    body = {i for r in doc.regions for i in range(r.start, r.end) if doc.text[i].isalnum()}
    assert body <= covered  # no body text is dropped
    for _, text in article.paragraphs:
        assert text in doc.text
    assert all((p.page_start, p.page_end) == (doc.page_at(p.start), doc.page_at(p.end - 1)) for p in passages)
