"""Split a document into passages at sentence boundaries, sized in model tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

from ingest.records import Document, Passage
from ingest.sentences import split_sentences

CountTokens = Callable[[Sequence[str]], list[int]]


def indexed_text(title: str, section: str | None, text: str) -> str:
    """What is embedded and BM25-indexed for a passage: its context, then its text."""
    return "\n".join(p for p in (title, section, text) if p)


def chunk_document(
    doc: Document,
    doc_id: str,
    count_tokens: CountTokens,
    max_tokens: int,
    target_tokens: int | None = None,
    overlap: int = 1,
) -> list[Passage]:
    """Pack whole sentences into passages of at most `target_tokens` (never more than
    `max_tokens`, counting the title and section the passage is indexed with).

    Passages stay inside one section; a sentence too long for a passage on its own
    is cut at word boundaries. `overlap` sentences repeat at the start of the next
    passage when they are small enough.
    """
    target = min(target_tokens or max_tokens, max_tokens)
    passages: list[Passage] = []
    for section, group in groupby(doc.regions, key=lambda r: r.section):
        spans = [s for r in group for s in split_sentences(doc.text, r.start, r.end)]
        if not spans:
            continue
        title, heading = _context(doc.title, section, count_tokens, max_tokens // 2)
        budget = max_tokens - count_tokens([indexed_text(title, heading, "")])[0]
        limit = min(target, budget)
        spans, sizes = _fit(doc.text, spans, count_tokens, limit)
        for first, last in _pack(sizes, limit, overlap):
            start, end = spans[first][0], spans[last][1]
            passages.append(Passage(
                doc_id=doc_id, title=title, source=doc.source, start=start, end=end,
                text=doc.text[start:end], section=heading,
                page_start=doc.page_at(start), page_end=doc.page_at(end - 1),
                sentences=tuple(spans[first:last + 1]),
            ))
    return passages


def _context(title: str, section: str | None, count_tokens: CountTokens,
             cap: int) -> tuple[str, str | None]:
    """Title and section as indexed, shortened (with "…") only when together they
    would take more than `cap` tokens, so that every passage keeps room for text."""
    while count_tokens([indexed_text(title, section, "")])[0] > cap:
        if section and len(section) >= len(title):
            section = section[:max(len(section) * 4 // 5, 1) - 1].rstrip() + "…"
        elif len(title) > 1:
            title = title[:max(len(title) * 4 // 5, 1) - 1].rstrip() + "…"
        else:
            break
    return title, section


def _fit(text: str, spans: list[tuple[int, int]], count_tokens: CountTokens,
         limit: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Token count per sentence, cutting any sentence longer than `limit` into pieces."""
    out: list[tuple[int, int]] = []
    sizes: list[int] = []
    for span, n in zip(spans, count_tokens([text[s:e] for s, e in spans])):
        if n <= limit:
            out.append(span)
            sizes.append(n)
            continue
        for piece in _cut(text, span, count_tokens, limit):
            out.append(piece)
            sizes.append(count_tokens([text[piece[0]:piece[1]]])[0])
    return out, sizes


def _cut(text: str, span: tuple[int, int], count_tokens: CountTokens,
         limit: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at whitespace into pieces of at most `limit` tokens."""
    s, e = span
    words: list[tuple[int, int]] = []
    i = s
    while i < e:
        while i < e and text[i].isspace():
            i += 1
        j = i
        while j < e and not text[j].isspace():
            j += 1
        if j > i:
            words.append((i, j))
        i = j
    counts = count_tokens([text[a:b] for a, b in words])
    pieces: list[tuple[int, int]] = []
    cur_start, cur_n = None, 0
    for (a, b), n in zip(words, counts):
        if n > limit:  # a single "word" longer than the limit: cut by characters
            if cur_start is not None:
                pieces.append((cur_start, prev_end))
                cur_start, cur_n = None, 0
            pieces.extend(_cut_chars(text, a, b, count_tokens, limit))
            continue
        if cur_start is not None and cur_n + n > limit:
            pieces.append((cur_start, prev_end))
            cur_start, cur_n = None, 0
        if cur_start is None:
            cur_start = a
        cur_n += n
        prev_end = b
    if cur_start is not None:
        pieces.append((cur_start, prev_end))
    return pieces


def _cut_chars(text: str, a: int, b: int, count_tokens: CountTokens,
               limit: int) -> list[tuple[int, int]]:
    pieces = []
    while a < b:
        hi = b
        while hi - a > 1 and count_tokens([text[a:hi]])[0] > limit:
            hi = a + (hi - a) // 2
        pieces.append((a, hi))
        a = hi
    return pieces


def _pack(sizes: list[int], limit: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy (first, last) sentence ranges whose summed size stays within `limit`."""
    ranges: list[tuple[int, int]] = []
    first = 0
    while first < len(sizes):
        last, total = first, sizes[first]
        while last + 1 < len(sizes) and total + sizes[last + 1] <= limit:
            last += 1
            total += sizes[last]
        ranges.append((first, last))
        if last + 1 >= len(sizes):
            break
        nxt = last + 1
        # Carry up to `overlap` trailing sentences over when they leave room for new text.
        back = 0
        while (back < overlap and nxt - back - 1 > first
               and sum(sizes[nxt - back - 1:nxt]) + sizes[nxt] <= limit // 2):
            back += 1
        first = nxt - back
    return ranges
