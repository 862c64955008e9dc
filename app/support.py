"""The learned part of claim checking: how likely a span of the sources states a claim.

A logistic regression over features of one (claim, span) pair: how close the two are (the span's
cosine to the claim and its passage's), how much of the claim's wording the span has (the
idf-weighted and plain shares of its content words, whether its rarest words are there, how rare
the rarest missing word is: an unaddressed claim usually adds a predicate or an object the span
lacks), its names, the claim's values the span states, and the two texts' lengths. Values and
negations that conflict or are missing rule a span out before the model is asked (app/claims.py).
Trained by `benchmarks/train_claims.py` on the tune claim sets; weights in `app/claim_weights.json`
with the probability threshold chosen there (no altered or unaddressed tune claim supported, out of
fold, folds by document).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from app.coverage import Coverage
from app.selection import Model, sigmoid
from app.stance import Comparison

WEIGHTS_FILE = Path(__file__).with_name("claim_weights.json")
FEATURES = ("cosine", "passage_cosine", "idf_share", "plain_share", "cosine_x_share", "rarest_held",
            "rare_two_held", "missing_max", "missing_count", "names_missing", "values_matched",
            "value_stated", "claim_words", "length_ratio", "pair", "soft_share", "soft_worst")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


@dataclass(frozen=True)
class Closeness:
    """How near a span is to the claim in meaning: its own cosine, its passage's, its sentences."""

    cosine: float
    passage: float
    sentences: int = 1


class Lexicon:
    """Word vectors (the index's model, one word at a time) for matching a claim's missing words to a
    span's words in meaning: "lowered" is near "reduced", "misdiagnosis" near nothing a span says."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        self.row = {w: i for i, w in enumerate(words)}
        self.vectors = vectors

    def best(self, word: str, others: tuple[str, ...]) -> float:
        """The highest cosine of `word` to any of `others` (0 when there are none or a word is unknown)."""
        rows = [self.row[o] for o in others if o in self.row]
        if word not in self.row or not rows:
            return 0.0
        return float(np.max(self.vectors[rows] @ self.vectors[self.row[word]]))


@dataclass(frozen=True)
class SupportModel:
    model: Model
    threshold: float  # a span with this probability or more supports the claim
    min_support: float = 0.0  # ... and, unless it states a value of the claim, this support (app/claims.py)


def features(cov: Coverage, comparison: Comparison, near: Closeness, lexicon: Lexicon | None = None) -> np.ndarray:
    """The feature row of one (claim, span) pair, in the order of `FEATURES`; without `lexicon` a
    missing word matches nothing."""
    weight = cov.weights
    soft = {m: lexicon.best(m, cov.span_words) if lexicon else 0.0 for m in cov.missing}
    total = sum(weight.values()) or 1.0
    ranked = sorted(weight, key=lambda w: -weight[w])
    missing = set(cov.missing)
    top = max(weight.values(), default=1.0) or 1.0
    claim_words = len(weight)
    return np.array([
        near.cosine,
        near.passage,
        cov.share,
        cov.plain,
        near.cosine * cov.share,
        float(bool(ranked) and ranked[0] not in missing),
        float(not missing.intersection(ranked[:2])),
        max((weight[m] for m in missing if m in weight), default=0.0) / top,
        min(len(missing), 5),
        min(len(cov.names_missing), 3),
        min(len(comparison.matched), 3),
        float(any(not _YEAR.fullmatch(m) for m in comparison.matched)),
        math.log1p(claim_words),
        math.log((len(cov.span_words) + 1) / (claim_words + 1)),
        float(near.sentences > 1),
        1 - sum(weight.get(m, 0.0) * (1 - s) for m, s in soft.items()) / total,
        min(soft.values(), default=1.0),
    ], dtype=np.float64)


def probability(x: np.ndarray, m: SupportModel | None = None) -> float:
    """The model's probability that the span states the claim."""
    m = m or support_model()
    return float(sigmoid(m.model.logit(x)))


@cache
def support_model(path: Path = WEIGHTS_FILE) -> SupportModel:
    """The trained support model (read once)."""
    d = json.loads(path.read_text(encoding="utf-8"))
    if tuple(d["features"]) != FEATURES:
        raise ValueError(f"{path.name} was trained on other features; rerun benchmarks/train_claims.py")
    model = Model(FEATURES, *(np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef")),
                  float(d["intercept"]))
    return SupportModel(model, float(d["threshold"]), float(d.get("min_support", 0.0)))
