"""Sentence boundaries as character spans (Bling Fire's sentence breaker)."""

from __future__ import annotations

import re

import blingfire

_SPACE = re.compile(r"\s")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in `text[start:end]`, absolute, trimmed of whitespace."""
    end = len(text) if end is None else end
    piece = text[start:end]
    # Bling Fire treats newlines as hard breaks; PDFs wrap lines mid-sentence.
    # Swapping each whitespace character for a space keeps every offset valid.
    flat = _SPACE.sub(" ", piece)
    if not flat.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(flat)
    spans: list[tuple[int, int]] = []
    for s, e in offsets:
        while s < e and flat[s] == " ":
            s += 1
        while e > s and flat[e - 1] == " ":
            e -= 1
        if e > s:
            spans.append((start + s, start + e))
    return spans
