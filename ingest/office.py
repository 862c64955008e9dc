"""Word (.docx), OpenDocument (.odt), PowerPoint (.pptx) and EPUB files as text with sections.

Each reader uses a well-kept library (python-docx, odfpy, python-pptx, ebooklib). All four
formats are zip archives: the archive's directory is checked before anything is unpacked,
so a zip bomb or an encrypted file is refused in one line.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator

from ingest.parsed import Block, Parsed, blocks_part, join_parts
from ingest.reasons import first_line
from ingest.records import Region

OFFICE_KINDS = {"docx": "Word", "odt": "OpenDocument text", "pptx": "PowerPoint", "epub": "EPUB"}
MAX_UNPACKED = 200_000_000  # bytes, all members together: more is a zip bomb, not a document
MAX_MEMBERS = 20_000
MAX_SLIDES = 2_000
_HEADING_STYLE = re.compile(r"^Heading ([1-3])$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: old .doc/.ppt, or encrypted OOXML
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")


class OfficeError(ValueError):
    """The file cannot be read; the message says why, in one line."""


def read_office(data: bytes, kind: str) -> Parsed:
    """Parse a .docx, .odt, .pptx or .epub file's bytes."""
    what = OFFICE_KINDS[kind]
    archive = _open_zip(data, what)
    reader: Callable[[bytes, zipfile.ZipFile], Parsed] = {
        "docx": _docx, "odt": _odt, "pptx": _pptx, "epub": _epub}[kind]
    try:
        return reader(data, archive)
    except OfficeError:
        raise
    except Exception as exc:  # the libraries raise many kinds on damaged parts
        raise OfficeError(f"damaged {what} file ({first_line(exc)})") from exc


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The archive, after checking from its directory alone that unpacking it is safe."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_OOXML in data:
            raise OfficeError(f"encrypted {what} file (needs a password)")
        raise OfficeError(f"not a {what} file: an old binary Office file (.doc, .ppt, .xls) with the wrong "
                          "name; save it in the new format")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise OfficeError(f"not a {what} file, or a damaged one (not a readable zip archive: {exc})") from exc
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED:
        raise OfficeError(f"unpacks to {unpacked / 1e6:,.0f} MB, over the {MAX_UNPACKED / 1e6:,.0f} MB limit "
                          f"(a zip bomb?); only {len(data) / 1e6:,.1f} MB on disk")
    if len(members) > MAX_MEMBERS:
        raise OfficeError(f"{len(members):,} parts in the archive, over the limit of {MAX_MEMBERS:,}")
    return archive


# --- Word ------------------------------------------------------------------------------------

def _docx(data: bytes, archive: zipfile.ZipFile) -> Parsed:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    blocks: list[Block] = []
    title: str | None = None
    section: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(Block(_docx_table(item), section))
            continue
        level = _docx_heading_level(item.style)
        text = " ".join(item.text.split("\n")) if level is not None else item.text
        if level == 0:  # the Title style: the document's title, not a section
            title = title or text.strip() or None
            blocks.append(Block(text, section, heading=True))
        elif level is not None and text.strip():
            section = text.strip()
            blocks.append(Block(text, section, heading=True))
        else:
            blocks.append(Block(text, section))
    text, regions = blocks_part(blocks)
    return Parsed(text, regions, title=title, meta=_core_meta(document.core_properties))


def _docx_heading_level(style: object) -> int | None:
    """0 for the Title style, 1-3 for Heading 1-3 (or a style based on them), else None."""
    for _ in range(8):  # follow `based on` a few steps; a loop in a damaged file must end
        if style is None:
            return None
        name = getattr(style, "name", None) or ""
        if name == "Title":
            return 0
        if m := _HEADING_STYLE.match(name):
            return int(m.group(1))
        style = getattr(style, "base_style", None)
    return None


