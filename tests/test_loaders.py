"""Each loader turns a real file into text, title, sections, pages and metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from ingest.loaders import LoadError, load_bytes, load_file
from tests.conftest import ARTICLE


def _section_of(doc, needle: str) -> str | None:
    at = doc.text.index(needle)
    return next(r.section for r in doc.regions if r.start <= at < r.end)


def test_article_keeps_metadata_and_security_section() -> None:
    doc = load_file(ARTICLE)
    assert doc.title == "Cooperation on foreign and security policy"
    assert doc.published == "2025-01-20"
    assert doc.publisher == "Norwegian Ministry of Foreign Affairs"
    assert doc.url and doc.url.startswith("https://www.regjeringen.no/")
    assert doc.text == ARTICLE.read_text(encoding="utf-8")  # the text is kept unchanged
    assert _section_of(doc, "On May 28, 2024") == "Security Policy Cooperation"
    assert _section_of(doc, "Norway and the EU cooperate closely") is None
    body = " ".join(doc.text[r.start:r.end] for r in doc.regions)
    assert "Security Policy Cooperation\n" not in body  # the heading is not body text


def test_plain_text_with_blank_lines_reads_wrapped_paragraphs(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("Field notes\n\nThe first paragraph is wrapped\nacross two lines.\n\n"
                 "Findings\n\nThe second one sits under a heading.\n")
    doc = load_file(f)
    assert doc.title == "Field notes"
    first = next(r for r in doc.regions if "first" in doc.text[r.start:r.end])
    assert doc.text[first.start:first.end] == "The first paragraph is wrapped\nacross two lines."
    assert _section_of(doc, "The second one") == "Findings"


def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    f = tmp_path / "brief.md"
    f.write_text("---\ntitle: Defence brief\npublished: 2024-06-01\npublisher: MFA\n---\n"
                 "# Ignored because front matter names the title\n\nIntro text here.\n\n"
                 "## Space\n\nNorway joins Galileo.\n\n```\n# not a heading\n```\n")
    doc = load_file(f)
    assert (doc.title, doc.published, doc.publisher) == ("Defence brief", "2024-06-01", "MFA")
    assert _section_of(doc, "Norway joins Galileo.") == "Space"
    assert len(doc.text) == len(f.read_text())  # offsets still point into the file's text
    assert "title:" not in " ".join(doc.text[r.start:r.end] for r in doc.regions)


def test_html_main_text_without_scripts(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>EU partnership page</title><style>body{color:red}</style>"
        "<script>var secret = 'tracking';</script></head><body><nav>Home | About | Contact</nav>"
        "<article><h1>EU partnership page</h1><p>Norway and the EU signed a security and defence "
        "partnership on 28 May 2024 in Brussels, after long talks between the two sides.</p>"
        "<h2>Industry</h2><p>The partnership covers the defence industry and space, and it builds on "
        "years of close cooperation between Norway and the European Union.</p></article></body></html>")
    doc = load_file(f)
    assert doc.title == "EU partnership page"
    assert "tracking" not in doc.text and "color:red" not in doc.text
    assert "28 May 2024" in doc.text
    assert _section_of(doc, "The partnership covers") == "Industry"


def _pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def test_pdf_pages_are_counted_and_kept(tmp_path: Path) -> None:
    f = tmp_path / "report.pdf"
    f.write_bytes(_pdf(["Page one talks about the Nansen Programme for Ukraine.",
                        "Page two covers the European Defence Fund.",
                        "Page three is about Galileo and Copernicus."]))
    doc = load_file(f)
    assert doc.kind == "pdf" and len(doc.page_starts) == 3
    assert doc.page_at(doc.text.index("European Defence Fund")) == 2
    assert doc.page_at(doc.text.index("Copernicus")) == 3


def test_pdf_with_a_damaged_info_dictionary_keeps_its_text() -> None:
    data = _pdf(["Page one talks about the Nansen Programme for Ukraine."])
    info = data.index(b"/CreationDate")
    obj = data.rindex(b"obj\n<<", 0, info)
    damaged = data[:obj] + b"obj%<<" + data[obj + len(b"obj\n<<"):]  # found by the fuzz test
    doc = load_bytes(damaged, "/d/report.pdf", "pdf")
    assert "Nansen Programme" in doc.text  # the title is lost (none is readable), the text is not


def test_pdf_passage_across_a_page_break_records_both_pages(tmp_path: Path, embedder) -> None:
    from ingest.chunker import chunk_document

    f = tmp_path / "two.pdf"
    f.write_bytes(_pdf(["The first page ends with this sentence.", "The second page starts here."]))
    doc = load_file(f)
    (passage,) = chunk_document(doc, "two", embedder.count_tokens, embedder.max_tokens, 200)
    assert (passage.page_start, passage.page_end) == (1, 2)
    assert doc.text[passage.start:passage.end] == passage.text


@pytest.mark.parametrize(("data", "kind", "reason"), [
    (b"", "txt", "empty file"),
    (b"   \n ", "md", "empty file"),
    (b"%PDF-1.4 garbage", "pdf", "PDF"),
])
def test_unreadable_input_raises_a_one_line_reason(data: bytes, kind: str, reason: str) -> None:
    with pytest.raises(LoadError, match=reason) as info:
        load_bytes(data, "/x", kind)
    assert "\n" not in str(info.value)
