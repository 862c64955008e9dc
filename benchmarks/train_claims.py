"""Train the claim checker's support model on the tune claim sets; print out-of-fold figures.

    python benchmarks/train_claims.py benchmarks/claims/claims-tune.jsonl benchmarks/claims/claims-tune2.jsonl \\
        benchmarks/claims/claims-tune3.jsonl --index IDX [--cache spans.pkl] [--write]

IDX indexes the documents the sets name (benchmarks/sets/make_corpus.py, then `docqa ingest`).

1. Each claim is checked as `docqa check` checks it (app/claims.py `gather`): the same search,
   spans and features. Spans with a conflicting or missing value or negation, that lack
   `CheckSettings.gap` of the claim's content words in a row, or whose document never names a name
   of the claim, never support, so the model is
   trained on the others.
2. A span is positive when its claim is true (`expect` supported) and it overlaps the claim's
   `evidence` sentence by more than half of either; every other span is negative (spans of
   altered and unaddressed claims, and a true claim's spans elsewhere).
3. Logistic regression over `app.support.FEATURES` (standardised), its C chosen by claim-level
   figures out of fold: 5 folds grouped by document, so no document's claims are scored by a
   model that saw them; each span's out-of-fold probability is averaged over `AVERAGED` random
   draws of the documents into the folds (one draw puts a false claim high or low by chance).
4. Threshold: the lowest at which no altered or unaddressed tune claim is supported out of fold
   (its best eligible span's averaged probability), plus `MARGIN`; for each `min_support` of
   `FLOORS` (app/claims.py). C: the most true claims supported out of fold; min_support: the
   highest that supports at most one true claim fewer, or the one given with --min-support (the
   floor guards against spans that hold every word of a claim they do not make, "Norway is a member
   state of the EU" in "… the same rights as EU member states"; where the tune sets hold no such
   claim, only its cost shows).
5. Prints the out-of-fold figures per set and, with --write, fits on all tune claims and writes
   app/claim_weights.json. With --draws N, also the threshold and the true claims supported over N
   random document-grouped fold draws: how far one maximum moves.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.claims import CONTRADICTED, SUPPORTED, Candidates, CheckSettings, gather, judge, reread  # noqa: E402
from app.engine import Engine  # noqa: E402
from app.selection import Model, sigmoid  # noqa: E402
from app.support import FEATURES, WEIGHTS_FILE, SupportModel  # noqa: E402

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
FOLDS = 5
FLOORS = (0.0, 0.5, 0.55, 0.6, 0.65)  # CheckSettings.min_support tried
AVERAGED = 8  # random fold draws each out-of-fold probability is averaged over
MARGIN = 0.1  # above the highest false-support probability out of fold (0.02 let an altered claim of
# claims-tune5, then unseen, be supported: one maximum over ~170 claims is a thin guard)
UNTRAINED = SupportModel(Model(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)),
                               np.zeros(len(FEATURES)), 0.0), 1.0)


@dataclass
class Row:
    claim: dict  # the set's line: id, claim, expect, doc_id, evidence, source_value
    part: str  # the set file's stem
    cands: Candidates


def load(paths: list[Path]) -> list[tuple[str, dict]]:
    return [(p.stem, json.loads(line)) for p in paths for line in p.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def gathered(engine: Engine, claims: list[tuple[str, dict]], cache: Path | None) -> list[Row]:
    """Every claim's spans, read again by today's rules (the costly search and encoding cached)."""
    if cache and cache.exists():
        rows = pickle.loads(cache.read_bytes())
    else:
        rows = [Row(c, part, gather(engine.index, engine.embedder, c["claim"], model=UNTRAINED))
                for part, c in claims]
        if cache:
            cache.write_bytes(pickle.dumps(rows))
    for r in rows:
        reread(engine.index, r.cands, UNTRAINED)
    return rows


def eligible(reading) -> bool:  # noqa: ANN001
    """Not ruled out before the model is asked: no conflicting or missing value or negation, and no gap
    of `CheckSettings.gap` claim words in a row."""
    return (not reading.comparison.conflicts and not reading.comparison.missing
            and len(reading.coverage.gap) < CheckSettings.gap and not reading.coverage.unnamed)


def supportive(reading, floor: float) -> bool:  # noqa: ANN001
    """Close enough for the rule of `CheckSettings.min_support`."""
    return bool(reading.comparison.matched) or reading.support >= floor


def labelled(engine: Engine, rows: list[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, row of each span, group of each span) over the eligible spans."""
    xs, ys, owner, groups = [], [], [], []
    for k, r in enumerate(rows):
        for (h, a, b), reading in zip(r.cands.spans, r.cands.readings):
            if not eligible(reading):
                continue
            doc = engine.index.doc_by_id[h.passage.doc_id].doc.text
            y = False
            if r.claim["expect"] == SUPPORTED and h.passage.doc_id.endswith(r.claim["doc_id"].removeprefix("scifact-")):
                at = doc.find(r.claim["evidence"])
                overlap = min(b, at + len(r.claim["evidence"])) - max(a, at) if at >= 0 else 0
                y = overlap > 0.5 * min(b - a, len(r.claim["evidence"]))
            xs.append(reading.features)
            ys.append(y)
            owner.append(k)
            groups.append(r.claim["doc_id"])
    return np.array(xs), np.array(ys), np.array(owner), np.array(groups)


