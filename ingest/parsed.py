"""What a format's reader hands back before it becomes a Document, and how parts are joined."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.records import Region

PART_SEPARATOR = "\n\n"


@dataclass
class Parsed:
    """A file's text with its body regions, pages and the metadata the file itself states."""

    text: str
    regions: list[Region]
    page_starts: list[int] = field(default_factory=list)
    title: str | None = None  # from the document's structure (a title paragraph, a first heading)
    meta: dict = field(default_factory=dict)  # title, published, publisher, author, url
    warnings: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)


@dataclass
class Block:
    """One paragraph, heading or table of a document, in reading order."""

    text: str
    section: str | None  # the heading it sits under
    heading: bool = False  # kept in the text for reading, not indexed as body


def join_parts(parts: list[tuple[str, list[Region]]]) -> tuple[str, list[Region], list[int]]:
    """Concatenate texts (each with regions relative to it) into one text with blank lines
    between them; returns the text, the shifted regions and where each part starts."""
    chunks: list[str] = []
    regions: list[Region] = []
    starts: list[int] = []
    pos = 0
    for text, part_regions in parts:
        if chunks:
            chunks.append(PART_SEPARATOR)
            pos += len(PART_SEPARATOR)
        starts.append(pos)
        chunks.append(text)
        regions += [Region(r.start + pos, r.end + pos, r.section) for r in part_regions]
        pos += len(text)
    return "".join(chunks), regions, starts


def blocks_part(blocks: list[Block]) -> tuple[str, list[Region]]:
    """Blocks as one text: each non-empty block trimmed, blank lines between; headings are not regions."""
    kept = [(b, b.text.strip()) for b in blocks]
    text, regions, _ = join_parts([(t, [] if b.heading else [Region(0, len(t), b.section)])
                                   for b, t in kept if t])
    return text, regions


def page_list(pages: list[int]) -> str:
    """1, 2, 3, 5 -> "1–3, 5"."""
    runs: list[list[int]] = []
    for p in sorted(pages):
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
