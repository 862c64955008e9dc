"""The rules that set a claim against a sentence: values folded and compared, negations both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.stance import WORD_NUMBERS, Conflict, compare, negations, values

_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
         "sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def spelled(n: int) -> str:
    """0..99 in words, as people write them ("twenty-five")."""
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens - 2] + (f"-{_UNITS[unit]}" if unit else "")


def sizes(text: str) -> list[tuple[str, float]]:
    return [(v.kind, v.value) for v in values(text)]


@pytest.mark.parametrize("text, expected", [
    ("Norway has contributed to three military and eleven civilian operations.",
     [("number", 3.0), ("number", 11.0)]),
    ("Norway's aid package totals 75 billion NOK.", [("NOK", 75e9)]),
    ("Norway's aid package totals NOK 75 billion.", [("NOK", 75e9)]),
    ("Norway's aid package totals NOK 75,000 million.", [("NOK", 75e9)]),
    ("It rose by 12 per cent.", [("%", 12.0)]),
    ("It rose by 12%.", [("%", 12.0)]),
    ("On May 28, 2024, they signed.", [("date", 20240528.0), ("year", 2024.0)]),
    ("On 28 May 2024 they signed.", [("date", 20240528.0), ("year", 2024.0)]),
    ("Established in 2021, the EDF supports projects.", [("year", 2021.0)]),
    ("Data from 1997-2001 and 24/122 patients.", [("year", 1997.0), ("year", 2001.0), ("number", 24.0),
                                                  ("number", 122.0)]),
    ("COVID-19 and p53 are names, not numbers; one of them.", []),
])
def test_values_fold_number_words_units_and_dates(text: str, expected: list) -> None:
    assert sizes(text) == expected


@given(st.integers(2, 99))
def test_a_number_in_words_reads_as_its_digits(n: int) -> None:
    assert sizes(f"They counted {spelled(n)} ships.") == [("number", float(n))]
    same = compare(f"They counted {n} ships.", f"They counted {spelled(n)} ships.")
    assert same.conflicts == [] and same.missing == []


@given(st.integers(1, 999), st.sampled_from(["NOK", "EUR", "USD"]), st.sampled_from(["million", "billion"]))
def test_an_amount_is_the_same_whichever_side_its_currency_is_written(n: int, cur: str, scale: str) -> None:
    a, b = f"The fund totals {cur} {n} {scale}.", f"The fund totals {n} {scale} {cur}."
    assert sizes(a) == sizes(b) == [(cur, n * {"million": 1e6, "billion": 1e9}[scale])]
    assert compare(a, b).conflicts == [] and compare(a, b).matched


@given(st.integers(1, 999), st.integers(1, 999))
def test_a_changed_amount_conflicts_and_names_the_sources_amount(source: int, claim: int) -> None:
    result = compare(f"The Nansen Program totals NOK {claim} billion.",
                     f"The Nansen Program, totaling {source} billion NOK, supports Ukraine.")
    if source == claim:
        assert result.conflicts == []
    else:
        assert result.conflicts == [Conflict("NOK", f"{source} billion NOK", f"NOK {claim} billion")]


@given(st.integers(1900, 2099), st.integers(1900, 2099))
def test_a_changed_year_conflicts_with_the_year_the_source_gives(source: int, claim: int) -> None:
    result = compare(f"The fund was established in {claim}.", f"Established in {source}, the fund supports projects.")
    assert result.conflicts == ([] if source == claim else [Conflict("year", str(source), str(claim))])


def test_a_changed_count_is_matched_to_the_source_number_with_the_same_neighbours() -> None:
    sentence = "Norway has contributed to three military and eleven civilian operations."
    assert compare("Norway took part in five military operations.", sentence).conflicts == [
        Conflict("number", "three", "five military operations")]  # a count is named with its unit
    assert compare("Norway has contributed to 12 civilian EU operations.", sentence).conflicts[0].source.startswith(
        "eleven")
    assert compare("Norway took part in 3 military and 11 civilian operations.", sentence).conflicts == []


def test_a_number_is_matched_beside_a_value_both_texts_state() -> None:
    sentence = "The number of cross-border cases was 77 in 2001 and 91 in 2002."
    result = compare("Malawi recorded 97 cross-border cases in 2002.", sentence)
    assert result.conflicts == [Conflict("number", "91", "97 cross-border cases")]


def test_a_changed_day_conflicts_with_the_whole_date() -> None:
    sentence = "On May 28, 2024, Norway and the EU signed a partnership agreement."
    assert compare("They signed it on May 18, 2024.", sentence).conflicts == [
        Conflict("date", "May 28, 2024", "May 18, 2024")]
    assert compare("They signed it on 28 May 2024.", sentence).conflicts == []
    assert compare("They signed it in 2024.", sentence).conflicts == []


def test_a_number_far_from_anything_alike_is_missing_not_contradicted() -> None:
    result = compare("The hospital has 44 beds.", "Ten clinics in the region opened in 2001.")
    assert result.conflicts == [] and result.missing == ["44 beds does not appear here"]


@pytest.mark.parametrize("claim, sentence, source_side, claim_side", [
    ("The partnership agreement is binding.", "While non-binding, the agreement formalizes the cooperation.",
     "non-binding", "binding"),
    ("The agreement is non-binding.", "The agreement is binding on both parties.", "binding", "non-binding"),
    ("Norway does not participate in the European Defence Fund.",
     "Norway participates in the European Defence Fund.", "participates", "does not participate"),
    ("Patients were formally reported to the programme.",
     "Patients were not formally reported to the programme.", "were not formally reported",
     "were formally reported"),  # the other side with its auxiliary, as the negation has one
    ("Norway is not invited to align with them.", "Norway is invited to align with them.", "is invited",
     "is not invited"),
    ("There were no significant differences between the scores.",
     "Significant differences between the scores were found.", "Significant differences between",
     "were no significant differences between"),
    ("The agreement is illegal.", "The agreement is legal under EU law.", "legal", "illegal"),
    ("Nobody was admitted to the ward.", "Three patients were admitted to the ward.", "admitted",
     "Nobody was admitted"),
    ("The volunteers were exposed and none fell ill.", "The volunteers were exposed and four fell ill.",
     "fell ill", "none fell ill"),
])
def test_negation_conflicts_both_ways(claim: str, sentence: str, source_side: str, claim_side: str) -> None:
    assert compare(claim, sentence).conflicts == [Conflict("negation", source_side, claim_side)]


@pytest.mark.parametrize("claim, sentence", [
    ("The agreement is not legally binding.", "While non-binding, the agreement formalizes the cooperation."),
    ("No teratomas were found at any time point.", "At no point were teratomas identified."),
    ("Norway is not only a partner but also a contributor.", "Norway is a partner and a contributor."),
    ("The agreement formalizes the cooperation.", "While non-binding, the agreement formalizes the cooperation."),
])
def test_agreeing_or_unrelated_negations_do_not_conflict(claim: str, sentence: str) -> None:
    assert compare(claim, sentence).conflicts == []


def test_a_negated_claim_the_sentence_does_not_address_is_not_stated() -> None:
    result = compare("Norway does not chair the committee.", "Norway hosts the meeting in Oslo.")
    assert result.conflicts == [] and result.missing == ["“does not chair” is not stated here"]


def test_negation_heads_skip_names_and_auxiliaries() -> None:
    assert [n.head for n in negations("Norway is not an EU member state.")] == ["member"]
    assert [n.head for n in negations("They did not modify plasma ghrelin.")] == ["modifi"]


@given(st.lists(st.integers(2, 3000), min_size=1, max_size=4, unique=True))
def test_a_sentence_never_conflicts_with_itself(numbers: list[int]) -> None:
    sentence = "In the study " + " and ".join(f"{n} patients were treated" for n in numbers) + "."
    result = compare(sentence, sentence)
    assert result.conflicts == [] and result.missing == []


def test_word_numbers_are_the_numbers_they_name() -> None:
    assert WORD_NUMBERS["eleven"] == 11 and WORD_NUMBERS["ninety"] == 90 and WORD_NUMBERS["hundred"] == 100


# units, values taken by another claim value, negations per sentence and contrastive negations (issue 14)

def test_a_count_of_weeks_is_not_a_count_of_months() -> None:
    c = compare("The patients were followed for 6 weeks.", "The patients were seen after 4 weeks, and at 1, 6 and 12 months.")
    assert not c.matched and [(x.source, x.claim) for x in c.conflicts] == [("4 weeks", "6 weeks")]
    assert compare("The mice were treated for 6 weeks.", "The mice were treated for six weeks.").matched == ["6 weeks"]


def test_a_conflict_names_the_value_with_its_unit() -> None:
    c = compare("OPTN expression rose 3.2-fold after treatment.", "OPTN expression rose 2.3-fold after treatment.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("2.3-fold", "3.2-fold")]
    c = compare("Each woman took a daily 25-mg supplement.", "Each woman took a daily 15-mg supplement.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("15-mg", "25-mg")]


def test_a_value_matching_another_claim_value_is_not_the_one_that_conflicts() -> None:
    c = compare("The enzyme needs 33 to 43 bp of DNA, with 90 bp being optimal.",
                "The enzyme needs 33 to 43 bp of DNA, with 70 bp being optimal.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("70 bp", "90 bp")]


def test_a_negation_in_one_sentence_of_a_span_does_not_hide_what_the_next_states() -> None:
    claim = "Removing the gene does not result in bone loss."
    span = "Removing the gene results in bone loss. The effect is not seen in mature cells."
    assert [x.kind for x in compare(claim, span).conflicts] == ["negation"]


@pytest.mark.parametrize("claim", ["The drug helped in chronic headache but not in the episodic form.",
                                   "Mice without the receptor had more B cells."])
def test_a_contrast_or_an_absence_in_the_claim_is_no_conflict(claim: str) -> None:
    span = "We gave the drug to mice with the receptor, in chronic and episodic headache, and counted B cells."
    assert not [x for x in compare(claim, span).conflicts if x.kind == "negation"]


@pytest.mark.parametrize(("odd", "plain"), [
    ("The fleet has ſix ships.", "The fleet has six ships."),  # long s: re.I matches it as s
    ("The fleet has \u212aroner 5 million.", "The fleet has Kroner 5 million."),  # the Kelvin sign
])
def test_letters_that_case_fold_to_ascii_read_as_their_plain_spelling(odd: str, plain: str) -> None:
    """Number words are looked up case-folded (a KeyError here once crashed `docqa check`)."""
    assert [(v.kind, v.value) for v in values(odd)] == [(v.kind, v.value) for v in values(plain)]


@pytest.mark.parametrize("label", ["type", "stage", "phase"])
def test_a_number_that_labels_a_kind_is_no_evidence_but_still_conflicts(label: str) -> None:
    sentence = f"Recovery was better in stroke patients with {label} 2 disease."
    assert compare(f"Treatment reduced stroke in patients with {label} 2 disease.", sentence).matched == []
    assert compare(f"Recovery was better in patients with {label} 3 disease.", sentence).conflicts == [
        Conflict("number", "2", "3")]
    assert compare("Recovery was better in 12 patients.", "Recovery was better in 12 patients.").matched == ["12 patients"]


def test_a_negation_without_a_head_still_counts_as_a_negation() -> None:
    # "but not the B(+)": the clause ends before a head is found, yet the sentence is not plain assertion
    sentence = "After a year the deficit had recovered for the A(+) but not the B(+) group."
    assert compare("After a year the B group had not recovered.", sentence).conflicts == []
    assert compare("After a year the B group had not recovered.", "After a year the B group had recovered.").conflicts


def test_a_year_that_names_an_edition_is_no_evidence_but_still_conflicts() -> None:
    sentence = "Applying the 2017 revisions of the rules gives an earlier diagnosis."
    assert compare("The 2017 revisions of the rules raised the error rate.", sentence).matched == []
    assert compare("The 2015 revisions of the rules gave an earlier diagnosis.", sentence).conflicts == [
        Conflict("year", "2017", "2015")]
    assert compare("The board's 2017 revisions raised the error rate.", sentence).matched == []
    assert compare("The rules were revised in 2017.", sentence).matched == ["2017"]


def test_numbers_in_a_list_ending_in_a_percentage_are_percentages() -> None:
    sentence = "The regions had a 40, 25 and 12% fall in uptake."
    assert [v.kind for v in values(sentence)] == ["%", "%", "%"]
    assert compare("Uptake fell by 40%, 25% and 12% in the regions.", sentence).matched == ["40%", "25%", "12%"]
    assert [v.kind for v in values("In 3 of 5 patients, 12% fell.")] == ["number", "number", "%"]


# naming the source's value (issue 14, fifth pass)

def test_the_words_near_a_value_stop_at_its_sentence() -> None:
    # the sentence before shares "heart disease" with the claim, but its count is about papers, not risk
    span = "We reviewed the risk of heart disease. So far, 31 papers on it have appeared."
    c = compare("Smokers had a risk of heart disease of 2.4 against non-smokers.", span)
    assert c.conflicts == [] and c.missing


def test_a_spread_is_not_the_value_next_to_an_anchor() -> None:
    sentence = "Scores rose more in the treated group than in controls (14.2 ± 6.1 SD vs. 9.7 ± 5.9)."
    c = compare("Scores rose by 14.2 points in the treated group, against 11.5 in controls.", sentence)
    assert [(x.source, x.claim) for x in c.conflicts] == [("9.7", "11.5")]


def test_a_value_both_state_twice_anchors_at_each_place() -> None:
    sentence = ("The dogs got a first dose of 12.5 +/- 2.0 mg/kg (range 8.1 to 16.0), at a rate of "
                "41.3 +/- 12.5 mg/min.")
    c = compare("The dogs got a first dose of 12.5 +/- 2.0 mg/kg at a rate of 31.4 +/- 12.5 mg/min.", sentence)
    assert [(x.source, x.claim) for x in c.conflicts] == [("41.3", "31.4")]


@pytest.mark.parametrize("unit", ["microM", "µM", "nM", "mmHg"])
def test_a_concentration_or_pressure_is_named_with_its_unit(unit: str) -> None:
    c = compare(f"The inhibitor had an IC50 of 0.61 {unit} in treated cells.",
                f"The inhibitor had an IC50 of 0.16 {unit} in treated cells.")
    assert [(x.source, x.claim) for x in c.conflicts] == [(f"0.16 {unit}", f"0.61 {unit}")]


def test_a_range_written_with_to_is_named_whole_and_once() -> None:
    c = compare("The enzyme works best at 5.5 to 5.9 pH units.", "The enzyme works best at 4.5 to 4.9 pH units.")
    assert c.conflicts == [Conflict("number", "4.5 to 4.9", "5.5 to 5.9")]
    assert [v.text for v in values("They were followed for 8 to 12 weeks.")] == ["8 to 12 weeks"] * 2


def test_a_fraction_is_no_count_of_the_words_after_it() -> None:
    assert [v.text for v in values("The odds ratio was 1.45 against controls.")] == ["1.45"]
    assert [v.text for v in values("They opened 14 new clinics.")] == ["14 new clinics"]


def test_in_before_p_b_m_l_or_r_is_no_negating_prefix() -> None:
    claim = "Older patients recovered faster at the clinic."
    assert compare(claim, "Older inpatients recovered faster at the clinic.").conflicts == []
    assert compare("The ruling was legal.", "The ruling was illegal.").conflicts == [
        Conflict("negation", "illegal", "legal")]
    assert compare("The staff were patient.", "The staff were impatient.").conflicts == [
        Conflict("negation", "impatient", "patient")]


def test_a_group_the_source_names_by_what_it_lacks_denies_nothing() -> None:
    sentence = "Pupils without a tutor scored lower than the others."
    assert compare("Pupils with a tutor scored higher.", sentence).conflicts == []
    assert compare("Pupils were given a tutor.", "Pupils were not given a tutor.").conflicts


def test_a_number_before_a_comma_and_a_percentage_is_no_list_of_percentages() -> None:
    sentence = "Risk rose (odds ratio 1.42, 95% interval 1.10 to 1.83)."
    assert [v.kind for v in values(sentence)][:2] == ["number", "%"]
    assert compare("The odds ratio was 1.42.", sentence).matched == ["1.42"]
    assert [v.kind for v in values("Falls of 36, 35 and 31% were seen.")] == ["%", "%", "%"]


def test_a_span_of_time_without_a_number_conflicts_by_its_unit() -> None:
    sentence = "About 25% self-renew and can remain in the niche for several months before dividing."
    c = compare("About 25% self-renew and can stay in the niche for several years before dividing.", sentence)
    assert c.conflicts == [Conflict("span", "several months", "several years")]
    assert compare("They can remain there for a few months.", sentence).matched == ["a few months"]
    assert [v.kind for v in values("It took decades, then several weeks.")] == ["span", "span"]


def test_a_decade_is_a_decade_not_the_number_1990() -> None:
    assert [(v.text, v.kind, v.value) for v in values("In the 1990s, the 1980’s and the mid-2000s.")] == [
        ("1990s", "decade", 1990.0), ("1980’s", "decade", 1980.0), ("mid-2000s", "decade", 2000.0)]


@pytest.mark.parametrize("claim, sentence, matched, conflict", [
    # a claim's decade is stated by a year in it, contradicted by one outside it
    ("Dialogues have been held since the 1990s.", "It has worked well since 1995.", ["1990s"], None),
    ("Dialogues have been held since the 1980s.", "It has worked well since 1995.", [], ("1995", "1980s")),
    ("Talks began in the 1980s.", "Talks began in the 1990s.", [], ("1990s", "1980s")),
    # a claim's year in the source's decade says more than the source: not stated, not contradicted
    ("Talks began in 1995.", "Talks began in the 1990s.", [], None),
    ("Talks began in 2005.", "Talks began in the 1990s.", [], ("1990s", "2005")),
])
def test_decades_and_years_are_compared_by_the_years_a_decade_holds(
        claim: str, sentence: str, matched: list[str], conflict: tuple[str, str] | None) -> None:
    c = compare(claim, sentence)
    assert c.matched == matched
    assert [(x.source, x.claim) for x in c.conflicts] == ([conflict] if conflict else [])
    if not matched and not conflict:
        assert c.missing == ["1995 does not appear here"]


@pytest.mark.parametrize("text, expected", [
    ("About one in five older adults said so.", [("one in five", 20.0)]),
    ("It affects 1 in 5 million people.", [("1 in 5 million", 2e-05)]),
    ("It was found in roughly half of the patients.", [("half", 50.0)]),
    ("It is found in about a third of stool samples.", [("a third", 100 / 3)]),
    ("Two-thirds of the sample were women.", [("Two-thirds", 200 / 3)]),
    ("A quarter of the sample were young adults.", [("A quarter", 25.0)]),
])
def test_a_share_in_words_is_an_approximate_percentage(text: str, expected: list[tuple[str, float]]) -> None:
    found = values(text)
    assert [(v.text, v.kind) for v in found] == [(t, "%") for t, _ in expected]
    assert [v.value for v in found] == pytest.approx([x for _, x in expected])
    assert all(v.approximate for v in found)


@pytest.mark.parametrize("text", ["Control was reached half a year after surgery.", "There were 77 in 2001.",
                                  "Five went to hospital over half a year later.",
                                  "A quarter were young adults aged 19-24."])
def test_no_share_is_read_where_none_is_written(text: str) -> None:
    assert "%" not in [v.kind for v in values(text)]


@pytest.mark.parametrize("claim, matched, conflict", [
    ("About one in five of them said the help was inadequate.", ["one in five"], None),  # 20 against 20.7
    ("About one in ten of them said the help was inadequate.", [], ("20.7%", "one in ten")),
    ("Roughly a third of them said the help was inadequate.", [], ("20.7%", "a third")),
])
def test_a_share_in_words_matches_a_percentage_near_it_and_conflicts_with_one_far_from_it(
        claim: str, matched: list[str], conflict: tuple[str, str] | None) -> None:
    c = compare(claim, "Overall, 20.7% of them reported receiving inadequate help.")
    assert c.matched == matched
    assert [(x.source, x.claim) for x in c.conflicts] == ([conflict] if conflict else [])


def test_a_number_joined_to_its_word_by_a_hyphen_is_named_with_it() -> None:
    assert [v.text for v in values("They used a 2-stage design over a 12-month period.")] == ["2-stage", "12-month"]
    c = compare("The trial had three stages.", "The trial had a 2-stage design.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("2-stage", "three stages")]


@pytest.mark.parametrize("claim, sentence, conflict", [
    ("The dose was 5mM here.", "The dose was 1mM here.", ("1mM", "5mM")),  # a unit glued to its number
    ("Agreement was .93 overall.", "Agreement was .91 overall.", (".91", ".93")),  # no leading zero
    ("In all, 300 patients came.", "In all, two hundred patients came.", ("two hundred patients", "300 patients")),
    ("The trend had P=0.07.", "The trend had P=0.007.", ("P=0.007", "P=0.07")),  # named with its label
    ("Rates were 3-28% in the cohort.", "Rates were 3-18% in the cohort.", ("3-18%", "3-28%")),  # a range whole
    ("Tumours grew in 2/5 mice.", "Tumours grew in 1/5 mice.", ("1/5", "2/5")),  # a fraction whole
])
def test_values_written_tightly_are_read_and_named_whole(claim: str, sentence: str, conflict: tuple) -> None:
    assert [(x.source, x.claim) for x in compare(claim, sentence).conflicts] == [conflict]


def test_a_negation_looks_past_words_with_no_stem_and_over_adjectives_after_no() -> None:
    c = compare("Treatment did not by itself improve survival.", "Treatment resulted in improvement of survival.")
    assert [x.kind for x in c.conflicts] == ["negation"]
    c = compare("The groups differed significantly.", "There was no statistical difference between the groups.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("was no statistical difference", "differed")]


def test_a_value_of_the_claims_size_elsewhere_does_not_hide_the_one_where_the_claim_has_it() -> None:
    sentence = "The method is used in two large nested studies. Three groups took part."
    c = compare("The method is used in three large nested studies.", sentence)
    assert [(x.source, x.claim) for x in c.conflicts] == [("two", "three")]
    assert compare("Three groups took part.", sentence).matched == ["Three groups"]


def test_clinical_units_are_named_with_their_value() -> None:
    assert [v.text for v in values("Albumin (45 gm/L) and hemoglobin 13.5 g/dL were normal.")] == ["45 gm/L",
                                                                                                    "13.5 g/dL"]


def test_a_value_stated_twice_anchors_where_its_words_match() -> None:
    """The claim's 4 of "4/7 tissues from the liver" anchors at the source's "4/7 liver tissues", not at
    the 4 of "2/4", so the claim's 3 is read against the 2 beside its own 4, not "ten samples"."""
    c = compare("The marker was found in 4/7 tissues from the liver but in only 3/4 samples from the kidney.",
                "The marker was detected in 4/7 liver tissues, but only in 2/4 kidney samples and none of ten "
                "samples of control tissue.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("2/4", "3/4")]


def test_a_formulas_digits_are_not_values() -> None:
    sentence = "Blocking the Ca(2+)-ATPase with CdCl(2) (20nM) or with 5-(N-ethyl) amiloride changed nothing."
    assert [v.text for v in values(sentence)] == ["20nM"]
    c = compare("Blocking the Ca2+-ATPase with 200nM CdCl2 changed nothing.", sentence)
    assert [(x.source, x.claim) for x in c.conflicts] == [("20nM", "200nM")]


def test_a_value_the_claim_states_itself_is_no_rival_for_another() -> None:
    """In a list of counts, the source's "two had cataracts" is the claim's own two, not a rival that
    stands where the claim's "nine had the mild form" stands."""
    c = compare("Of the children seen, nine had the mild form, four had cataracts, and two had deafness.",
                "Nine children had mild disease, two had cataracts and two deafness, with follow-up.")
    assert c.matched == ["nine", "two"]
    assert [(x.source, x.claim) for x in c.conflicts] == [("two", "four")]


def test_between_values_whose_words_tie_the_one_in_the_claims_clause_is_named() -> None:
    c = compare("Heating the larger tank lengthened the cycle by roughly 9 min in the test rig.",
                "We saw that heating the small tank lengthened the cycle by about 2 min to a 40 min run, whereas "
                "heating the larger tank lengthened the cycle by about 6 min more.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("6 min", "9 min")]


def test_a_span_of_years_is_named_whole() -> None:
    c = compare("The cases were diagnosed during 1970–2008.", "The cases were diagnosed during 1970–2003.")
    assert [(x.source, x.claim) for x in c.conflicts] == [("1970–2003", "1970–2008")]