def fit(x: np.ndarray, y: np.ndarray, c: float) -> Model:
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    lr = LogisticRegression(C=c, max_iter=5000).fit((x - scaler.mean_) / scale, y)
    return Model(FEATURES, scaler.mean_, scale, lr.coef_[0], float(lr.intercept_[0]))


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float, seed: int | None = None) -> np.ndarray:
    """Out-of-fold probabilities, documents kept together: `GroupKFold`, or with `seed` a random draw
    of the documents into the folds."""
    p = np.zeros(len(y))
    if seed is None:
        splits = GroupKFold(n_splits=FOLDS).split(x, y, groups)
    else:
        docs = np.unique(groups)
        fold_of = dict(zip(docs, np.random.default_rng(seed).integers(0, FOLDS, len(docs))))
        fold = np.array([fold_of[g] for g in groups])
        splits = ((np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(FOLDS))
    for train, held in splits:
        p[held] = sigmoid(fit(x[train], y[train], c).logit(x[held]))
    return p


def averaged(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float, n: int = AVERAGED) -> np.ndarray:
    """Each span's out-of-fold probability averaged over `n` random document-grouped fold draws: one
    draw puts a false claim high or low by chance, and the threshold is set by the highest."""
    return np.mean([out_of_fold(x, y, groups, c, seed) for seed in range(n)], axis=0)


def draws(engine: Engine, rows: list[Row], data: tuple, c: float, floor: float, n: int) -> None:
    """How far the threshold and the true claims supported move over `n` random fold draws."""
    x, y, _, groups = data
    for seed in range(n):
        set_probabilities(rows, out_of_fold(x, y, groups, c, seed))
        t = threshold(rows, floor)
        by = figures(engine, rows, replace(CheckSettings(), supported=t, min_support=floor))["all"]
        print(f"draw {seed}: threshold {t:.3f}, true supported {by[SUPPORTED][SUPPORTED]}/{by[SUPPORTED]['claims']}, "
              f"false supported {by['contradicted'][SUPPORTED] + by['unaddressed'][SUPPORTED]}")


def set_probabilities(rows: list[Row], p: np.ndarray) -> None:
    """Give every span its (out-of-fold) probability, in `labelled`'s order; ineligible spans never support."""
    it = iter(p)
    for r in rows:
        for reading in r.cands.readings:
            reading.probability = float(next(it)) if eligible(reading) else 0.0


def threshold(rows: list[Row], floor: float) -> float:
    """The lowest threshold at which no altered or unaddressed claim has a span that would support it."""
    worst = [max((x.probability for x in r.cands.readings if eligible(x) and supportive(x, floor)), default=0.0)
             for r in rows if r.claim["expect"] != SUPPORTED]
    return max(worst, default=0.0) + MARGIN  # above 1: nothing is supported


def figures(engine: Engine, rows: list[Row], settings: CheckSettings) -> dict:
    """Verdict counts per expected verdict, per set part, and how many contradictions name the value."""
    out: dict = {}
    for r in rows:
        check = judge(engine.index, r.cands, settings)
        for part in (r.part, "all", "article" if "scifact" not in r.claim["doc_id"] else "abstracts"):
            t = out.setdefault(part, {}).setdefault(r.claim["expect"], Counter())
            t["claims"] += 1
            t[check.verdict] += 1
            if check.verdict == CONTRADICTED and r.claim.get("source_value") and r.claim["source_value"] in check.reason:
                t["named"] += 1
    return out


def show(title: str, figs: dict) -> None:
    print(title)
    for part, by in figs.items():
        line = "; ".join(f"{e} {dict(c)}" for e, c in sorted(by.items()))
        print(f"  {part}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="tune claim sets (JSONL with expect, doc_id, evidence)")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--cache", type=Path, help="keep the found spans here; later runs read them again")
    parser.add_argument("--write", action="store_true", help=f"fit on all and write {WEIGHTS_FILE.name}")
    parser.add_argument("--min-support", type=float, choices=FLOORS,
                        help="keep this min_support (one of FLOORS) and choose C for it")
    parser.add_argument("--draws", type=int, default=0, help="also show the chosen C over this many random fold draws")
    args = parser.parse_args()
    engine = Engine(args.index)
    rows = gathered(engine, load(args.sets), args.cache)
    x, y, owner, groups = labelled(engine, rows)
    print(f"{len(rows)} claims, {len(y)} eligible spans, {int(y.sum())} positive; {len(set(groups))} documents")
    results = []
    for c in C_GRID:
        set_probabilities(rows, averaged(x, y, groups, c))
        for floor in FLOORS:
            t = threshold(rows, floor)
            by = figures(engine, rows, replace(CheckSettings(), supported=t, min_support=floor))["all"]
            right = by[SUPPORTED][SUPPORTED]
            print(f"C {c}, min_support {floor}: threshold {t:.3f}, true supported {right}/{by[SUPPORTED]['claims']} out of fold")
            results.append((right, c, t, floor))
    # the best C; then the highest min_support within one true claim of its best, for a margin against
    # spans that hold every word of a claim they do not make
    if args.min_support is not None:  # kept, not chosen: the tune sets may hold no case it guards against
        results = [r for r in results if r[3] == args.min_support]
    top = max(results)
    _, c, t, floor = max((r for r in results if r[1] == top[1] and r[0] >= top[0] - 1), key=lambda r: r[3])
    set_probabilities(rows, averaged(x, y, groups, c))
    show(f"out of fold, C {c}, threshold {t:.3f}, min_support {floor}:",
         figures(engine, rows, replace(CheckSettings(), supported=t, min_support=floor)))
    draws(engine, rows, (x, y, owner, groups), c, floor, args.draws)
    if args.write:
        m = fit(x, y, c)
        WEIGHTS_FILE.write_text(json.dumps({
            "features": list(FEATURES), "mean": m.mean.tolist(), "scale": m.scale.tolist(),
            "coef": m.coef.tolist(), "intercept": m.intercept, "threshold": round(t, 4), "min_support": floor, "C": c,
            "trained_on": [str(p.relative_to(ROOT)) if p.is_absolute() else str(p) for p in args.sets],
            "claims": len(rows), "spans": int(len(y)), "positive": int(y.sum())}, indent=1) + "\n")
        print("wrote", WEIGHTS_FILE, dict(zip(FEATURES, np.round(m.coef, 3))))


if __name__ == "__main__":
    main()
