"""Question analysis (app/question_type.py): expected answer types and type matches, on questions
written for these tests (none from a question set)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from app.question_type import (TYPES, analyse, checked, defines, focus, focus_answered, matches, negated,
                               states_focus)


@pytest.mark.parametrize(("question", "kind"), [
    ("When did the harbour authority open its second terminal?", "date"),
    ("In which year was the lighthouse rebuilt?", "date"),
    ("Since when have the two towns shared a fire brigade?", "date"),
    ("How many ferries cross the fjord each day?", "number"),
    ("How much did the new bridge cost?", "number"),
    ("What percentage of the catch is exported?", "number"),
    ("How tall is the lighthouse?", "number"),
    ("Who chairs the fisheries council?", "person"),
    ("Which agency inspects the ferries?", "person"),
    ("Where is the seed vault located?", "place"),
    ("Which countries take part in the patrol?", "place"),
    ("Is the agreement legally binding?", "yesno"),
    ("Does the museum open on Mondays?", "yesno"),
    ("Can visitors camp on the island?", "yesno"),
    ("What is the Blue Harbour network?", "definition"),
    ("What does CDX stand for?", "definition"),
    ("What does CDX stand for in the report?", "definition"),
    ("Which schemes does the fund include?", "list"),
    ("Why was the tunnel closed?", "reason"),
    ("What is the purpose of the levy?", "reason"),
    ("How does the council choose its chair?", "manner"),
    ("Tell me about the harbour.", "other"),
    ("What is the name of the harbour's director?", "person"),
    ("Which vessels did the harbour buy?", "list"),
    ("What relative risk of flooding did the report find?", "number"),  # a risk or odds is a number
    ("What odds of a storm did the forecast give?", "number"),
    ("What risk factors did the report list?", "list"),
    ("What is the harbour's annual budget?", "number"),  # a possessive before the noun
    ("What is the molecular weight of the enzyme?", "number"),
    ("Which diagnosis did the ferry's doctor give?", "other"),  # "-is", "-us": no plural
    ("Which virus did the crew catch?", "other"),
])
def test_question_kinds(question: str, kind: str) -> None:
    assert analyse(question).kind == kind


def test_when_inside_a_clause_is_not_a_date_question() -> None:
    assert analyse("What happens to the harbour when the river floods?").kind != "date"


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("When was the fund set up?", "Established in 2017, the fund pays for research vessels.", True),
    ("When was the fund set up?", "Iceland participates in the fund.", False),
    ("When do the tours run?", "Tours run from late May to mid September.", True),  # months, no day
    ("When do the tours run?", "You may book tours online.", False),
    ("When was the fund set up in 2017?", "The fund was set up in 2017.", False),  # the question's own year
    ("How many ferries cross the fjord?", "Twelve ferries cross it every day.", True),
    ("How many ferries cross the fjord?", "Ferries cross the fjord at dawn.", False),
    ("How much did the bridge cost?", "The bridge cost NOK 3.2 billion.", True),
    ("How much did the bridge cost?", "The bridge opened in 2017.", False),  # a year is not an amount
    ("How many ferries cross the fjord?", "Some 2,017 ferries cross it.", True),
    # a cost or a budget is a sum of money; a change in a price may be a share
    ("How much did the bridge cost?", "The bridge has 4 lanes and 120 lamps.", False),
    ("How much did the bridge cost?", "The bridge cost €40 million.", True),
    ("By how much did the price of fuel rise?", "The price of fuel rose by 12%.", True),
    ("By what percentage did ferry traffic fall?", "Two ferries stopped running.", False),  # a share
    ("By what percentage did ferry traffic fall?", "Traffic fell by 12 per cent.", True),
    ("How much did the ferry traffic fall?", "The 13 ferries carried less traffic.", False),  # a change
    ("How much did the ferry traffic fall?", "Ferry traffic fell 3-fold.", True),
    ("What is the population of the island?", "The island has 3 harbours.", False),  # a headcount
    ("What is the population of the island?", "The island has 5,200 inhabitants.", True),
    ("How many vessels has the fund paid for?", "The fund has paid for 14 vessels.", True),  # a count
    ("How much money does the fund hold?", "The fund holds 75 vessels.", False),
    ("How much money does the fund hold?", "The fund holds 75 billion NOK.", True),
    ("Who chairs the council?", "The council is chaired by Ingrid Solberg.", True),
    ("Who chairs the council?", "the council meets twice a year in spring.", False),  # no name, no new office
    ("Why was the tunnel closed?", "It was closed because of rock falls.", True),
    ("Why was the tunnel closed?", "The tunnel is four kilometres long.", False),
    ("Which schemes does the fund include?", "These include Tern, Blue Harbour and the CDX.", True),
    ("Who is the head of the fund?", "The fund's head meets the Prime Minister each year.", False),  # no name
    ("Who is the head of the fund?", "The fund is headed by Ingrid Solberg.", True),
    ("What dose of the drug did the rats get?", "The rats got the drug twice a day.", False),  # no unit
    ("What dose of the drug did the rats get?", "The rats got 5 mg/kg of the drug.", True),
    ("Which inhibitor was used?", "Cells were treated with an inhibitor.", False),  # "which <noun>": a name
    ("Which inhibitor was used?", "Cells were treated with the inhibitor PP2.", True),
    # digits hyphenated or slashed onto a name are part of the name, not an amount
    ("How many ferries were built?", "The ferries run on the route (FR)-2 and on FR-3.", False),
    ("How many ferries were built?", "Ferry types MK3/2 serve the fjord.", False),
    ("How many ferries were built?", "Between 6-8 ferries were built.", True),
    ("How much did the ferry traffic fall?", "Traffic of 16S and 5'-class ferries fell.", False),
    ("How much did the ferry traffic fall?", "Traffic of 16S ferries fell by 5 percent.", True),
    # a capitalised function word after a heading is no name
    ("Who runs the ferry company?", "BACKGROUND In the year the ferry company changed hands.", False),
    ("Who runs the ferry company?", "SUMMARY The ferry company is run by Fjordline.", True),
    # a month is no place or person; a hyphenated question word names its parts
    ("Where was the Norway-Iceland ferry deal signed?", "On May 28, 2024, Norway and Iceland signed it.", False),
    ("Where was the Norway-Iceland ferry deal signed?", "It was signed in Bergen on May 28.", True),
    # a p-value says how sure, not how much
    ("By how much did the ferry traffic fall?", "Ferry traffic fell (P<0.05) after the bridge opened.", False),
    ("By how much did the ferry traffic fall?", "Ferry traffic fell by 40% (P<0.05).", True),
    # how long: a duration or a length; how tall: a unit of measure
    ("How long did the crossing take?", "The crossing was taken by 25.7% of travellers.", False),
    ("How long did the crossing take?", "The crossing took 40 minutes.", True),
    ("How long did the ice stay in the harbour?", "The ice stayed in the harbour for months.", True),
    ("How long did the ice stay in the harbour?", "The ice stayed in the harbour in some months.", False),
    ("How many days did the ice stay?", "The ice covered 3 harbours.", False),  # a count of days: a duration
    ("How many days did the ice stay?", "The ice stayed for 12 days.", True),
    ("What was the median survival of the seals?", "The 17 seals were followed up.", False),
    ("What was the median survival of the seals?", "Median survival was 14 months.", True),
    ("How many seals were tagged?", "Seals were tagged in a phase 1 study (Figure 2).", False),  # labels
    ("How many seals were tagged?", "In phase 1, 40 seals were tagged.", True),
    ("How many seals died?", "Some 20% of the seals died.", False),  # a share is no count
    ("How many seals died?", "Twelve seals (20%) died.", True),
    ("At what age do the seals breed?", "Over 50% of the seals breed.", False),  # an age, not a share
    ("At what age do the seals breed?", "The seals breed at 4 years of age.", True),
    ("How old is the lighthouse?", "The lighthouse has 3 lamps.", False),
    ("How old is the lighthouse?", "The lighthouse was built 150 years ago.", True),
    ("How tall is the new ferry terminal?", "The terminal has 3 floors.", False),
    ("How tall is the new ferry terminal?", "The terminal is 24 m tall.", True),
    # who discovered / founded: a person's name, not a code or a body
    ("Who discovered the fjord's cold seep?", "The seep lies near stations T1 and T2.", False),
    ("Who discovered the fjord's cold seep?", "The seep was discovered by Kari Nordmann in 1998.", True),
    # a bare number or a measure is no name or code; a number naming the noun asked about is
    ("What did they rename the ferry after?", "They renamed the ferry in 2019, 2-fold.", False),
    ("What did they rename the ferry after?", "They renamed the ferry after Fridtjof.", True),
    ("In which phase of the building work was the tunnel shut?", "It was shut in 2019, the building work "
     "being late.", False),
    ("In which phase of the building work was the tunnel shut?", "It was shut in phase 2 of the work.", True),
    # "what is the name of the director" asks for a person's name, not an office
    ("What is the name of the harbour's director?", "The Harbour Director meets the Prime Minister.", False),
    ("What is the name of the harbour's director?", "The harbour's director is Ingrid Solberg.", True),
    # a code with a digit, or a single capital letter, is no place name
    ("Which country were the cod from?", "The cod carried mutations in NR1H4.", False),
    ("Which country were the cod from?", "The cod carry the X gene and the B allele.", False),
    ("Which country were the cod from?", "The cod were caught off Iceland.", True),
    # an abbreviation of the question's own words is no new name
    ("Which country were the grey seal pups from?", "Counts of GSP were made in spring.", False),
    ("Which country were the grey seal pups from?", "Grey seal pups (GSP) came from Iceland.", True),
    ("Who tagged the grey seal pups?", "The GSP were tagged in spring.", False),
    # an abbreviation of common words in the text names a thing, not a body or a place
    ("Which company builds the ferries?", "Ferries are built with computer aided design, or CAD.", False),
    ("Which company builds the ferries?", "Ferries are built with computer aided design by Ulstein.", True),
    # a place noun after "these" refers back: it names no place
    ("Where was the ferry deal signed?", "The deal covers trade in these areas.", False),
    ("Where was the ferry deal signed?", "The deal was signed in the capital region.", True),
    # the heading of a structured abstract, and the word after it, name nothing
    ("What did they rename the ferry after?", "RESULTS Most ferries were renamed.", False),
    ("What did they rename the ferry after?", "RESULTS The ferry was renamed after Fridtjof.", True),
    # "which <noun> <verb>": the name must stand by the noun, whatever the verb
    ("Which shipyard built the ferry?", "Built at a small shipyard on the coast, the ferry was later sold "
     "to a company based in Bergen.", False),
    ("Which shipyard built the ferry?", "The ferry was built by the Ulstein shipyard.", True),
])
def test_matches(question: str, text: str, expected: bool) -> None:
    assert matches(analyse(question), text) is expected


@pytest.mark.parametrize(("question", "head"), [
    ("Which shipyard built the ferry?", "shipyard"),
    ("In which phase of the works was the tunnel shut?", "phase"),
    ("What is the boiling point of the brine?", "point"),
    ("What was used to clean the hull?", None),  # "was" is no noun
    ("What does the harbour gate keep out?", None),  # the gate is what the question is about, not its answer
    ("What does Bergen do in winter?", None),
])
def test_the_noun_whose_name_is_asked_for(question: str, head: str | None) -> None:
    assert analyse(question).head == head


def test_definitions_are_found_in_their_usual_shapes() -> None:
    assert defines("Tern", "They work with Tern (a tidal energy research network) and others.")
    assert defines("CDX", "data flows through the Coastal Data Exchange (CDX) every hour")
    assert defines("the levy", "The levy is a charge on every tonne landed.")
    assert defines("Tern", "Tern, a research network, studies tides.")
    assert not defines("Tern", "Norway funds Tern and Blue Harbour.")
    assert not defines("Tern", "Lantern (a lamp) is lit.")  # a word that only ends in the term
    # the names within the term stand for it ("the Tern network"), but not those after "of"
    assert defines("the Tern network", "Tern is a tidal research network.")
    assert not defines("the capital of Iceland", "Iceland is a member of the fund.")


def test_how_many_counts_the_thing_asked_about() -> None:
    from app.question_type import counted

    assert counted("How many ferries cross the fjord?", "Twelve ferries cross it.")
    assert not counted("How many ferries cross the fjord?", "Twelve bridges cross it.")


def test_negation_and_checked_kinds() -> None:
    assert negated("The agreement is not binding.") and negated("It isn't binding.")
    assert not negated("The agreement is binding.")
    assert not checked("yesno") and checked("other") and checked("date")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_a_known_kind_and_matches_do_not_fail(text: str) -> None:
    qt = analyse(text)
    assert qt.kind in TYPES
    assert isinstance(matches(qt, text), bool)
    assert all(w == w.lower() for w in qt.words)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["When", "How many", "Who", "Why", "Is", "What is"]),
       st.lists(st.sampled_from("the fund harbour council Tern CDX new old ferry bridge".split()),
                min_size=1, max_size=6))
def test_the_opening_decides_the_kind_whatever_follows(opening: str, words: list[str]) -> None:
    kind = analyse(f"{opening} {' '.join(words)}?").kind
    expected = {"When": "date", "How many": "number", "Who": "person", "Why": "reason", "Is": "yesno"}
    if opening in expected:
        assert kind == expected[opening]
    else:  # "What is …" with no cue word: never a date, number, yes/no, reason or manner question
        assert kind in ("definition", "other", "person", "place", "list")


@pytest.mark.parametrize(("question", "stems"), [
    ("What dose of the vaccine did the ferry crews get?", ("dose",)),
    ("Which harbour hosts the fish market?", ("harbour",)),
    ("How many ferries cross the fjord each day?", ("ferrie",)),
    ("Who chairs the fisheries council?", ("chair",)),
    ("What year was the lighthouse restored?", ("restored",)),  # a generic noun: the participle asks
    ("Where was the harbour treaty signed?", ("signed",)),
    ("What is the population of the island?", ("population",)),
    ("What is the name of the harbour master?", ("master",)),  # "the name of X" asks about X
    ("Which coastal states, such as Iceland, joined?", ("state",)),
    ("Which chemically treated nets were used?", ("net",)),  # "chemically treated" goes on to the noun
    ("What does CDX stand for?", ()),  # a verb follows the wh-word: no focus noun
    ("What is the levy used for?", ("levy",)),
    ("What happened to the old pier?", ()),
    ("How many stranded ferries carrying cargo were towed?", ("ferrie",)),  # a participle before or after
    ("How many ferries sailing at night sank?", ("ferrie",)),
    ("Why was the tunnel closed?", ("closed",)),
    ("Why did the ferry stop?", ()),
])
def test_focus_is_what_the_wh_phrase_asks_about(question: str, stems: tuple[str, ...]) -> None:
    assert focus(question) == stems


def test_a_focus_word_counts_in_its_variants() -> None:
    assert states_focus(("dose",), "The crews received a dosage of 5 mg.") == 1.0
    assert states_focus(("chair",), "Ann Berg chaired the meeting.") == 1.0
    assert states_focus(("population",), "The island has 40 ferries.") == 0.0
    assert states_focus((), "Any text") == 1.0  # no focus: nothing to miss


def test_the_answer_must_stand_next_to_the_focus() -> None:
    q = analyse("How many ferries does the harbour run?")
    stems = focus(q.question)
    assert focus_answered(q, stems, "The harbour runs 12 ferries between the islands.")
    # a number elsewhere in the sentence, far from the focus word, does not answer it
    assert not focus_answered(q, stems, "Ferries leave from the old harbour, whose quay was rebuilt "
                                        "by the town council and the port authority and a team of "
                                        "divers in the winter after the storm of 1990.")
    assert not focus_answered(q, stems, "The harbour opened 3 new cafés.")
    dose = analyse("What dose of the vaccine did the crews get?")
    assert focus_answered(dose, focus(dose.question), "Each crew member got a dose of 0.5 ml.")
    assert not focus_answered(dose, focus(dose.question), "The 40 crews were vaccinated in 2021 at sea.")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_focus_of_any_text_is_a_tuple_of_lower_case_words(text: str) -> None:
    stems = focus(text)
    assert all(s == s.lower() and len(s) > 2 for s in stems)
    assert isinstance(focus_answered(analyse(text), stems, text), bool)
