"""Generators for the files people really point docqa at: broken, odd and good ones side by side.

Everything is made at test time (no committed binaries). `make_corpus` fills a
folder and returns what each file is; the tests hold the expected outcomes.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

# Facts only the good files state, so a question can show they were indexed.
GOOD_TXT = ("The Lofoten Lighthouse\n\n"
            "The lighthouse at Skomvær in Lofoten was first lit in 1887. Its keeper in those years "
            "was the painter Theodor Kittelsen, who drew the birds of the island.\n\n"
            "The tower is 21 metres tall and painted red.\n")
GOOD_MD = ("# Ferry timetable\n\n## Winter\n\n"
           "In winter the ferry from Bodø to Moskenes sails twice a day and the crossing takes "
           "about three and a half hours.\n\n## Summer\n\n"
           "In summer there are up to six sailings a day.\n")
LATIN1 = ("Tromsø museum\n\n"
          "The Arctic University Museum in Tromsø shows the northern lights and Sámi culture. "
          "Its café serves brunost on waffles every Sunday.\n")
CP1252 = ("Harbour prices\n\n"
          "The harbour master said: \u201cMooring costs \u20ac12 per night.\u201d "
          "That price \u2013 set in 2023 \u2013 includes fresh water and electricity.\n")
UTF16 = ("Glacier walk\n\n"
         "The guided walk on the Svartisen glacier starts at the visitor centre at nine o\u2019clock "
         "and lasts five hours; crampons are lent free of charge.\n")
HTML = """<!doctype html><html><head><title>Whale safari</title>
<style>body { color: red; } .hidden-style-rule { display: none; }</style>
<script>var trackingSecret = "script-text-must-not-be-indexed"; document.write(trackingSecret);</script>
</head><body><article><h1>Whale safari</h1>
<p>Whale safaris from Andenes run from late May to mid September, and sperm whales are seen on
almost every trip because the deep Bleik canyon lies close to the shore.</p>
<p>Boats leave the harbour at ten in the morning and return in the afternoon.</p>
<script>console.log("another-script-text");</script></article></body></html>
"""
PDF_TEXT = ("The northern lights season in Tromso runs from September to early April, "
            "and the best viewing hours are between ten at night and two in the morning.")
OPEN_PDF_TEXT = "In Alta the midnight sun can be seen from 16 May to 26 July, when the sun never sets."
# A PDF whose middle page is a scan (no text layer): pages 1 and 3 are indexed, page 2 is reported.
PARTLY_PAGES = ("The Senja coastal road\n\nThe national tourist route along the outer coast of Senja "
                "is 102 kilometres long and crosses the island from Gryllefjord to Botnhamn.",
                None,
                "Tungeneset rest area\n\nFrom the wooden boardwalk at Tungeneset, visitors look out over "
                "the sharp mountain ridge known as the Devil's Jaw and the open sea beyond it.")
SECRET = "The outside file must never be indexed: its code word is quartzmarmot.\n"


def text_pdf(text: str = PDF_TEXT) -> bytes:
    """A one-page PDF with a real text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    """A 'scanned' page: drawn shapes and no text layer at all."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    for i in range(12):
        pdf.rect(20, 20 + 18 * i, 170 - 7 * i, 6, style="F")
    return bytes(pdf.output())


def partly_scanned_pdf(pages: tuple[str | None, ...] = PARTLY_PAGES) -> bytes:
    """One page per item: text pages with a real text layer, `None` pages drawn as a 'scan' with none."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.set_fill_color(40, 40, 40)
            for i in range(12):
                pdf.rect(20, 20 + 18 * i, 170 - 7 * i, 6, style="F")
        else:
            pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str, text: str = PDF_TEXT) -> bytes:
    """`text_pdf` encrypted with AES-256; an empty user password opens without asking."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(text))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_corpus(folder: Path, outside: Path, big_bytes: int) -> dict[str, str]:
    """Fill `folder` with good and bad files; `outside` gets the symlink's target.

    Returns file name -> what it is. Files of `big_bytes` or more exceed the limit
    the test sets.
    """
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    rng = random.Random(5)
    files: dict[str, tuple[bytes, str]] = {
        # good files
        "lighthouse.txt": (GOOD_TXT.encode(), "good text"),
        "lighthouse-copy.txt": (GOOD_TXT.encode(), "the same document under a second name"),
        "ferry.md": (GOOD_MD.encode(), "good markdown"),
        "northern-lights.pdf": (text_pdf(), "good PDF"),
        "tromso-latin1.txt": (LATIN1.encode("latin-1"), "Latin-1 text"),
        "harbour-cp1252.txt": (CP1252.encode("cp1252"), "Windows-1252 text"),
        "glacier-utf16.txt": (UTF16.encode("utf-16"), "UTF-16 with BOM"),
        "whales.html": (HTML.encode(), "HTML with script and style"),
        "open-encrypted.pdf": (encrypted_pdf("", OPEN_PDF_TEXT),
                               "encrypted PDF, empty user password"),
        "partly-scanned.pdf": (partly_scanned_pdf(), "PDF whose page 2 has no text layer (partly ingested)"),
        # bad files
        "empty.txt": (b"", "empty file"),
        "blank.md": (b"  \n\n\t \n", "whitespace only"),
        "zero.pdf": (b"", "zero-byte PDF"),
        "truncated.pdf": (text_pdf()[:400], "truncated PDF"),
        "random.pdf": (rng.randbytes(3000), "random bytes named .pdf"),
        "locked.pdf": (encrypted_pdf("s3cret"), "encrypted PDF, user password"),
        "scanned.pdf": (image_only_pdf(), "PDF without a text layer"),
        "punctuation.txt": (b"... --- !!! ???\n\n*** ;;; ,,,\n", "no words, so no sentences"),
        "binary.txt": (bytes(range(256)) * 8, "binary data named .txt"),
        "huge.txt": ((GOOD_TXT * (big_bytes // len(GOOD_TXT) + 1)).encode(), "over the size limit"),
        "notes.docx": (b"PK\x03\x04 not really a docx", "not a zip archive, named .docx"),
        **office_files(),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    (outside / "secret.txt").write_text(SECRET)
    (folder / "escape.txt").symlink_to(outside / "secret.txt")
    return {**{name: what for name, (_, what) in files.items()},
            "escape.txt": "symlink out of the folder"}


def numbered_corpus(folder: Path, n: int) -> list[Path]:
    """`n` small distinct text files, for runs long enough to interrupt."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    words = ("river harbour valley tunnel bridge island forest meadow glacier fjord "
             "village market school station chapel mill quarry orchard").split()
    paths = []
    for i in range(n):
        a, b, c = rng.sample(words, 3)
        text = (f"Note {i}\n\nThe {a} near site {i} was surveyed in {1900 + i}. "
                f"Surveyors counted {rng.randint(2, 900)} trees beside the {b}. "
                f"A {c} was planned there but never built.\n")
        p = folder / f"note-{i:03d}.txt"
        p.write_text(text)
        paths.append(p)
    return paths


