"""How much of a claim's wording a span of the sources has: its content words and its names.

Words are compared by stem after folding British spellings to American ones ("analysed" =
"analyzed", "centre" = "center", "tumour" = "tumor", "haemoglobin" = "hemoglobin"), with
the stop words of `app.differences.keywords` dropped. A name ("Leiden", "EU") is a word
capitalised after the claim's first word, or an acronym; a run of capitalised words counts as
present where the span gives its acronym ("European Union" where it says "EU"), and an
acronym where the span spells it out. An abbreviation the document defines elsewhere ("multiple
myeloma (MM)", found by the Schwartz–Hearst algorithm) counts as its long form, both ways. A name
is not missing where the span writes it longer or shorter ("Europe" for "European", "FIMTM" for
"FIM").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from app.differences import keywords
from index.bm25 import tokenize

_WORD = re.compile(r"[A-Za-z0-9'’]+(?:-[A-Za-z0-9]+)*")
_SPELLING = {"defence": "defense", "programme": "program", "licence": "license", "offence": "offense"}
_BRITISH = [(re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),  # organised
            (re.compile(r"(?<=[a-z])ys(e|ed|es|ing)$"), r"yz\1"),  # analysed
            (re.compile(r"(?<=[a-z]{3})our(s|ed|ing)?$"), r"or\1"),  # tumour, behaviour
            (re.compile(r"(?<=[a-z]{2})tre(s|d)?$"), r"ter\1"),  # centre, metre
            (re.compile(r"(?:(?<=[a-z])|^)(?:ae|oe)(?=[b-df-hj-np-tv-z])"), "e")]  # haem-, oestrogen, paediatric
_NAME_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s(?:(?:of|for|and|the|on)\s)?[A-Z][\w’'-]*)+")
_NAMED_SHORT = re.compile(rf"(?P<long>{_NAME_RUN.pattern})\s\((?P<short>[A-Z]{{2,6}})\)")  # "… Mechanism (UCPM)"
_LEADING = {"the", "a", "an", "in", "on", "at", "for", "of", "and", "by", "from", "since", "through", "with"}
_NOT_CONTENT = {"non", "without", "cannot"}
Weights = Callable[[set[str]], dict[str, float]]  # stems -> their weights, e.g. the index's BM25 idf
Defined = tuple[tuple[str, str], ...]  # (short form, long form) pairs a document defines


@dataclass
class Coverage:
    share: float  # of the claim's content words (values aside), the weighted share the span has
    plain: float  # the same share, every word weighing the same
    missing: list[str]  # the claim's content words the span lacks, in the claim's order
    names_missing: list[str]  # the missing words that are names, and not in a longer or shorter form
    weights: dict[str, float] = field(default_factory=dict)  # each of the claim's words: its weight
    span_words: tuple[str, ...] = ()  # the span's own content words
    # the most of the claim's content words in a row the span lacks: a claim that adds a predicate and
    # its object ("… predicted graft rejection") lacks a run of them, a paraphrase a word here and there
    gap: tuple[str, ...] = ()
    # the claim's names that its document writes nowhere, in no form (`unnamed`): "Brussels" in a
    # claim checked against a text that never names Brussels
    unnamed: tuple[str, ...] = ()


def fold(word: str) -> str:
    """A lower-case word in American spelling."""
    word = _SPELLING.get(word, word)
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


def content_words(text: str) -> dict[str, set[str]]:
    """The content words of `text` in order (stop words and negations dropped), each with its stems."""
    words = [w for w in dict.fromkeys(_WORD.findall(text.lower())) if w not in _NOT_CONTENT and keywords(w)]
    stems = tokenize([" ".join(fold(p) for p in w.split("-")) for w in words])
    return {w: set(s) for w, s in zip(words, stems) if s}


def names(text: str) -> set[str]:
    """Words written as names: capitalised after the first word, or acronyms anywhere ("EDF")."""
    words = _WORD.findall(text)
    return {w.lower() for i, w in enumerate(words)
            if (i > 0 and w[0].isupper()) or sum(c.isupper() for c in w) >= 2}


def acronyms(text: str) -> dict[str, list[str]]:
    """Runs of capitalised words by their initials: {"EDF": ["European", "Defence", "Fund"]}."""
    out: dict[str, list[str]] = {}
    for run in _NAME_RUN.finditer(text):
        words = [w for w in run.group().split() if w[0].isupper()]
        while words and words[0].lower() in _LEADING:
            words.pop(0)  # "The European Defence Fund" is the EDF
        if len(words) >= 2:
            out["".join(w[0] for w in words)] = words
    return out


def initialisms(text: str) -> dict[str, list[str]]:
    """Runs of three or four content words by their initials, in any case: {"SCC": ["squamous", "cell",
    "carcinoma"]}; not "the cord recipients" for "TCR"."""
    words = re.findall(r"[A-Za-z]+", text)
    runs = [words[i:i + n] for n in (3, 4) for i in range(len(words) - n + 1)]
    return {"".join(w[0] for w in run).upper(): run for run in runs if all(keywords(w.lower()) for w in run)}


@lru_cache(maxsize=1)
def _extractor():  # noqa: ANN202 - the abbreviations package's module
    """The Schwartz–Hearst extractor. Importing it calls `logging.basicConfig(level=INFO)`, which
    would print every library's log lines under docqa's output: that is undone."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from abbreviations import schwartz_hearst
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger(schwartz_hearst.__name__).setLevel(logging.WARNING)
    return schwartz_hearst


