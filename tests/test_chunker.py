"""Passages are exact spans of their document and always fit the model."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunker import chunk_document, indexed_text
from ingest.loaders import load_bytes, load_file
from ingest.records import Document, Region
from tests.conftest import ARTICLE

WORDS = st.sampled_from(["Norway", "EU", "security", "défense", "Ukraine", "75", "billion",
                         "NOK.", "agreement,", "Dr.", "U.S.", "e.g.", "PESCO!", "why?", "—",
                         "supercalifragilisticexpialidocious" * 4, "\n", "\n\n", "  ", "æøå"])
TEXTS = st.lists(WORDS, min_size=1, max_size=400).map(" ".join)


def _doc(text: str, kind: str = "txt") -> Document:
    return load_bytes(text.encode(), "/tmp/x." + kind, kind)


def _check(doc: Document, passages, embedder, max_tokens: int) -> None:
    for p in passages:
        assert doc.text[p.start:p.end] == p.text
        assert p.text == p.text.strip() and p.text
        assert all(p.start <= s < e <= p.end for s, e in p.sentences)
        assert p.sentences[0][0] == p.start and p.sentences[-1][1] == p.end
        assert embedder.count_tokens([indexed_text(p.title, p.section, p.text)])[0] <= max_tokens


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, target=st.integers(16, 254), kind=st.sampled_from(["txt", "md"]))
def test_span_invariant_and_token_limit(text: str, target: int, kind: str, embedder) -> None:
    if not text.strip():
        return
    try:
        doc = _doc(text, kind)
    except ValueError:  # nothing readable: LoadError
        return
    passages = chunk_document(doc, "x", embedder.count_tokens, embedder.max_tokens, target)
    _check(doc, passages, embedder, embedder.max_tokens)
    covered = {i for p in passages for s, e in p.sentences for i in range(s, e)}
    body = {i for r in doc.regions for i in range(r.start, r.end) if not doc.text[i].isspace()}
    assert body <= covered  # no body text is dropped


def test_article_passages(embedder) -> None:
    doc = load_file(ARTICLE)
    passages = chunk_document(doc, "a", embedder.count_tokens, embedder.max_tokens, 160)
    _check(doc, passages, embedder, embedder.max_tokens)
    assert max(embedder.count_tokens([p.text for p in passages])) <= 160
    assert len(passages) >= 5
    sections = {p.section for p in passages}
    assert sections == {None, "Security Policy Cooperation"}
    may28 = next(p for p in passages if "May 28, 2024" in p.text)
    assert may28.section == "Security Policy Cooperation"


def test_overlong_sentence_is_cut_not_truncated(embedder) -> None:
    text = "Title line\n" + " ".join(["word"] * 600) + "."
    doc = Document("/x", "T", text, "txt", "0", (Region(11, len(text)),))
    passages = chunk_document(doc, "x", embedder.count_tokens, embedder.max_tokens, 100)
    assert len(passages) >= 6
    _check(doc, passages, embedder, embedder.max_tokens)
    assert max(embedder.count_tokens([p.text for p in passages])) <= 100
    assert "".join(p.text for p in passages).count("word") == 600
