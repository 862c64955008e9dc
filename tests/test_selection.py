"""Answer selection (app/selection.py): continuation units, exact spans, and the four failure
classes of issue 13 on small documents and questions written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from app import selection as sel
from app.question_type import analyse as analyse_question
from index.search import Hit
from ingest.records import Passage

FUND = """---
title: The Nordic Coastal Fund
published: 2025-03-01
---
# The Nordic Coastal Fund

Five coastal states cooperate closely on the protection of their fisheries and harbours. Through a \
joint treaty, Iceland takes part in the Nordic Coastal Fund on the same terms as the founding \
states. Set up in 2017, the fund pays for research vessels and monitoring stations along the \
shore. Its board meets in Tromsø every spring.

Iceland also joins several other regional schemes that make harbours safer and share data across \
borders, among them Blue Harbour (a port safety network), Tern (a tidal energy research network), \
the Coastal Data Exchange (CDX) and the Arctic Rescue Mechanism, which sends rescue boats to ships \
in distress.

The fund has financed 14 research vessels so far. While modest in size, the fund is seen as a \
model for other seas. Fishing crews report fewer accidents since the stations opened.
"""
BEES = """---
title: Pollinators in city parks
published: 2024-06-10
---
# Pollinators in city parks

A survey counted wild bees in 40 city parks over three summers. Parks that left strips of grass \
unmown held more bee species than parks mown every week. The survey recommends leaving some parts \
of every park unmown. These include corners behind playgrounds and the edges of footpaths.

