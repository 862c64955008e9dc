"""Claim checking with the real model: each verdict on the shipped article, evidence records, sources differ."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.answer import BadQuestion, Citation
from app.claims import (CONTRADICTED, NOT_FOUND, RELATED, SUPPORTED, VERDICT_LABELS, CheckSettings, check_claim,
                        read, stance)
from app.support import Closeness

pytestmark = pytest.mark.slow

SUPPORTED_CLAIMS = [
    "Norway and the EU signed a partnership agreement on defence and security on 28 May 2024.",
    "The European Defence Fund was established in 2021.",
    "The Nansen Program for Ukraine totals NOK 75 billion.",
]
CONTRADICTED_CLAIMS = {  # claim: what the reason must name from the source
    "The European Defence Fund was established in 2019.": "the source says 2021, not 2019",
    "Norway's Nansen Program for Ukraine totals 57 billion NOK.": "75 billion NOK",
    "Norway has contributed to five military operations.": "three",
    "The partnership agreement on security and defence is legally binding.": "non-binding",
    "Norway has had a cooperation agreement with the European Defence Agency since 2016.": "2006",
}
UNADDRESSED_CLAIMS = [  # close to the article but not what it says
    "Norway joined PESCO in 2021.",
    "Norway is a member state of the European Union.",
]
UNRELATED_CLAIMS = ["Bananas are the most popular fruit in Norway.",
                    "The 2022 football World Cup was held in Qatar."]


def quoted(index, citation: Citation) -> bool:  # noqa: ANN001
    return index.doc_by_id[citation.doc_id].doc.text[citation.start:citation.end] == citation.quote


@pytest.mark.parametrize("claim", SUPPORTED_CLAIMS)
def test_true_claims_are_supported_by_an_exact_span(article_engine, claim: str) -> None:
    c = check_claim(article_engine.index, article_engine.embedder, claim)
    assert c.verdict == SUPPORTED, (claim, c.reason, [e.mismatches for e in c.evidence])
    best = c.evidence[0]
    assert best.stance == "supports" and best.mismatches == [] and best.conflicts == []
    assert quoted(article_engine.index, best.citation)
    assert c.reason == "the source says so [1]"


@pytest.mark.parametrize("claim, named", CONTRADICTED_CLAIMS.items())
def test_altered_claims_are_contradicted_naming_the_sources_value(article_engine, claim: str, named: str) -> None:
    c = check_claim(article_engine.index, article_engine.embedder, claim)
    assert c.verdict == CONTRADICTED, (claim, c.reason)
    assert named in c.reason and c.reason.endswith("]")
    cited = next(e for e in c.evidence if e.stance == "contradicts")
    assert f"[{cited.citation.n}]" in c.reason and quoted(article_engine.index, cited.citation)
    assert all(x.source in cited.citation.quote for x in cited.conflicts)  # the source's side is in the span


@pytest.mark.parametrize("claim", UNADDRESSED_CLAIMS)
def test_claims_the_article_does_not_make_are_only_related(article_engine, claim: str) -> None:
    c = check_claim(article_engine.index, article_engine.embedder, claim)
    assert c.verdict == RELATED, (claim, c.verdict, c.reason)
    assert c.reason.startswith("the closest passage [1] does not state it")


@pytest.mark.parametrize("claim", UNRELATED_CLAIMS)
def test_unrelated_claims_are_not_found(article_engine, claim: str) -> None:
    assert check_claim(article_engine.index, article_engine.embedder, claim).verdict == NOT_FOUND


def test_each_evidence_has_only_its_own_mismatches(article_engine) -> None:
    c = check_claim(article_engine.index, article_engine.embedder, "The European Defence Fund was established in 2019.")
    for e in c.evidence:
        text = e.citation.quote
        assert all(x.source in text for x in e.conflicts)
        # a sentence that states 2021 never says "2021 does not appear here", whatever the others say
        assert not any(m.startswith("2021 does not appear") for m in e.mismatches if "2021" in text)
    assert len({e.citation.n for e in c.evidence}) == len(c.evidence)


def test_check_result_is_plain_data_with_a_citation_inside_each_evidence(article_engine) -> None:
    c = check_claim(article_engine.index, article_engine.embedder, "  Norway joined PESCO in 2021.\n")
    d = c.to_dict()
    assert d["claim"] == "Norway joined PESCO in 2021."
    assert d["label"] == VERDICT_LABELS[d["verdict"]]
    assert [e["citation"]["n"] for e in d["evidence"]] == list(range(1, len(d["evidence"]) + 1))
    assert set(d["evidence"][0]["citation"]) == set(Citation.__dataclass_fields__)  # page_end included
    assert {"support", "stance", "conflicts", "mismatches"} <= set(d["evidence"][0])


def test_an_empty_claim_is_refused_in_words_about_claims(article_engine) -> None:
    with pytest.raises(BadQuestion, match="the claim is empty"):
        check_claim(article_engine.index, article_engine.embedder, "  \n ")


def test_a_claim_one_source_supports_and_another_contradicts_reports_both(tmp_path, embedder) -> None:
    from app.engine import Engine

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour-2019.md").write_text(
        '---\ntitle: "Harbour report 2019"\npublished: 2019-03-01\n---\n\n'
        "The Tromsø harbour lighthouse was repainted in 2018. It is open to visitors in July.\n", encoding="utf-8")
    (docs / "harbour-2024.md").write_text(
        '---\ntitle: "Harbour report 2024"\npublished: 2024-06-01\n---\n\n'
        "The Tromsø harbour lighthouse was repainted in 2023. Guided tours run every Sunday.\n", encoding="utf-8")
    engine = Engine(tmp_path / "index", embedder=embedder)
    engine.ingest([docs])
    c = check_claim(engine.index, engine.embedder, "The Tromsø harbour lighthouse was repainted in 2023.")
    assert [d["title"] for d in c.differences] == ["Harbour report 2024", "Harbour report 2019"]  # newest first
    assert [d["published"] for d in c.differences] == ["2024-06-01", "2019-03-01"]
    assert {d["stance"] for d in c.differences} == {"supports", "contradicts"}
    assert c.reason.startswith("the sources differ: Harbour report 2024 (2024-06-01) says so [")
    assert "says 2018, not 2023 [" in c.reason
    assert c.verdict in (SUPPORTED, CONTRADICTED)


def near(cosine: float, passage: float = 0.5) -> Closeness:
    return Closeness(cosine, passage)


@given(st.floats(0, 1), st.floats(0.01, 0.99))
def test_stance_needs_the_models_probability_and_no_conflict_to_support(cosine: float, bar: float) -> None:
    claim = "The fund was established in 2021."
    clean = read(claim, "Established in 2021, the fund supports projects.", near(cosine))
    conflicting = read(claim, "Established in 2019, the fund supports projects.", near(cosine))
    s = CheckSettings(supported=bar)
    got, why = stance(clean, s)
    assert (got == "supports") == (clean.probability >= bar) and (why == []) == (got == "supports")
    assert stance(conflicting, s)[0] in ("contradicts", "related")
    assert (stance(conflicting, s)[0] == "contradicts") == (
        conflicting.support + conflicting.coverage.plain >= s.contradicted)


@given(st.floats(0, 1), st.floats(0, 1))
def test_a_missing_or_conflicting_figure_never_supports(cosine: float, bar: float) -> None:
    s = CheckSettings(supported=bar)
    missing = read("Inspectors found 312 cracked beams across 58 bridges.", "Checks turned up 312 faulty girders.",
                   near(cosine))
    assert stance(missing, s)[0] != "supports"
    conflicting = read("Inspectors found 312 cracked beams across 58 bridges.",
                       "Checks turned up 312 faulty girders on 85 crossings.", near(cosine))
    assert stance(conflicting, s)[0] != "supports"


def test_a_span_stating_the_claims_other_figures_is_about_the_same_thing() -> None:
    claim = "The survey followed 420 farms in Telemark between 1991 and 2009."
    text = "Records of the 420 farms in Telemark were kept between 1991 and 2003."  # few of its words
    plain = read(claim, text, near(0.0)).coverage.plain
    r = read(claim, text, near((1.0 - plain - 0.1) / 0.8))  # support + plain coverage: 1.0, below 1.15
    assert r.comparison.matched == ["420 farms", "1991"] and not r.coverage.names_missing
    assert stance(r)[0] == "contradicts" and "the source says 2003, not 2009" in stance(r)[1]
    assert stance(r, CheckSettings(stated_value=0.0))[0] == "related"


def test_a_span_lacking_a_run_of_the_claims_words_never_supports() -> None:
    claim = "Ferry traffic in the fjord doubled, raising harbour noise complaints sharply."
    r = read(claim, "Ferry traffic in the fjord doubled.", near(1.0))
    assert r.coverage.gap == ("raising", "harbour", "noise", "complaints", "sharply")
    assert stance(r, CheckSettings(supported=0.0, min_support=0.0))[0] == "related"
    assert stance(r, CheckSettings(supported=0.0, min_support=0.0, gap=6))[0] == "supports"
    assert read(claim, "Ferry traffic in the fjord doubled, raising noise complaints.", near(1.0)).coverage.gap == (
        "harbour",)


def test_a_claim_naming_what_the_document_never_names_is_never_supported() -> None:
    document = "Harbour staff meet twice a year. The meetings cover ferry safety and noise."
    claim = "Harbour staff meet twice a year in Bergen."
    span = "Harbour staff meet twice a year."
    r = read(claim, span, near(1.0), document=document)
    assert r.coverage.unnamed == ("Bergen",)
    assert stance(r, CheckSettings(supported=0.0, min_support=0.0))[0] == "related"
    assert "the source never names Bergen" in stance(r, CheckSettings(supported=0.0, min_support=0.0))[1]
    # the same span in a document that names Bergen elsewhere may support it
    r = read(claim, span, near(1.0), document=document + " The port is in Bergen.")
    assert r.coverage.unnamed == () and stance(r, CheckSettings(supported=0.0, min_support=0.0))[0] == "supports"


def test_a_documents_clearest_contradiction_is_shown_first() -> None:
    """Of one document's contradicting spans, the one that states the claim's other values comes first,
    in the places those spans hold; other documents' and related spans stay where they are."""
    from types import SimpleNamespace as Fake

    from app.claims import CONTRADICTS, _clearest_first
    from app.stance import Comparison, Conflict

    def span(doc: str) -> tuple:
        return Fake(passage=Fake(doc_id=doc)), 0, 1

    def reading(matched: int, conflicts: int) -> Fake:
        return Fake(comparison=Comparison([Conflict("number", "4.4", "54")] * conflicts, [], ["135 gm/L"] * matched))

    cands = Fake(spans=[span("a"), span("a"), span("b"), span("a"), span("a")],
                 readings=[reading(0, 2), reading(2, 1), reading(0, 1), reading(0, 0), reading(2, 2)])
    stances = [(CONTRADICTS, [])] * 3 + [("related", []), (CONTRADICTS, [])]
    assert _clearest_first(cands, stances, [0, 2, 3, 4, 1]) == [1, 2, 3, 4, 0]