def _docx_table(table: object) -> str:
    """A table as text: one line per row, cells joined by " | " (merged cells once)."""
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _core_meta(props: object) -> dict:
    """Title, author and date (last modified, else created) from OOXML core properties."""
    date = getattr(props, "modified", None) or getattr(props, "created", None)
    meta = {"title": getattr(props, "title", None), "author": getattr(props, "author", None),
            "published": date.date().isoformat() if date else None}
    return {k: v.strip() if isinstance(v, str) else v for k, v in meta.items() if v and str(v).strip()}


# --- OpenDocument text -----------------------------------------------------------------------

def _odt(data: bytes, archive: zipfile.ZipFile) -> Parsed:
    from odf.namespaces import TABLENS, TEXTNS
    from odf.opendocument import load

    if "encryption-data" in _member(archive, "META-INF/manifest.xml"):
        raise OfficeError("encrypted OpenDocument text file (needs a password)")
    document = load(io.BytesIO(data))
    blocks: list[Block] = []
    title: str | None = None
    section: str | None = None
    for node in _odf_blocks(document.text, TEXTNS, TABLENS):
        if node.qname == (TABLENS, "table"):
            blocks.append(Block(_odf_table(node, TABLENS), section))
            continue
        text = _odf_text(node)
        level = node.attributes.get((TEXTNS, "outline-level"), "1") if node.qname == (TEXTNS, "h") else None
        if level is not None and text.strip() and int(level) <= 3:
            section = " ".join(text.split())
            blocks.append(Block(text, section, heading=True))
        elif _odf_style(node, TEXTNS) == "Title":
            title = title or " ".join(text.split()) or None
            blocks.append(Block(text, section, heading=True))
        else:
            blocks.append(Block(text, section))
    text, regions = blocks_part(blocks)
    return Parsed(text, regions, title=title, meta=_odf_meta(document))


def _odf_blocks(node: object, textns: str, tablens: str) -> Iterator:
    """Paragraphs, headings and tables in reading order, through lists and sections."""
    for child in node.childNodes:  # type: ignore[attr-defined]
        qname = getattr(child, "qname", None)
        if qname in ((textns, "p"), (textns, "h"), (tablens, "table")):
            yield child
        elif qname in ((textns, "list"), (textns, "list-item"), (textns, "list-header"),
                       (textns, "section")):
            yield from _odf_blocks(child, textns, tablens)


def _odf_text(node: object) -> str:
    """The text a reader sees: spaces, tabs and line breaks kept; notes and comments left out."""
    from odf.namespaces import OFFICENS, TEXTNS

    out: list[str] = []
    for child in node.childNodes:  # type: ignore[attr-defined]
        if child.nodeType == child.TEXT_NODE:
            out.append(child.data)
            continue
        qname = child.qname
        if qname == (TEXTNS, "s"):
            out.append(" " * int(child.attributes.get((TEXTNS, "c"), "1") or 1))
        elif qname == (TEXTNS, "tab"):
            out.append("\t")
        elif qname == (TEXTNS, "line-break"):
            out.append("\n")
        elif qname not in ((TEXTNS, "note"), (OFFICENS, "annotation"), (OFFICENS, "annotation-end")):
            out.append(_odf_text(child))
    return "".join(out)


def _odf_style(node: object, textns: str) -> str:
    return str(node.attributes.get((textns, "style-name"), ""))  # type: ignore[attr-defined]


