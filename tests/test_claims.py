"""Claim checking: the pure rules, and verdicts on hand-written claims about the shipped article."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.claims import (NOT_FOUND, RELATED, SUPPORTED, VERDICT_LABELS, CheckSettings, check_claim,
                       mismatches, negated, numbers, verdict)


def test_numbers_read_digits_separators_and_words() -> None:
    assert numbers("totaling 75,000 NOK in 2024") == {"75000", "2024"}
    assert numbers("three military and eleven civilian") == {"3", "11"}
    assert numbers("no figures here") == set()


@pytest.mark.parametrize("text, expected", [
    ("The agreement is not binding.", True),
    ("While non-binding, the agreement formalizes it.", True),
    ("Norway doesn’t take part.", True),
    ("Norway never joined.", True),
    ("Norway takes part in PESCO.", False),
    ("Nothing notable; a knotted note.", False),
])
def test_negated(text: str, expected: bool) -> None:
    assert negated(text) is expected


def test_mismatches_name_the_missing_number_negation_and_words() -> None:
    sentence = "Established in 2021, the EDF supports projects to develop defense materials."
    assert mismatches("The EDF was established in 2021.", sentence) == []
    assert mismatches("The EDF was established in 2015.", sentence) == ["2015 does not appear here"]
    assert "the claim is negated and this text is not" in mismatches("The EDF was not established in 2021.",
                                                                    sentence)
    (why,) = mismatches("Bananas grow in cold Norwegian valleys.", sentence)
    assert why.startswith("not mentioned here:") and "bananas" in why


def test_mismatches_accept_british_spelling_of_the_same_word() -> None:
    assert mismatches("Projects develop defence materials.",
                      "The EDF supports projects to develop defense materials.") == []


@given(st.floats(0, 1), st.floats(0, 1))
def test_verdict_is_monotone_and_needs_clean_evidence_to_support(clean: float, any_: float) -> None:
    s = CheckSettings()
    v = verdict(clean, any_, s)
    assert v in VERDICT_LABELS
    assert (v == SUPPORTED) == (clean >= s.supported)
    if v == NOT_FOUND:
        assert max(clean, any_) < s.related
    rank = [NOT_FOUND, RELATED, SUPPORTED].index
    assert rank(verdict(min(clean + 0.1, 1.0), any_, s)) >= rank(v)
    assert rank(verdict(clean, min(any_ + 0.1, 1.0), s)) >= rank(v)


SUPPORTED_CLAIMS = [
    "Norway and the EU signed a partnership agreement on defence and security on 28 May 2024.",
    "The European Defence Fund was established in 2021.",
    "The Nansen Program for Ukraine totals 75 billion NOK.",
    "Norway participates in the Galileo satellite navigation programme.",
]
UNSUPPORTED_CLAIMS = [  # close to the article but not what it says
    "Norway joined PESCO in 2021.",
    "Norway is a member state of the European Union.",
    "Norway has contributed to twenty military operations.",
    "Norway does not participate in the European Defence Fund.",
]
UNRELATED_CLAIMS = ["Bananas are the most popular fruit in Norway.",
                    "The 2022 football World Cup was held in Qatar."]


@pytest.mark.slow
def test_verdicts_on_claims_about_the_article(article_engine) -> None:
    index, embedder = article_engine.index, article_engine.embedder
    for claim in SUPPORTED_CLAIMS:
        c = check_claim(index, embedder, claim)
        assert c.verdict == SUPPORTED, (claim, c.support, c.evidence[0].mismatches)
        best = c.evidence[0]
        assert not best.mismatches
        doc = index.doc_by_id[best.doc_id].doc
        assert doc.text[best.start:best.end] == best.sentence
    for claim in UNSUPPORTED_CLAIMS:
        c = check_claim(index, embedder, claim)
        assert c.verdict == RELATED, (claim, c.verdict, c.support)
        assert all(e.mismatches for e in c.evidence if e.support >= CheckSettings().supported)
    for claim in UNRELATED_CLAIMS:
        assert check_claim(index, embedder, claim).verdict == NOT_FOUND, claim


@pytest.mark.slow
def test_check_result_is_plain_data_with_the_label(article_engine) -> None:
    c = check_claim(article_engine.index, article_engine.embedder, "  Norway joined PESCO in 2021.\n")
    d = c.to_dict()
    assert d["claim"] == "Norway joined PESCO in 2021."
    assert d["label"] == VERDICT_LABELS[d["verdict"]]
    assert [e["n"] for e in d["evidence"]] == list(range(1, len(d["evidence"]) + 1))
    assert d["evidence"] == sorted(d["evidence"], key=lambda e: -e["support"] - 0.05 * (not e["mismatches"]))