# --- Office files and e-books, good and bad ----------------------------------------------------

GOOD_DOCX = ("Reindeer migration", [
    ("Spring", "Every spring the reindeer herds of Finnmark walk about 300 kilometres to the coast, "
               "where they calve on the islands of Kvaløya and Magerøya."),
])


def good_docx() -> bytes:
    from tests.makedocs import Article, docx_bytes

    title, paragraphs = GOOD_DOCX
    return docx_bytes(Article(title, "Notes | 2024", paragraphs))


def zip_bomb_docx(unpacked: int = 250_000_000) -> bytes:
    """A real .docx with one more part of `unpacked` zero bytes: a few hundred kB on disk."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good_docx())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        with dst.open("word/media/padding.bin", "w", force_zip64=True) as fh:
            block = bytes(1_000_000)
            for _ in range(unpacked // len(block)):
                fh.write(block)
    return out.getvalue()


def encrypted_docx(password: str = "s3cret") -> bytes:
    """A .docx protected with a password, as Word saves it (msoffcrypto-tool, ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good_docx())).encrypt(password, out)
    return out.getvalue()


def encrypted_odt() -> bytes:
    """An .odt saved with a password: content.xml encrypted, its manifest entry holding the key data."""
    import zipfile

    from tests.makedocs import odt_bytes, read_article

    out = io.BytesIO()
    rng = random.Random(9)
    with zipfile.ZipFile(io.BytesIO(odt_bytes(read_article()))) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "content.xml":
                data = rng.randbytes(len(data))
            elif item.filename == "META-INF/manifest.xml":
                data = data.replace(
                    b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
                    b'manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type='
                    b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA">'
                    b'<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
                    b'manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry>')
                assert b"encryption-data" in data
            dst.writestr(item, data)
    return out.getvalue()


def drm_epub() -> bytes:
    """An EPUB whose chapter is encrypted (META-INF/encryption.xml names it with AES), as DRM does."""
    import zipfile

    from tests.makedocs import epub_bytes, read_article

    out = io.BytesIO()
    encryption = (b'<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                  b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod '
                  b'Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><enc:CipherData><enc:CipherReference '
                  b'URI="EPUB/chapter1.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>')
    with zipfile.ZipFile(io.BytesIO(epub_bytes(read_article()))) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("META-INF/encryption.xml", encryption)
    return out.getvalue()


def office_files() -> dict[str, tuple[bytes, str]]:
    """Bad Office files and e-books for the bad corpus: name -> (bytes, what it is)."""
    from tests.makedocs import blank_scan, pptx_bytes, read_article, scanned_pdf_bytes

    deck = pptx_bytes(read_article())
    return {
        "reindeer.docx": (good_docx(), "good Word file"),
        "locked.docx": (encrypted_docx(), "password-protected Word file"),
        "locked.odt": (encrypted_odt(), "password-protected OpenDocument file"),
        "drm.epub": (drm_epub(), "DRM-protected e-book"),
        "truncated.pptx": (deck[:len(deck) // 2], "slide deck cut in half"),
        "blank-scan.pdf": (scanned_pdf_bytes([blank_scan(dpi=100)], dpi=100), "scan of a blank page"),
        "old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "old binary Word file"),
        "letter.rtf": (b"{\\rtf1\\ansi Hello}", "RTF"),
        "budget.xlsx": (b"PK\x03\x04", "spreadsheet"),
    }