@lru_cache(maxsize=256)
def defined(document: str) -> Defined:
    """The abbreviations `document` defines, as (short, long) pairs: "Oligofructose (OFS)" gives
    ("OFS", "Oligofructose")."""
    pairs = _extractor().extract_abbreviation_definition_pairs(doc_text=document)
    found = {short: _widened(document, short, long) for short, long in pairs.items() if short != long}
    for m in _NAMED_SHORT.finditer(document):  # "the EU Civil Protection Mechanism (UCPM)": the algorithm
        words = [w for w in m["long"].split() if w.lower() not in _LEADING]  # wants U to begin a word
        short = m["short"].lower()
        fits = words and short[0] in words[0].lower() and _in_order(short, "".join(words).lower())
        if m["short"] not in found and fits:
            found[m["short"]] = " ".join(words)
    return tuple(found.items())


def _in_order(letters: str, text: str) -> bool:
    """Whether `letters` occur in `text` in this order."""
    it = iter(text)
    return all(c in it for c in letters)


def _widened(document: str, short: str, long: str) -> str:
    """`long` with the words before it whose initials the abbreviation also has: the algorithm takes
    "myeloma" for "MM" in "multiple myeloma (MM)", its shortest match."""
    more = sum(c.isupper() for c in short) - len(long.split())
    if more <= 0:
        return long
    m = re.search(rf"((?:[\w-]+\s+){{{more}}}){re.escape(long)}\s*\(\s*{re.escape(short)}\s*\)", document)
    if m and "".join(w[0] for w in m[1].split()).upper() == short[:more].upper():
        return m[1] + long
    return long


def spelled_out(claim: str, text: str, pairs: Defined = ()) -> set[str]:
    """Stems `text` states under another name: the claim's "European Union" where `text` says "EU",
    the claim's "EDF" where `text` spells out "European Defence Fund", the claim's "squamous cell
    carcinoma" where `text` says "SCC"; with the document's defined `pairs`, the claim's "multiple
    myeloma" where `text` says "MM" and the claim's "BMI" where `text` says "body-mass index"."""
    said, claimed = set(_WORD.findall(text)), set(_WORD.findall(claim))
    out = {w for acronym, words in (acronyms(claim) | initialisms(claim)).items() if acronym in said for w in words}
    out |= {a for a in acronyms(text) if a in claimed}
    stated = set().union(*content_words(text).values())
    for short, long in pairs:
        if _written(short, text):
            out |= set(_WORD.findall(long))
        elif _written(short, claim) and set().union(*content_words(long).values()) <= stated:
            out.add(short)
    return set().union(*content_words(" ".join(out)).values()) if out else set()