The survey was run by volunteers trained by the city's ecology office. Its results will guide \
how the parks are mown from next year.
"""


def _hit(doc: str, spans: list[tuple[int, int]], row: int = 0) -> Hit:
    p = Passage("doc", "t", "s", spans[0][0], spans[-1][1], doc[spans[0][0]:spans[-1][1]], None, None, None,
                tuple(spans))
    return Hit(row, p, 1.0, 0.5, 1, 1.0, 1)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    """Sentences (some opening like a continuation), joined by spaces or paragraph breaks."""
    openings = ["This", "These include", "It", "While small,", "Established in 2020,", "The fund",
                "Norway", "A survey", "Ships", "They"]
    n = draw(st.integers(1, 8))
    text, spans = "", []
    for i in range(n):
        words = draw(st.lists(st.sampled_from("fund ships harbour data bees parks survey".split()),
                              min_size=1, max_size=5))
        sentence = f"{draw(st.sampled_from(openings))} {' '.join(words)}."
        if i:
            text += draw(st.sampled_from([" ", "  ", "\n", " \n"]))
        spans.append((len(text), len(text) + len(sentence)))
        text += sentence
    return text, spans


@settings(max_examples=300, deadline=None)
@given(documents())
def test_every_unit_is_an_exact_span_of_whole_sentences(doc: tuple[str, list[tuple[int, int]]]) -> None:
    text, spans = doc
    us = sel.units([_hit(text, spans)])
    singles = [(u.first, u.last) for u in us if u.first == u.last]
    assert singles == [(j, j) for j in range(len(spans))]  # every sentence once on its own
    for u in us:
        start, end = u.span
        quote = text[start:end]
        assert start == spans[u.first][0] and end == spans[u.last][1]
        assert quote.startswith(text[slice(*spans[u.first])]) and quote.endswith(text[slice(*spans[u.last])])
        assert u.last - u.first < sel.MAX_UNIT_SENTENCES
        for j in range(u.first + 1, u.last + 1):  # each added sentence continues the one before it
            assert sel.continues(text[slice(*spans[j - 1])], text[slice(*spans[j])])
            assert "\n" not in text[spans[j - 1][1]:spans[j][0]]  # never across a paragraph
    assert len({u.span for u in us}) == len(us)


@settings(max_examples=300, deadline=None)
@given(documents(), st.sampled_from(["", "x", "Fund", "9"]))
def test_passage_terms_are_the_terms_of_its_whole_text(doc: tuple[str, list[tuple[int, int]]], glue: str) -> None:
    text, spans = doc
    if glue and len(spans) > 1:  # text outside the sentences, or a word run across a boundary
        a, b = spans[0][1], spans[1][0]
        text = text[:a] + glue + text[b:]
        shift = len(glue) - (b - a)
        spans = [spans[0]] + [(s + shift, e + shift) for s, e in spans[1:]]
    hit = _hit(text, spans)
    assert sel._passage_terms(hit) == sel._terms(text)


@pytest.mark.parametrize(("previous", "sentence", "expected"), [
    ("Norway joined the fund.", "Established in 2021, the fund supports projects.", True),
    ("Norway joined the fund.", "These include ports and ships.", True),
    ("The pact was signed in May.", "While non-binding, the pact formalises the work.", True),
    ("Norway signed a partnership agreement.", "The agreement covers space.", True),
    ("Norway signed a partnership agreement.", "The weather was fine.", False),
    ("Norway joined the fund.", "Sweden did not.", False),
    ("Iceland takes part in the fund.", "Set up in 2017, the fund pays for ships.", True),
    ("Iceland takes part in the fund.", "Set the dial to zero.", False),
])
def test_continues(previous: str, sentence: str, expected: bool) -> None:
    assert sel.continues(previous, sentence) is expected


def test_weights_match_the_features_and_choose_a_threshold() -> None:
    w = sel.weights()
    assert w.unit.names == sel.UNIT_FEATURES and len(w.unit.coef) == len(sel.UNIT_FEATURES)
    assert w.answer.names == sel.ANSWER_FEATURES and len(w.answer.coef) == len(sel.ANSWER_FEATURES)
    assert 0.0 < w.threshold < 1.0 and np.all(w.unit.scale > 0)
    trained = json.loads(sel.WEIGHTS_FILE.read_text())
    assert all("test" not in f for f in trained["trained_on"])  # tuned on the tune part only


def test_focus_answered_needs_the_answer_next_to_what_was_asked() -> None:
    doc = "The fund has 14 research vessels. Its board meets in spring and has a new chair."
    spans = [(0, 33), (34, len(doc))]
    kind = analyse_question("How many board members does the fund have?")
    first, second = (sel.Unit(_hit(doc, spans), 1, j, j) for j in (0, 1))
    assert not sel.focus_answered(kind, first)  # a number, but about vessels
    assert not sel.focus_answered(kind, second)  # the board, but no number
    vessels = analyse_question("How many vessels does the fund have?")
    assert sel.focus_answered(vessels, first)


def test_predicate_answered_needs_the_answer_next_to_a_predicate_term() -> None:
    doc = "The harbour fund was set up in 2017. The harbour fund pays for ferries and quays."
    spans = [(0, 36), (37, len(doc))]
    first, second = (sel.Unit(_hit(doc, spans), 1, j, j) for j in (0, 1))
    when = analyse_question("When was the harbour fund set up?")
    assert sel.predicate_answered(when, first, ("set",))  # a year beside "set up"
    assert not sel.predicate_answered(when, second, ("set",))  # the predicate is not in the quote
    renamed = analyse_question("When was the harbour fund renamed?")
    assert not sel.predicate_answered(renamed, first, ("renam",))  # a year, but about its founding
    assert sel.predicate_answered(analyse_question("Does the fund pay for ferries?"), second, ())  # yes/no


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory: pytest.TempPathFactory, embedder):
    from app.engine import Engine

    root = tmp_path_factory.mktemp("selection")
    docs = root / "docs"
    docs.mkdir()
    (docs / "coastal-fund.md").write_text(FUND, encoding="utf-8")
    (docs / "bees.md").write_text(BEES, encoding="utf-8")
    engine = Engine(root / "index", embedder=embedder)
    engine.ingest([docs])
    return engine


def _quoted(engine, question: str) -> str:  # noqa: ANN001 - Engine
    a = engine.ask(question)
    for c in a.citations:  # every quote is an exact span of its document
        assert engine.index.doc_by_id[c.doc_id].doc.text[c.start:c.end] == c.quote
    return "" if a.abstained else " ".join(c.quote for c in a.citations)



@pytest.mark.slow
@pytest.mark.parametrize(("question", "answer"), [
    ("When was the Nordic Coastal Fund created?", "2017"),  # class 1 and 3: the next sentence, a year
    ("Which parts of a park does the bee survey say to leave unmown?", "corners behind playgrounds"),
])
def test_answer_in_the_sentence_that_continues_the_subject(small_engine, question: str, answer: str) -> None:
    assert answer in _quoted(small_engine, question)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "answer"), [
    ("What is Tern?", "tidal energy research network"),  # class 2: a name inside a long list sentence
    ("What does CDX stand for?", "Coastal Data Exchange"),
])
def test_a_rare_name_inside_a_long_list_sentence(small_engine, question: str, answer: str) -> None:
    assert answer in _quoted(small_engine, question)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "answer"), [
    ("In what year did the Nordic Coastal Fund begin?", "2017"),  # class 3: the kind of answer asked
    ("How many research vessels has the Nordic Coastal Fund paid for?", "14"),
    ("Who trained the volunteers for the bee survey?", "ecology office"),
])
def test_the_quote_holds_the_kind_of_answer_asked_for(small_engine, question: str, answer: str) -> None:
    a = small_engine.ask(question)
    assert not a.abstained and answer in a.citations[0].quote
    assert a.citations[0].selection.type_match


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "Who is the director of the Arctic Rescue Mechanism?",  # class 3/4: an official never named
    "What is the annual budget of the Nordic Coastal Fund?",  # class 4: on topic, not answered
    "How many staff does the Nordic Coastal Fund employ?",  # a number in the text, not about staff
    "Who won the football World Cup in 2022?",
])
def test_unanswered_questions_abstain_and_keep_the_closest_passages(small_engine, question: str) -> None:
    a = small_engine.ask(question)
    assert a.abstained and not a.citations and a.related
    assert a.evidence_score < small_engine.answer_settings.abstain_below()


@pytest.mark.slow
def test_json_trace_says_what_was_asked_and_how_likely_the_quote_answers(small_engine) -> None:
    a = small_engine.ask("How many research vessels has the Nordic Coastal Fund paid for?")
    d = a.to_dict()
    assert "hits" not in d and len(a.hits) >= len(a.citations)
    assert d["answer_type"] == "number"
    first = d["citations"][0]
    assert first["selection"]["answer_type"] == "number" and first["selection"]["type_match"] is True
    assert 0.0 <= first["selection"]["probability"] <= 1.0 and first["selection"]["sentences"] >= 1
    assert first["selection"]["focus_answered"] is True and first["selection"]["predicate_answered"] is True
    assert all(c["selection"]["predicate_answered"] is None for c in d["citations"][1:])  # the best quote's
    assert set(first["trace"]) == {"dense_rank", "dense_score", "bm25_rank", "bm25_score", "fused_score"}
    json.dumps(d)  # plain data all the way down
    assert all(r["selection"] is None for r in d["related"])


@pytest.mark.slow
def test_terminal_and_html_show_the_type_and_probability(small_engine) -> None:
    from app.render_html import render_answer
    from app.render_terminal import format_answer

    a = small_engine.ask("How many research vessels has the Nordic Coastal Fund paid for?")
    shown = format_answer(a)
    assert "asks for: number" in shown and f"p {a.citations[0].selection.probability:.2f} (holds number)" in shown
    page = render_answer(a.to_dict(), lambda _: None)
    assert "asks for: number" in page and "holds number" in page


def test_unknown_feature_names_are_refused(tmp_path: Path) -> None:
    d = json.loads(sel.WEIGHTS_FILE.read_text())
    d["unit"]["features"] = d["unit"]["features"][:-1] + ["something_else"]
    path = tmp_path / "w.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="train_selector"):
        sel.weights(path)
