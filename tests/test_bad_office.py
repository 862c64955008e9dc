"""Bad Office files and e-books: each is refused with one clear line, before anything large is unpacked."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from ingest import office
from ingest.discover import discover
from ingest.loaders import LoadError, load_bytes
from tests.badfiles import drm_epub, encrypted_docx, encrypted_odt, good_docx, zip_bomb_docx
from tests.makedocs import pptx_bytes, read_article


def _refused(data: bytes, kind: str) -> str:
    with pytest.raises(LoadError) as info:
        load_bytes(data, f"/bad/file.{kind}", kind)
    message = str(info.value)
    assert "\n" not in message and message
    return message


def test_zip_bomb_is_refused_from_its_directory_without_unpacking() -> None:
    bomb = zip_bomb_docx(250_000_000)
    assert len(bomb) < 1_000_000
    tracemalloc.start()
    started = time.perf_counter()
    message = _refused(bomb, "docx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    unpacked = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert message == (f"unpacks to {unpacked / 1e6:.0f} MB, over the 200 MB limit (a zip bomb?); "
                       f"only {len(bomb) / 1e6:.1f} MB on disk")
    assert peak < 20_000_000 and time.perf_counter() - started < 5  # nothing was inflated


@pytest.mark.parametrize(("data", "kind", "reason"), [
    (b"PK\x03\x04 not really a docx", "docx",
     "not a Word file, or a damaged one (not a readable zip archive: File is not a zip file)"),
    (b"%PDF-1.4 a PDF renamed", "pptx",
     "not a PowerPoint file, or a damaged one (not a readable zip archive: File is not a zip file)"),
    (good_docx()[:3000], "docx",
     "not a Word file, or a damaged one (not a readable zip archive: File is not a zip file)"),
])
def test_not_a_zip_or_truncated(data: bytes, kind: str, reason: str) -> None:
    assert _refused(data, kind) == reason


def test_a_zip_of_something_else_is_a_damaged_file() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "just a zip file, no Word parts")
    assert _refused(out.getvalue(), "docx").startswith("damaged Word file (")
    assert _refused(out.getvalue(), "odt").startswith("damaged OpenDocument text file (")
    assert _refused(out.getvalue(), "epub").startswith("damaged EPUB file (")


def test_password_protected_files() -> None:
    assert _refused(encrypted_docx(), "docx") == "encrypted Word file (needs a password)"
    assert _refused(encrypted_docx(), "pptx") == "encrypted PowerPoint file (needs a password)"
    assert _refused(encrypted_odt(), "odt") == "encrypted OpenDocument text file (needs a password)"
    assert _refused(drm_epub(), "epub") == "DRM-protected e-book (its chapters are encrypted)"


def test_huge_slide_deck_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit is 2,000 slides; a deck one slide over a lowered limit shows the line without
    generating thousands of slides."""
    deck = pptx_bytes(read_article(), slides=30)  # 31 slides with the title slide
    assert len(load_bytes(deck, "/d/deck.pptx", "pptx").page_starts) == 31
    monkeypatch.setattr(office, "MAX_SLIDES", 30)
    assert _refused(deck, "pptx") == "slide deck too large (31 slides > limit 30)"


def test_archive_with_too_many_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_MEMBERS", 10)
    assert _refused(good_docx(), "docx").endswith("parts in the archive, over the limit of 10")


def test_refused_types_say_why(tmp_path: Path) -> None:
    for name in ("old.doc", "letter.rtf", "budget.xlsx", "deck.ppt"):
        (tmp_path / name).write_bytes(b"x")
    found = discover([tmp_path], 1_000_000)
    assert not found.files
    why = {Path(k).name: v for k, v in found.skipped.items()}
    assert why["old.doc"] == ("unsupported file type .doc: the old binary Office format: save it as .docx or "
                              "PDF and add that")
    assert why["deck.ppt"].startswith("unsupported file type .ppt: the old binary Office format")
    assert why["letter.rtf"].startswith("unsupported file type .rtf: RTF has no well-kept Python reader")
    assert why["budget.xlsx"].startswith("unsupported file type .xlsx: a spreadsheet")
