"""The support model (app/support.py): its features on claims written for this test, with the real model,
and property tests of its pure parts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.claims import CheckSettings, lexicon_for, read, stance
from app.coverage import coverage, defined
from app.stance import compare
from app.support import FEATURES, WEIGHTS_FILE, Closeness, Lexicon, features, support_model

SPAN = "In 2019, the harbour authority reduced ferry fares by 20%."
TRIAL = "The new vaccine was tested in 12 volunteers over 8 weeks."


def reading(embedder, claim: str, span: str):  # noqa: ANN001, ANN201
    c, s = embedder.encode([claim, span])
    return read(claim, span, Closeness(float(c @ s), float(c @ s)), None, lexicon=lexicon_for(embedder, claim, [span]))


@pytest.mark.parametrize(("claim", "span"), [
    ("The harbour authority lowered ferry fares by 20% in 2019.", SPAN),  # a synonym, the year moved
    ("Twelve volunteers tested the new vaccine for eight weeks.", TRIAL),  # number words, reworded
])
def test_a_paraphrase_is_supported(embedder, claim: str, span: str) -> None:  # noqa: ANN001
    r = reading(embedder, claim, span)
    assert r.probability >= support_model().threshold
    assert stance(r, CheckSettings())[0] == "supports"


@pytest.mark.parametrize(("claim", "span"), [
    ("The harbour authority's 2019 fare cut doubled passenger numbers.", SPAN),  # adds what the cut did
    ("The new vaccine caused fever in half of the 12 volunteers.", TRIAL),  # adds an outcome
])
def test_a_claim_adding_a_predicate_the_span_lacks_is_not_supported(embedder, claim: str, span: str) -> None:  # noqa: ANN001
    r = reading(embedder, claim, span)
    assert r.probability < support_model().threshold
    assert stance(r, CheckSettings())[0] == "related"


def test_the_shipped_weights_match_the_features_and_say_how_they_were_chosen() -> None:
    d = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert tuple(d["features"]) == FEATURES and len(d["coef"]) == len(FEATURES)
    assert 0 < d["threshold"] < 1 and 0 <= d["min_support"] < 1
    # tune parts only, never the frozen test part
    assert d["trained_on"] == ["benchmarks/claims/claims-tune.jsonl", "benchmarks/claims/claims-tune2.jsonl",
                               "benchmarks/claims/claims-tune3.jsonl", "benchmarks/claims/claims-tune4.jsonl"]


def test_a_lexicon_matches_a_word_by_meaning_and_knows_nothing_of_unknown_words(embedder) -> None:  # noqa: ANN001
    words = ["lowered", "reduced", "banana"]
    lex = Lexicon(words, embedder.encode(words))
    assert lex.best("lowered", ("reduced",)) > lex.best("lowered", ("banana",))
    assert lex.best("lowered", ()) == 0.0 and lex.best("unseen", ("reduced",)) == 0.0


_WORDS = st.sampled_from("harbour ferry fares reduced lowered authority passenger numbers doubled vaccine "
                         "volunteers tested fever weeks the in of by".split())


@given(st.lists(_WORDS, min_size=1, max_size=12), st.lists(_WORDS, max_size=20),
       st.floats(-1, 1), st.floats(-1, 1), st.integers(1, 2))
def test_features_are_finite_and_bounded(claim: list[str], span: list[str], cos: float, passage: float, n: int) -> None:
    c, s = " ".join(claim), " ".join(span)
    x = features(coverage(c, s), compare(c, s), Closeness(cos, passage, n))
    assert x.shape == (len(FEATURES),) and np.isfinite(x).all()
    named = dict(zip(FEATURES, x))
    for share in ("idf_share", "plain_share", "soft_share"):
        assert 0.0 <= named[share] <= 1.0
    assert named["pair"] == float(n > 1)
    if not coverage(c, s).missing:  # nothing missing: every share is whole
        assert named["plain_share"] == named["soft_share"] == 1.0 and named["missing_count"] == 0


@given(st.lists(_WORDS, min_size=1, max_size=12), st.lists(_WORDS, max_size=20))
def test_a_soft_match_never_counts_for_less_than_no_match(claim: list[str], span: list[str]) -> None:
    c, s = " ".join(claim), " ".join(span)
    cov = coverage(c, s)
    words = list(cov.weights) + list(cov.span_words)
    none = features(cov, compare(c, s), Closeness(0.5, 0.5))
    ones = Lexicon(words, np.ones((len(words), 1)))  # every word means the same
    full = features(cov, compare(c, s), Closeness(0.5, 0.5), ones)
    i = FEATURES.index("soft_share")
    assert full[i] >= none[i] - 1e-12
    if cov.span_words:
        assert full[i] == pytest.approx(1.0)


def test_a_name_written_longer_or_shorter_is_not_missing() -> None:
    span = "HAQTM scores rose in clinics across Europe."
    assert coverage("Scores on the HAQ rose in European clinics.", span).names_missing == []
    assert coverage("Scores on the HAQ rose in Nordic clinics.", span).names_missing == ["nordic"]


def test_lower_case_words_the_span_gives_as_an_acronym_are_not_missing() -> None:
    cov = coverage("The rate of deep vein thrombosis fell after surgery.", "DVT rates fell after surgery.")
    assert cov.missing == []
    assert coverage("The rate of deep vein thrombosis fell after surgery.", "DV rates fell after surgery.").missing


def test_an_abbreviation_the_document_defines_counts_as_its_long_form_both_ways() -> None:
    document = ("Multiple myeloma (MM) is a cancer of plasma cells (PC). The body-mass index (BMI) was "
                "recorded. TSPAN7 was high in MM patients.")
    pairs = defined(document)
    assert dict(pairs) == {"MM": "Multiple myeloma", "PC": "plasma cells", "BMI": "body-mass index"}
    claim, span = "TSPAN7 was high in multiple myeloma patients.", "TSPAN7 was high in MM patients."
    assert coverage(claim, span).missing == ["multiple", "myeloma"]
    assert coverage(claim, span, pairs=pairs).missing == []
    assert coverage("Their BMI was recorded.", "The body-mass index was recorded.", pairs=pairs).missing == []
    # a word that only looks like the abbreviation in another case is not it
    assert coverage("Multiple myeloma was rare.", "Mm, it was rare.", pairs=pairs).missing == ["multiple", "myeloma"]


def test_a_name_is_unnamed_only_when_the_document_writes_it_in_no_form() -> None:
    from app.coverage import unnamed
    document = ("N-methyl-D-aspartate receptors of human immunodeficiency virus patients in Norway were "
                "studied by the European Union.")
    assert unnamed("NMDA receptors matter in HIV.", document) == ()  # initials of the document's words
    assert unnamed("Norway's patients and the EU were studied.", document) == ()  # possessive, initials
    assert unnamed("Norwegian patients were studied in Oslo.", document) == ("Oslo",)  # longer form is fine
    pairs = defined("Multiple myeloma (MM)")
    assert unnamed("MM patients were studied.", "Multiple myeloma (MM) patients", pairs) == ()


def test_an_abbreviation_after_a_capitalised_name_counts_though_its_letters_begin_no_word() -> None:
    document = "Norway takes part in the EU Civil Protection Mechanism (UCPM). Under the UCPM, Norway helps."
    assert ("UCPM", "EU Civil Protection Mechanism") in defined(document)
    claim = "Under the EU Civil Protection Mechanism, Norway helps."
    assert coverage(claim, "Under the UCPM, Norway helps.", pairs=defined(document)).missing == []


def test_finding_abbreviations_leaves_the_root_logger_as_it_was() -> None:
    import subprocess
    import sys
    code = ("import logging; from app.coverage import defined; defined('Multiple myeloma (MM) is rare.'); "
            "root = logging.getLogger(); assert not root.handlers and root.level == logging.WARNING, root.handlers")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