def _written(short: str, text: str) -> bool:
    """Whether `text` holds the abbreviation `short` as a word of its own, in its case."""
    return re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", text) is not None


def initials(words: list[str], longest: int = 5) -> set[str]:
    """The initials of every 2 to `longest` successive `words` ("electron", "microscopy" gives "em")."""
    return {"".join(w[0] for w in words[i:j]) for i in range(len(words))
            for j in range(i + 2, min(i + longest, len(words)) + 1)}


@lru_cache(maxsize=256)
def _document_names(document: str) -> tuple[frozenset[str], frozenset[str]]:
    """A document's words, lower-cased (hyphenated ones also in parts), and the initials of every 2-4
    successive words of it, hyphen parts counted ("N-methyl-D-aspartate" gives "NMDA")."""
    words = [w.lower() for w in _WORD.findall(document)]
    parts = re.findall(r"[A-Za-z0-9]+", document)
    said = frozenset(words) | frozenset(p.lower() for p in parts)
    return said, frozenset(i.upper() for i in initials(parts, longest=4))


@lru_cache(maxsize=4096)
def unnamed(claim: str, document: str, pairs: Defined = ()) -> tuple[str, ...]:
    """The claim's names (`names`) that `document` writes nowhere: not as they are, not longer or
    shorter ("Europe" for "European"), not as an abbreviation it defines or the initials of its words."""
    said, abbreviated = _document_names(document)
    short = {s.lower() for s, _ in pairs}
    written = {w.lower(): w for w in _WORD.findall(claim)}
    out = []
    for name in sorted(names(claim)):
        bare = re.sub(r"['’]s$", "", name)
        if bare in said or bare in short or bare.upper() in abbreviated or any(_same_name(bare, w) for w in said):
            continue
        out.append(re.sub(r"['’]s$", "", written.get(name, name)))
    return tuple(out)


def coverage(claim: str, text: str, leave_out: set[str] = frozenset(), weights: Weights | None = None,
             pairs: Defined = (), document: str | None = None) -> Coverage:
    """How much of `claim`'s wording `text` has; words in `leave_out` (a value's words) are not counted;
    `pairs`: the abbreviations the span's document defines (`defined`); `document`: the span's whole
    document, for the claim's names it never writes (`unnamed`).

    Each word weighs its rarest stem's weight (all 1 without `weights`): a rare word such as
    "colorectal" missing says more than a common one such as "reported".
    """
    words = {w: s for w, s in content_words(claim).items() if w not in leave_out}
    theirs = content_words(text)
    have = set().union(*theirs.values()) | spelled_out(claim, text, pairs)
    missing = [w for w, stems in words.items() if not stems <= have]
    w = weights(set().union(*words.values())) if weights and words else {}
    weight = {word: max((w.get(s, 1.0) for s in stems), default=1.0) for word, stems in words.items()}
    total = sum(weight.values())
    share = 1 - sum(weight[m] for m in missing) / total if total else 1.0
    plain = 1 - len(missing) / len(words) if words else 1.0
    said = {w.lower() for w in _WORD.findall(text)}
    lacking = [m for m in missing if m in names(claim) and not any(_same_name(m, w) for w in said)]
    return Coverage(share, plain, missing, lacking, weight, tuple(theirs), gap(list(words), set(missing)),
                    unnamed(claim, document, pairs) if document is not None else ())


def gap(words: list[str], missing: set[str]) -> tuple[str, ...]:
    """The longest run of `words` in a row that are all `missing` (the first of equal length)."""
    best: tuple[str, ...] = ()
    run: list[str] = []
    for w in words:
        run = run + [w] if w in missing else []
        if len(run) > len(best):
            best = tuple(run)
    return best


def _same_name(a: str, b: str) -> bool:
    """One name written longer ("Europe", "European"; "FIM", "FIMTM"): one begins with the other, of
    three letters or more."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and long.startswith(short)
