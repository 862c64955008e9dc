"""'The sources differ': figures with units, the same-subject rule, and the answer that shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.differences import differences, figures, keywords, note

Q = "How large is the Nansen Support Programme for Ukraine?"


@dataclass
class Passage:  # the fields of app.answer.Citation that the rule reads
    doc_id: str
    title: str
    source: str
    published: str | None
    passage: str
    url: str | None = None
    quote: str = ""  # the cited sentence; the whole passage unless a test says otherwise

    def __post_init__(self) -> None:
        self.quote = self.quote or self.passage


OLD = Passage("old", "Old article", "/old.txt", "2023-02-20",
              "Norway's Ukraine aid package, the Nansen Program, totaling 75 billion NOK, is aligned with the EU.")
NEW = Passage("new", "Press release", "https://example.org/new", "2024-11-28",
              "The Nansen Support Programme for Ukraine is extended, and the framework rises to NOK 135 billion.")


@pytest.mark.parametrize("text, unit, value", [
    ("The fund holds NOK 75 billion.", "NOK", 75e9),
    ("The fund holds 75 billion NOK.", "NOK", 75e9),
    ("The fund holds NOK 75,000 million.", "NOK", 75e9),
    ("A grant of EUR 1.2 million was made.", "EUR", 1.2e6),
    ("A grant of €40m was made.", "EUR", 40e6),
    ("Turnout rose to 12.5 % last year.", "%", 12.5),
    ("Turnout rose to 7 per cent.", "%", 7.0),
    ("The programme runs until 2030.", "end year", 2030.0),
    ("The programme covers 2023–2027.", "end year", 2027.0),
    ("The partnership was signed in 2024.", "year", 2024.0),
    ("Norway has had an agreement with the agency since 2006.", "year", 2006.0),
    ("Support flows from 2019.", "year", 2019.0),
    ("The agreement was signed in May 2024.", "year", 2024.0),
    ("The bridge is 21 metres long.", "metre", 21.0),
    ("The bridge is 21 meters long.", "metre", 21.0),
    ("Norway sent 300 soldiers.", "soldier", 300.0),
    ("The fund backs 14 projects.", "project", 14.0),
    ("The fund backs 14 new projects.", "project", 14.0),
    ("The fund backs fourteen projects.", "project", 14.0),
    ("Eleven civilian operations took part.", "operation", 11.0),
    ("They shipped 5,000 tonnes of grain.", "tonne", 5000.0),
    ("Aid reached 2.5 million people.", "people", 2.5e6),
    ("The office has 300 staff.", "staff", 300.0),
    ("The road is 5 km long.", "km", 5.0),
    ("Aid went to 12 countries.", "country", 12.0),
    ("The programme runs over five years.", "years", 5.0),
])
def test_figures_read_value_and_unit(text: str, unit: str, value: float) -> None:
    [f] = figures(text)
    assert (f.unit, f.value, f.sentence) == (unit, value, text)


@pytest.mark.parametrize("text", [
    "Norway has had 3 with the agency.",  # a bare number
    "In total 1995 was a good year for it.",  # a bare year
    "It rests on a 2004 framework agreement.",
    "On May 28, 2024, Norway and the EU signed a partnership.",
    "The agreement was signed on 28 May 2024.",
    "They met on 3 May.",
    "See Article 5 of the treaty, and Article 5 states the rest.",
    "The figure on page 3 lists them; section 2 contains more.",
    "Norway had 2000 soldiers there.",  # a plain four-digit year-like number reads as a year
    "The meeting starts at 14:30 hours, or 10 am.",
    "It is the 21st century.",
    "Between 5 and 10 units, or 5 to 10 units, were sent.",
    "Norway has contributed to three military and eleven.",
    "It is 1 project.",
    "Of those, 5 of them remain.",
    "The larger samples pass; the two smaller ones do not.",  # "ones" is no unit
    "The tender closed 20/01/2025 at noon.",
])
def test_not_a_figure(text: str) -> None:
    assert figures(text) == []


def test_a_count_is_not_also_read_from_money_percentages_or_years() -> None:
    assert [(f.unit, f.value) for f in figures("NOK 75 billion over five years, 7 per cent in 2020.")] == [
        ("NOK", 75e9), ("%", 7.0), ("year", 2020.0), ("years", 5.0)]
    assert [f.unit for f in figures("Support from 2023 until 2030, in 2023–2027.")] == [
        "end year", "end year", "year"]  # "from 2023" is an event's year; "in 2023–2027" a range


def test_keywords_meet_across_spellings() -> None:
    assert {"nansen", "program", "defense"} <= keywords("The Nansen Programme's defence support")
    assert "the" not in keywords("the The THE")


def test_different_figures_for_the_same_thing_are_listed_newest_first() -> None:
    rows = differences(Q, [OLD, NEW])
    assert [(r.figure, r.published, r.title, r.source) for r in rows] == [
        ("NOK 135 billion", "2024-11-28", "Press release", "https://example.org/new"),
        ("75 billion NOK", "2023-02-20", "Old article", "/old.txt")]
    assert rows[0].subject in {"nansen", "program", "ukraine"}
    assert note(rows) == ("Note: the sources differ: NOK 135 billion (Press release, 2024-11-28); "
                          "75 billion NOK (Old article, 2023-02-20).")


def test_no_difference_when_figures_agree_or_share_a_document() -> None:
    same = Passage("b", "Other", "/b.txt", "2024-01-01", "The Nansen Programme for Ukraine totals NOK 75,000 million.")
    assert differences(Q, [OLD, same]) == []
    one_doc = Passage("old", OLD.title, OLD.source, OLD.published, NEW.passage)
    assert differences(Q, [OLD, one_doc]) == []  # one document revising itself is not two sources


def test_no_difference_for_other_things_or_other_questions() -> None:
    budget = Passage("b", "Budget", "/b.txt", "2024-10-07", "Norway's defence budget is NOK 100 billion.")
    assert differences("How much does Norway spend?", [OLD, budget]) == []  # only "norway" shared
    assert differences("Who signed the partnership agreement?", [OLD, NEW]) == []  # not what was asked
    euros = Passage("e", "Euro note", "/e.txt", None, "The Nansen Programme for Ukraine is worth EUR 6.5 billion.")
    assert differences(Q, [OLD, euros]) == []  # different units are not compared


def test_a_figure_must_be_in_a_cited_quote() -> None:
    assert differences(Q, [], [OLD, NEW]) == []  # both only in related passages: the answer states neither
    rows = differences(Q, [NEW], [OLD])  # cited vs related: shown
    assert [r.doc_id for r in rows] == ["new", "old"]
    unquoted = Passage("new", NEW.title, NEW.source, NEW.published, NEW.passage + " Schools reopened.",
                       quote="Schools reopened.")
    assert differences(Q, [unquoted], [OLD]) == []


def test_every_document_on_the_same_thing_is_listed_agreeing_or_not() -> None:
    agrees = Passage("art", "Article", "/art.txt", "2025-01-20",
                     "Norway's Ukraine aid, the Nansen Programme, totals NOK 75 billion.")
    rows = differences(Q, [NEW], [OLD, agrees])  # agrees/OLD are not a pair (same value), yet both shown
    assert [(r.doc_id, r.value) for r in rows] == [("art", 75e9), ("new", 135e9), ("old", 75e9)]


def test_undated_sources_come_last() -> None:
    undated = Passage("u", "Undated page", "/u.txt", None, "The Nansen Programme for Ukraine totals NOK 50 billion.")
    rows = differences(Q, [undated, OLD, NEW])
    assert [r.published for r in rows] == ["2024-11-28", "2023-02-20", None]
    assert note(rows).endswith("NOK 50 billion (Undated page, undated).")


BRIDGE_Q = "How long is the Storseisund bridge?"


def _bridge(doc_id: str, published: str, text: str) -> Passage:
    return Passage(doc_id, f"Bridge {doc_id}", f"/{doc_id}.txt", published, text)


def test_counts_with_the_same_unit_that_differ_are_listed_newest_first() -> None:
    old = _bridge("a", "2019-05-01", "The Storseisund bridge is 21 metres long.")
    new = _bridge("b", "2024-03-01", "The Storseisund bridge is 24 metres long, says the road authority.")
    rows = differences(BRIDGE_Q, [old, new])
    assert [(r.figure, r.unit, r.published) for r in rows] == [
        ("24 metres", "metre", "2024-03-01"), ("21 metres", "metre", "2019-05-01")]
    assert note(rows) == ("Note: the sources differ: 24 metres (Bridge b, 2024-03-01); "
                          "21 metres (Bridge a, 2019-05-01).")


def test_counts_that_agree_or_have_other_units_are_not_flagged() -> None:
    old = _bridge("a", "2019-05-01", "The Storseisund bridge is 21 metres long.")
    same = _bridge("b", "2024-03-01", "The Storseisund bridge is 21 metres long.")
    feet = _bridge("c", "2024-03-01", "The Storseisund bridge is 69 feet long.")
    assert differences(BRIDGE_Q, [old, same]) == []
    assert differences(BRIDGE_Q, [old, feet]) == []


def test_event_years_that_differ_are_flagged_but_not_against_end_years() -> None:
    q = "When was the partnership on defence signed?"
    a = Passage("a", "Article", "/a.txt", "2025-01-20", "The defence partnership was signed in 2024.")
    b = Passage("b", "Blog", "/b.txt", "2023-12-01", "The defence partnership was signed in 2023.")
    rows = differences(q, [a, b])
    assert [(r.figure, r.unit, r.published) for r in rows] == [
        ("in 2024", "year", "2025-01-20"), ("in 2023", "year", "2023-12-01")]
    until = Passage("b", "Blog", "/b.txt", "2023-12-01", "The defence partnership was signed to last until 2023.")
    assert differences(q, [a, until]) == []  # an end year is another kind of figure
    assert differences("What does the defence partnership cover?", [a, b]) == []  # not asked when
    assert len(differences("In which year was the defence partnership signed?", [a, b])) == 2


@given(st.integers(1, 10_000), st.integers(1, 10_000))
def test_flagged_exactly_when_values_differ(a: int, b: int) -> None:
    x = Passage("x", "X", "/x", "2020-01-01", f"The Nansen Programme for Ukraine totals NOK {a} million.")
    y = Passage("y", "Y", "/y", "2021-01-01", f"The Nansen Programme for Ukraine totals NOK {b} million.")
    rows = differences(Q, [x, y])
    assert len(rows) == (2 if a != b else 0)
    assert all(r.unit == "NOK" for r in rows)


@given(st.integers(2, 10_000_000), st.integers(2, 10_000_000))
def test_counts_flagged_exactly_when_values_differ(a: int, b: int) -> None:
    x = _bridge("x", "2020-01-01", f"The Storseisund bridge carries {a:,} cars a day.")
    y = _bridge("y", "2021-01-01", f"The Storseisund bridge carries {b:,} cars a day.")
    assert [f.value for f in figures(x.passage)] == [a]
    assert len(differences("How many cars use the Storseisund bridge?", [x, y])) == (2 if a != b else 0)


@pytest.mark.slow
def test_answer_says_the_sources_differ_with_both_dates(tmp_path: Path, embedder) -> None:
    from app.engine import Engine
    from app.render_terminal import format_answer

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "nansen-2023.md").write_text(
        "---\ntitle: Norway launches the Nansen Programme\npublished: 2023-02-20\n---\n"
        "# Norway launches the Nansen Programme\n\n"
        "The Nansen Support Programme for Ukraine totals NOK 75 billion over five years. "
        "It combines military and civilian support.\n\n"
        "## Civilian support\n\nCivilian support goes to humanitarian aid, energy and schools.\n")
    (docs / "nansen-2024.md").write_text(
        "---\ntitle: Nansen Support Programme extended\npublished: 2024-11-28\n---\n"
        "# Nansen Support Programme extended\n\n"
        "The Government extends the Nansen Support Programme for Ukraine until 2030. "
        "The programme now totals NOK 135 billion.\n\n"
        "## Air defence\n\nA larger share goes to air defence, in cooperation with allies.\n")
    engine = Engine(tmp_path / "index", embedder=embedder)
    assert len(engine.ingest([docs]).added) == 2

    a = engine.ask("How much money does the Nansen Support Programme for Ukraine total?")
    assert not a.abstained
    assert [(d.figure, d.published, d.title) for d in a.differences] == [
        ("NOK 135 billion", "2024-11-28", "Nansen Support Programme extended"),
        ("NOK 75 billion", "2023-02-20", "Norway launches the Nansen Programme")]
    assert "Note: the sources differ: NOK 135 billion (Nansen Support Programme extended, 2024-11-28); " \
           "NOK 75 billion (Norway launches the Nansen Programme, 2023-02-20)." in a.answer
    assert a.to_dict()["differences"][1]["published"] == "2023-02-20"
    shown = format_answer(a)
    assert "The sources differ (newest first):" in shown
    assert shown.index("2024-11-28") < shown.index("2023-02-20")

    same = engine.ask("What does civilian support go to?")  # no figures: nothing to flag
    assert same.differences == [] and "differ" not in same.answer



@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["The coastal fund paid", "NOK 75 billion", "in 2021", "twelve ships",
                                 "12%", "for the harbour ports", "five new projects", "Quiet seas", ".",
                                 ". ", "\n"]), max_size=12, unique=True))
def test_a_figure_is_about_the_words_of_its_sentence_and_the_one_before(parts: list[str]) -> None:
    text = " ".join(parts)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    for f in figures(text):
        i = sentences.index(f.sentence)
        assert f.subject == keywords(f.sentence) | (keywords(sentences[i - 1]) if i else frozenset())


def test_a_figure_keeps_the_subject_of_a_sentence_without_figures_before_it() -> None:
    (f,) = figures("The coastal fund was set up for harbours. It paid NOK 75 billion.")
    assert {"coastal", "fund", "harbour"} <= f.subject


@given(st.lists(st.text(alphabet="aAsÅ'’-x", min_size=1, max_size=6), max_size=8))
def test_keywords_drop_possessives_as_the_possessive_rule_says(words: list[str]) -> None:
    from app.differences import _STOP

    text = " ".join(words)
    expected = set()
    for w in re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]+", text):  # the rule, written out plainly
        w = re.sub(r"['’]s?$", "", w.lower())
        w = {"programme": "program", "programmes": "program", "defence": "defense"}.get(w, w)
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if len(w) > 2 and w not in _STOP:
            expected.add(w)
    assert keywords(text) == frozenset(expected)


@pytest.mark.parametrize(("odd", "plain"), [
    ("It cost 10 ſek in 2020.", "It cost 10 sek in 2020."),  # long s: re.I matches it as s
    ("The fee was 5 \u212aroner.", "The fee was 5 Kroner."),  # the Kelvin sign matches k
])
def test_letters_that_case_fold_to_ascii_read_as_their_plain_spelling(odd: str, plain: str) -> None:
    """The patterns match case-insensitively, so the tables are looked up case-folded (a KeyError
    here once crashed ask and check)."""
    assert [(f.unit, f.value) for f in figures(odd)] == [(f.unit, f.value) for f in figures(plain)]
