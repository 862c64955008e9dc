"""Bytes to text: byte-order marks first, then UTF-8, then charset detection."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can recognise."""


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding) with newlines normalised to `\\n`."""
    encoding = _detect(data)
    text = data.decode(encoding)
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
    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("not text in any recognised encoding")
    # Latin-1 and Windows-1252 agree except in 0x80-0x9F, where Latin-1 has
    # control characters nobody writes; Windows-1252 is the better reading.
    return "cp1252" if best.encoding in {"latin_1", "iso8859_1"} else best.encoding