def _odf_table(table: object, tablens: str) -> str:
    rows = []
    for row in table.getElementsByType(_odf_class(tablens, "table-row")):  # type: ignore[attr-defined]
        cells = [" ".join(_odf_text(c).split()) for c in row.childNodes
                 if getattr(c, "qname", None) == (tablens, "table-cell")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _odf_class(ns: str, name: str):  # noqa: ANN202 - odfpy's element constructor for getElementsByType
    from odf.element import Element

    return type(name, (Element,), {"qname": (ns, name)})


def _odf_meta(document: object) -> dict:
    from odf.namespaces import DCNS, METANS

    found: dict = {}
    for child in document.meta.childNodes:  # type: ignore[attr-defined]
        key = {(DCNS, "title"): "title", (DCNS, "creator"): "author", (METANS, "initial-creator"): "author",
               (DCNS, "date"): "published", (METANS, "creation-date"): "published"}.get(child.qname)
        value = " ".join(_odf_text(child).split())
        if key and value and key not in found:
            found[key] = value
    return found


def _member(archive: zipfile.ZipFile, name: str) -> str:
    try:
        return archive.read(name).decode("utf-8", "replace")
    except KeyError:
        return ""


# --- PowerPoint ------------------------------------------------------------------------------

def _pptx(data: bytes, archive: zipfile.ZipFile) -> Parsed:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    if len(deck.slides) > MAX_SLIDES:
        raise OfficeError(f"slide deck too large ({len(deck.slides):,} slides > limit {MAX_SLIDES:,})")
    slides = []
    for n, slide in enumerate(deck.slides, 1):
        title_shape = slide.shapes.title
        title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
        section = title or f"Slide {n}"
        blocks = [Block(title, section, heading=True)] if title else []
        blocks += [Block(t, section) for t in _shape_texts(slide.shapes, title_shape)]
        slides.append(blocks_part(blocks))
    text, regions, starts = join_parts(slides)
    return Parsed(text, regions, page_starts=starts, meta=_core_meta(deck.core_properties))


def _shape_texts(shapes: object, skip: object) -> Iterator[str]:
    """Paragraphs and table rows of a slide's shapes, top to bottom, left to right."""
    ordered = sorted(shapes, key=lambda s: (s.top or 0, s.left or 0))  # type: ignore[attr-defined]
    for shape in ordered:
        if skip is not None and shape.shape_id == skip.shape_id:
            continue
        if shape.shape_type is not None and shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_texts(shape.shapes, None)
        elif getattr(shape, "has_table", False) and shape.has_table:
            yield "\n".join(" | ".join(" ".join(c.text.split()) for c in row.cells) for row in shape.table.rows)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            for paragraph in shape.text_frame.paragraphs:
                yield "".join(r.text for r in paragraph.runs) or paragraph.text


# --- EPUB ------------------------------------------------------------------------------------

def _epub(data: bytes, archive: zipfile.ZipFile) -> Parsed:
    import ebooklib
    from ebooklib import epub

    from ingest.loaders import read_html
    from ingest.structure import markdown_structure

    if _drm_protected(_member(archive, "META-INF/encryption.xml")):
        raise OfficeError("DRM-protected e-book (its chapters are encrypted)")
    book = epub.read_epub(io.BytesIO(data), options={"ignore_ncx": True})
    toc = dict(_toc_titles(book.toc))
    chapters = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or not item.is_chapter():
            continue  # the navigation document repeats the chapter titles: not body text
        text, _ = read_html(item.get_content().decode("utf-8", "replace"))
        if not text.strip():
            continue
        heading, regions = markdown_structure(text)
        chapter = toc.get(item.get_name()) or heading
        chapters.append((text, [Region(r.start, r.end, r.section or chapter) for r in regions]))
    text, regions, _ = join_parts(chapters)
    meta = {key: values[0][0] for key, name in (("title", "title"), ("author", "creator"), ("published", "date"))
            if (values := book.get_metadata("DC", name)) and values[0][0]}
    return Parsed(text, regions, meta=meta)


def _toc_titles(entries: object) -> Iterator[tuple[str, str]]:
    """(file name, title) of each table-of-contents entry, nested ones included."""
    for entry in entries:  # type: ignore[attr-defined]
        if isinstance(entry, tuple):  # (Section, [children])
            section, children = entry
            if getattr(section, "href", None):
                yield section.href.split("#")[0], section.title
            yield from _toc_titles(children)
        elif getattr(entry, "href", None):
            yield entry.href.split("#")[0], entry.title


def _drm_protected(encryption_xml: str) -> bool:
    """Encrypted parts other than obfuscated fonts (which EPUB allows for font licensing)."""
    methods = re.findall(r'EncryptionMethod[^>]*Algorithm="([^"]+)"', encryption_xml)
    return any("obfuscation" not in m and "fontobfuscation" not in m for m in methods)
