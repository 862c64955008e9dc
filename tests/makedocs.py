"""Make the shipped article (and a Norwegian text) as Word, OpenDocument, PowerPoint, EPUB, a PDF with a
text layer and scanned PDFs, with the libraries people's tools use. Nothing is downloaded or committed.

Scans are page images rendered with Pillow in a real TrueType font (Debian's fonts-dejavu-core,
installed by `make ocr`) and put into a PDF with no text layer.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ARTICLE

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
AUTHOR = "Norwegian Ministry of Foreign Affairs"
# A Norwegian text written for these tests (not from the article or any question set): æ ø å in
# common words, so OCR with the nor data can be checked letter by letter.
NORWEGIAN = (
    "Samarbeid om utenriks- og sikkerhetspolitikk\n"
    "Norge og EU samarbeider tett på mange områder. Når Europa står overfor store utfordringer, "
    "er det naturlig at våre land søker felles løsninger. Dette gjelder særlig for forsvar, "
    "energi og krisehåndtering.\n"
    "Den årlige dialogen mellom statssekretæren og EU går over to dager. Møtene blir holdt i Brussel "
    "og i Oslo, og de åpner alltid med en kort gjennomgang av sikkerhetssituasjonen i nærområdene.\n"
    "Norske bidrag til felles øvelser har økt de siste årene. Både sjøforsvaret og flyvåpenet "
    "deltar, og øvelsene foregår ofte i kystnære farvann nord for Tromsø og i Østersjøen.\n"
    "Forskere fra høyskoler og universiteter får støtte gjennom programmer for romfart, sikker "
    "kommunikasjon og beredskap. Søknadsfristen er vanligvis i slutten av februar hvert år.\n"
)


@dataclass(frozen=True)
class Article:
    """A text split the way its file shows it: title, a byline, and (section, paragraph) pairs."""

    title: str
    byline: str
    paragraphs: list[tuple[str | None, str]]

    @property
    def sections(self) -> list[str | None]:
        return list(dict.fromkeys(s for s, _ in self.paragraphs))


def read_article(text: str | None = None) -> Article:
    """The shipped article: line 1 title, line 2 byline, one paragraph a line, short lines headings."""
    from ingest.structure import looks_like_heading

    lines = [ln for ln in (text or ARTICLE.read_text(encoding="utf-8")).splitlines() if ln.strip()]
    section, paragraphs = None, []
    for line in lines[2:]:
        if looks_like_heading(line):
            section = line.strip()
        else:
            paragraphs.append((section, line.strip()))
    return Article(lines[0].strip(), lines[1].strip(), paragraphs)


def norwegian() -> Article:
    lines = NORWEGIAN.strip().splitlines()
    return Article(lines[0], "Artikkel | Test", [(None, ln) for ln in lines[1:]])


# --- Office files and e-books -----------------------------------------------------------------

def docx_bytes(a: Article, comment: str | None = None, table: list[list[str]] | None = None) -> bytes:
    """Title as Heading 1 (the intro sits under it), sections as Heading 2; a comment and a table if given."""
    import datetime as dt

    import docx

    d = docx.Document()
    d.core_properties.title = a.title
    d.core_properties.author = AUTHOR
    d.core_properties.created = d.core_properties.modified = dt.datetime(2025, 1, 20, 9, 0)
    d.add_heading(a.title, level=1)
    d.add_paragraph(a.byline)
    current = None
    for section, text in a.paragraphs:
        if section and section != current:
            d.add_heading(section, level=2)
            current = section
        p = d.add_paragraph(text)
        if comment:
            d.add_comment(p.runs, text=comment, author="Reviewer")
            comment = None
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def odt_bytes(a: Article, note: str | None = None) -> bytes:
    """Title as a level-1 heading, sections as level 2; a footnote in the first paragraph if given."""
    from odf import dc, meta
    from odf.opendocument import OpenDocumentText
    from odf.text import H, Note, NoteBody, NoteCitation, P

    d = OpenDocumentText()
    d.meta.addElement(dc.Title(text=a.title))
    d.meta.addElement(dc.Creator(text=AUTHOR))
    d.meta.addElement(dc.Date(text="2025-01-20T09:00:00"))
    d.meta.addElement(meta.InitialCreator(text=AUTHOR))
    d.text.addElement(H(outlinelevel=1, text=a.title))
    d.text.addElement(P(text=a.byline))
    current = None
    for section, text in a.paragraphs:
        if section and section != current:
            d.text.addElement(H(outlinelevel=2, text=section))
            current = section
        p = P(text=text)
        if note:
            n = Note(noteclass="footnote", id="ftn1")
            n.addElement(NoteCitation(text="1"))
            body = NoteBody()
            body.addElement(P(text=note))
            n.addElement(body)
            p.addElement(n)
            note = None
        d.text.addElement(p)
    out = io.BytesIO()
    d.write(out)
    return out.getvalue()


def pptx_bytes(a: Article, slides: int | None = None) -> bytes:
    """A title slide, then one slide per paragraph titled by its section (`slides` repeats them)."""
    from pptx import Presentation
    from pptx.util import Inches

    import datetime as dt

    deck = Presentation()
    deck.core_properties.title = a.title
    deck.core_properties.author = AUTHOR
    deck.core_properties.created = deck.core_properties.modified = dt.datetime(2025, 1, 20, 9, 0)
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = a.title
    first.placeholders[1].text = a.byline
    items = a.paragraphs if slides is None else [a.paragraphs[i % len(a.paragraphs)] for i in range(slides)]
    for section, text in items:
        slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
        slide.shapes.title.text = section or a.title
        box = slide.shapes.add_textbox(Inches(0.5), Inches(1.8), Inches(9), Inches(5))
        box.text_frame.word_wrap = True
        box.text_frame.text = text
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def epub_bytes(a: Article) -> bytes:
    """One chapter per section (the intro is chapter 1, titled by the article's title)."""
    from html import escape

    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("docqa-test-article")
    book.set_title(a.title)
    book.set_language("en")
    book.add_author(AUTHOR)
    book.add_metadata("DC", "date", "2025-01-20")
    chapters = []
    for i, section in enumerate(a.sections, 1):
        name = section or a.title
        body = "".join(f"<p>{escape(t)}</p>" for s, t in a.paragraphs if s == section)
        if i == 1:
            body = f"<p>{escape(a.byline)}</p>" + body
        ch = epub.EpubHtml(title=name, file_name=f"chapter{i}.xhtml", lang="en")
        ch.content = f"<html><body><h1>{escape(name)}</h1>{body}</body></html>"
        book.add_item(ch)
        chapters.append(ch)
    book.toc = chapters
    book.spine = ["nav", *chapters]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    out = io.BytesIO()
    epub.write_epub(out, book)
    return out.getvalue()


# --- PDFs: a text layer, scans, and both ------------------------------------------------------

def text_pdf_bytes(pages: list[str]) -> bytes:
    """One page per item with a real text layer (DejaVu: the article's ’ and — need Unicode)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def article_pages(a: Article, paragraphs_per_page: int = 5) -> list[str]:
    """The article's text split into pages of whole paragraphs (title and headings kept)."""
    lines = [a.title, a.byline]
    current = None
    for section, text in a.paragraphs:
        if section and section != current:
            lines.append(section)
            current = section
        lines.append(text)
    pages, page, count = [], [], 0
    for line in lines:
        page.append(line)
        count += len(line) > 90  # headings and the byline do not fill a page
        if count >= paragraphs_per_page:
            pages.append("\n\n".join(page))
            page, count = [], 0
    if page:
        pages.append("\n\n".join(page))
    return pages


def page_image(text: str, dpi: int = 200, size_pt: float = 11.0):  # noqa: ANN201 - a PIL image
    """An A4 page with `text` (blank-line separated paragraphs) typeset in DejaVu Sans, as a scan would show it."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    margin = int(dpi * 0.9)
    font = ImageFont.truetype(str(FONT), int(size_pt / 72 * dpi))
    line_height = int(font.size * 1.45)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = margin
    for paragraph in text.split("\n\n"):
        for line in _wrap(paragraph, font, width - 2 * margin):
            draw.text((margin, y), line, font=font, fill=0)
            y += line_height
        y += line_height // 2
    if y > height - margin // 2:
        raise ValueError("text does not fit on one page")
    return img


def page_lines(text: str, dpi: int = 200, size_pt: float = 11.0) -> str:
    """The text of `page_image` line by line, as a reader of the image sees it."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(FONT), int(size_pt / 72 * dpi))
    width = int(8.27 * dpi) - 2 * int(dpi * 0.9)
    return "\n\n".join("\n".join(_wrap(p, font, width)) for p in text.split("\n\n"))


def _wrap(paragraph: str, font: object, width: int) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split():
        trial = f"{line} {word}".strip()
        if line and font.getlength(trial) > width:  # type: ignore[attr-defined]
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def degrade(img, seed: int, max_degrees: float = 1.5, speckle: float = 0.002,  # noqa: ANN001, ANN201
            quality: int = 60):
    """Make a clean render look scanned: rotated a little, speckled, JPEG-compressed."""
    from PIL import Image

    rng = random.Random(seed)
    img = img.rotate(rng.uniform(-max_degrees, max_degrees), resample=Image.BICUBIC, fillcolor=255)
    px = img.load()
    w, h = img.size
    for _ in range(int(w * h * speckle)):
        px[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 60, 200))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


def scanned_pdf_bytes(images: list, dpi: int = 200) -> bytes:
    """Page images as a PDF with no text layer, as a scanner writes it."""
    out = io.BytesIO()
    rgb = [im.convert("RGB") for im in images]
    rgb[0].save(out, "PDF", save_all=True, append_images=rgb[1:], resolution=dpi)
    return out.getvalue()


def mixed_pdf_bytes(pages: list[tuple[str, bool]], dpi: int = 200) -> bytes:
    """A partly scanned PDF: (text, scanned) per page; scanned pages are images, the others text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for text, scanned in pages:
        pdf.add_page()
        if scanned:
            pdf.image(page_image(text, dpi).convert("RGB"), x=0, y=0, w=pdf.w, h=pdf.h)
        else:
            pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def blank_scan(seed: int = 3, dpi: int = 200):  # noqa: ANN201
    """A scan of an empty page: paper grain and a few specks, no text."""
    from PIL import Image

    return degrade(Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 250), seed, speckle=0.0005)
