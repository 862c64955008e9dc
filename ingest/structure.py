"""Find headings and paragraphs in plain text and Markdown, as character regions."""

from __future__ import annotations

import re

from ingest.records import Region

_LINE = re.compile(r"[^\n]*\n?")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_END_PUNCT = tuple(".!?:;,…\"'”’)")


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline."""
    spans = []
    for m in _LINE.finditer(text):
        if m.start() == len(text):
            break
        end = m.end() - (1 if m.group().endswith("\n") else 0)
        spans.append((m.start(), end))
    return spans


def looks_like_heading(line: str) -> bool:
    """A short line without sentence punctuation, such as 'Security Policy Cooperation'."""
    s = line.strip()
    words = s.split()
    return (
        0 < len(words) <= 10
        and len(s) <= 90
        and not s.endswith(_END_PUNCT)
        and "|" not in s
        and (s[0].isupper() or s[0].isdigit())
    )


def plain_structure(text: str) -> tuple[str | None, list[Region]]:
    """Title and body regions of plain text.

    A file with blank lines between paragraphs is read block by block (lines
    inside a block are wrapped prose); a file without is read one paragraph a
    line. The first line is the title when it looks like a heading; a heading is
    a short line without end punctuation, alone, and followed by more text.
    """
    blocks = _blocks(text) if "\n\n" in text.strip() else [[ln] for ln in _lines(text)]
    blocks = [b for b in ([ln for ln in blk if text[ln[0]:ln[1]].strip()] for blk in blocks) if b]
    title: str | None = None
    section: str | None = None
    regions: list[Region] = []
    for i, block in enumerate(blocks):
        first = text[block[0][0]:block[0][1]]
        if len(block) == 1 and i < len(blocks) - 1 and looks_like_heading(first):
            if i == 0:
                title = first.strip()
            else:
                section = first.strip()
            continue
        regions.append(_trimmed(text, block[0][0], block[-1][1], section))
    return title, regions


def _blocks(text: str) -> list[list[tuple[int, int]]]:
    """Lines grouped into blank-line separated blocks."""
    blocks: list[list[tuple[int, int]]] = [[]]
    for s, e in _lines(text):
        if text[s:e].strip():
            blocks[-1].append((s, e))
        elif blocks[-1]:
            blocks.append([])
    return blocks


def markdown_structure(text: str) -> tuple[str | None, list[Region]]:
    """Title (first level-1 heading) and paragraph regions of Markdown."""
    title: str | None = None
    section: str | None = None
    regions: list[Region] = []
    para: list[tuple[int, int]] = []
    in_fence = False

    def flush() -> None:
        if para:
            regions.append(_trimmed(text, para[0][0], para[-1][1], section))
            para.clear()

    for s, e in _lines(text):
        line = text[s:e]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        m = None if in_fence else _MD_HEADING.match(line)
        if m:
            flush()
            heading = m.group(2).strip()
            if len(m.group(1)) == 1 and title is None:
                title = heading
            else:
                section = heading
        elif not line.strip():
            flush()
        else:
            para.append((s, e))
    flush()
    return title, [r for r in regions if r.end > r.start]


def _trimmed(text: str, start: int, end: int, section: str | None) -> Region:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Region(start, end, section)
