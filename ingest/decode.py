"""Bytes to text: byte-order marks first, then UTF-8, then Windows-1252 or charset detection."""

from __future__ import annotations

import codecs
import unicodedata

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Non-letters that Western text in Windows-1252 commonly holds above ASCII.
_WESTERN_SYMBOLS = set("\u00a0“”‘’‚„–—…€£¥¢°©®™«»‹›§¶·•×÷´¨¡¿ªº½¼¾†‡‰")


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can recognise."""


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding) with newlines normalised to `\\n`."""
    encoding = _detect(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:  # a byte-order mark promised an encoding the bytes break
        raise DecodeError(f"not valid {exc.encoding.upper()} text (byte {exc.start})") from exc
    if "\x00" in text:
        raise DecodeError("binary content (NUL bytes), not text")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _detect(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    western = _reads_as_cp1252(data)
    best = from_bytes(data).best()
    # charset-normalizer cannot tell the Latin-script code pages apart on short
    # texts (Latin-1 "Tromsø" came back as cp1250 "Tromsř"). When its guess is a
    # Latin script anyway and Windows-1252 gives plausible text, take 1252: it is
    # what old Western files are (Latin-1 is its subset for printable text).
    if western and (best is None or _latin_script(str(best))):
        return "cp1252"
    if best is None:
        raise DecodeError("not text in any recognised encoding")
    return best.encoding


def _reads_as_cp1252(data: bytes) -> bool:
    """Every non-ASCII character of the cp1252 reading is a Latin letter or common symbol."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(c in _WESTERN_SYMBOLS or _is_latin_letter(c) for c in set(text) if ord(c) > 127)


def _latin_script(text: str) -> bool:
    """Most letters above ASCII are Latin (a guess in Cyrillic, Greek or CJK is not)."""
    letters = [c for c in text if ord(c) > 127 and c.isalpha()]
    return sum(map(_is_latin_letter, letters)) * 2 >= len(letters)


def _is_latin_letter(c: str) -> bool:
    return c.isalpha() and unicodedata.name(c, "").startswith("LATIN")
