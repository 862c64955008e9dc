"""Train docqa's answer selector on the tune part of the question sets; print tune and test figures.

    python benchmarks/train_selector.py \\
        --tune benchmarks/questions/article-tune.jsonl benchmarks/questions/scifact-tune.jsonl \\
               benchmarks/questions/article-dev.jsonl benchmarks/questions/scifact-tune2.jsonl \\
               benchmarks/questions/scifact-tune3.jsonl benchmarks/questions/scifact-tune4.jsonl \\
        --test benchmarks/questions/article-test.jsonl benchmarks/questions/scifact-test.jsonl

1. Writes the documents each set file names (benchmarks/sets/make_corpus.py) and indexes them, one
   index per file: the article's questions are asked of an index of the article alone (as the
   shipped corpus is), SciFact's of an index of that part's abstracts; no test document is in a
   tune index. The article's older dev set (article-dev) is tune data too (its unanswerable
   questions name no document: they are asked of an index of the article).
2. For every question: the same search and the same candidate units and features as `docqa ask`
   (app/selection.py). A unit is positive when its quote contains the answer text (normalised as
   `docqa eval` does) and comes from the answer's document.
3. Unit model: logistic regression over `UNIT_FEATURES`, its C chosen by cross-validation grouped
   by document (top-1 unit holds the answer, answerable questions).
4. Answer model: logistic regression over `ANSWER_FEATURES` of each question's best unit, trained on
   out-of-fold unit scores (so it sees scores as unseen questions get them), label: the best unit
   holds the answer; its C is the one of `ANSWER_C_GRID` that abstains on the most unanswerable
   tune questions out of fold at the threshold below. Threshold: the highest at which at most 1
   answerable tune question in 20 would be abstained on (out-of-fold answer probabilities).
5. Writes the weights to app/selector_weights.json and prints the figures per part, with the
   abstention precision/recall curve of the tune part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "sets"))

from app import selection as sel  # noqa: E402
from app.engine import Engine  # noqa: E402
from app.evaluation.metrics import contains  # noqa: E402
from app.evaluation.questions import load_questions  # noqa: E402
from index.search import search  # noqa: E402
from index.embedder import Embedder  # noqa: E402
from index.settings import Config  # noqa: E402
from make_corpus import ARTICLE, doc_ids, write_corpus  # noqa: E402

SECOND_MARGIN = 0.1  # a second quote within 0.1 probability of the best (fixed, not tuned)
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
ANSWER_C_GRID = (0.03, 0.1, 0.3, 1.0)  # one row per question: kept strongly regularised
MAX_WRONG_ABSTAIN = 1 / 20


@dataclass
class Item:
    """One question's candidates, labels and what the evaluation needs."""

    qid: str
    answerable: bool
    doc: str  # the group for cross-validation
    cands: sel.Candidates
    labels: np.ndarray  # per unit: its quote holds the answer


def build_index(path: Path, work: Path, embedder: Embedder) -> Engine:
    """An index of the documents the set file `path` names, in `work/<stem>-index` (rebuilt each run)."""
    docs = work / f"{path.stem}-docs"
    shutil.rmtree(docs, ignore_errors=True)
    write_corpus(doc_ids([path]), docs)
    engine = Engine(work / f"{path.stem}-index", embedder=embedder)
    engine.ingest([docs], rebuild=True)
    return engine


def extract(sets: list[Path], work: Path, candidates: int, embedder: Embedder) -> list[Item]:
    """Candidates and labels of every question in `sets`, as `docqa ask` would see them."""
    items = []
    for path in sets:
        engine = build_index(path, work, embedder)
        index = engine.index
        encoder = embedder.for_backend(index.settings.backend)
        for q in load_questions(path):
            qvec = encoder.encode_query(q.question)
            hits = search(index, q.question, qvec, k=max(5, candidates))
            cands = sel.candidates(index, q.question, qvec, hits[:candidates])
            labels = np.array([q.answer is not None and (q.doc_id is None or u.hit.passage.doc_id == q.doc_id)
                               and contains(_quote(index, u), q.answer) for u in cands.units], bool)
            # folds: by document, except the article, whose questions were split at random
            group = q.id if q.doc_id in (None, ARTICLE) else q.doc_id
            items.append(Item(f"{path.stem}:{q.id}", q.answer is not None, group, cands, labels))
    return items


def _quote(index, u: sel.Unit) -> str:  # noqa: ANN001 - index.store.Index
    start, end = u.span
    return index.doc_by_id[u.hit.passage.doc_id].doc.text[start:end]


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(x)
    scaler.scale_[scaler.scale_ == 0] = 1.0
    return scaler, LogisticRegression(C=c, max_iter=2000).fit(scaler.transform(x), y)


def model_dict(names: tuple[str, ...], scaler: StandardScaler, lr: LogisticRegression, c: float) -> dict:
    return {"features": list(names), "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
            "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0]), "C": c}


def as_model(d: dict, names: tuple[str, ...]) -> sel.Model:
    return sel.Model.from_dict(d, names)


def out_of_fold_logits(items: list[Item], c: float, folds: int = 5) -> list[np.ndarray]:
    """Each question's unit logits from a unit model trained without its document."""
    groups = np.array([it.doc for it in items])
    out: list[np.ndarray] = [np.zeros(0)] * len(items)
    for train, held in GroupKFold(n_splits=min(folds, len(set(groups)))).split(items, groups=groups):
        tr = [items[i] for i in train if len(items[i].labels)]
        scaler, lr = fit(np.vstack([it.cands.x for it in tr]), np.concatenate([it.labels for it in tr]), c)
        m = as_model(model_dict(sel.UNIT_FEATURES, scaler, lr, c), sel.UNIT_FEATURES)
        for i in held:
            out[i] = m.logit(items[i].cands.x) if len(items[i].labels) else np.zeros(0)
    return out


def top1(items: list[Item], logits: list[np.ndarray]) -> float:
    """Share of answerable questions whose best unit holds the answer."""
    ans = [(it, lg) for it, lg in zip(items, logits) if it.answerable]
    return sum(bool(len(lg)) and bool(it.labels[int(np.argmax(lg))]) for it, lg in ans) / max(len(ans), 1)


def choose_c(items: list[Item]) -> float:
    scores = {c: top1(items, out_of_fold_logits(items, c)) for c in C_GRID}
    print("unit model C (cross-validated top-1):", {c: round(s, 3) for c, s in scores.items()})
    return max(C_GRID, key=lambda c: (scores[c], -abs(np.log10(c))))  # ties: the milder setting


def answer_rows(items: list[Item], logits: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """ANSWER_FEATURES and labels (the best unit holds the answer) of questions with candidates."""
    xs, ys = [], []
    for it, lg in zip(items, logits):
        if not len(lg):
            xs.append(np.zeros(len(sel.ANSWER_FEATURES)))
            ys.append(False)
            continue
        best = int(np.argmax(lg))
        xs.append(sel.answer_features(it.cands, lg, best))
        ys.append(bool(it.labels[best]))
    return np.array(xs), np.array(ys)


def out_of_fold_answer(items: list[Item], x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    groups = np.array([it.doc for it in items])
    p = np.zeros(len(items))
    for train, held in GroupKFold(n_splits=min(5, len(set(groups)))).split(x, groups=groups):
        scaler, lr = fit(x[train], y[train], c)
        p[held] = lr.predict_proba(scaler.transform(x[held]))[:, 1]
    return p


def choose_answer_c(items: list[Item], x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The answer model's C that abstains on the most unanswerable tune questions at its own
    out-of-fold threshold (ties: the stronger regularisation); returns it and its probabilities."""
    unanswerable = np.array([not it.answerable for it in items])
    scores = {}
    for c in ANSWER_C_GRID:
        p = out_of_fold_answer(items, x, y, c)
        scores[c] = (int((p[unanswerable] < pick_threshold(items, p)).sum()), p)
    print("answer model C (out-of-fold unanswerable abstained at the 1-in-20 threshold):",
          {c: s[0] for c, s in scores.items()})
    best = max(ANSWER_C_GRID, key=lambda c: (scores[c][0], -c))
    return best, scores[best][1]


def pick_threshold(items: list[Item], p: np.ndarray) -> float:
    """The highest threshold that abstains on at most 1 answerable question in 20."""
    answerable = np.sort(p[[it.answerable for it in items]])
    allowed = int(np.floor(len(answerable) * MAX_WRONG_ABSTAIN))
    if allowed >= len(answerable):
        return 0.5
    # abstain when p < t: t just above the `allowed` lowest answerable probabilities
    return float(answerable[allowed]) - 1e-6 if allowed < len(answerable) else 0.0


def evaluate(items: list[Item], w: sel.Weights, label: str) -> dict:
    """Figures of `docqa ask` with weights `w` on `items`: answer in the quotes, abstentions."""
    found = abst_un = wrong_abst = 0
    n_ans = sum(it.answerable for it in items)
    probs = []
    for it in items:
        choice = sel.choose(it.cands, w)
        abstained = not choice.picked or choice.probability < w.threshold
        probs.append((choice.probability, it.answerable))
        index_of = {id(u): i for i, u in enumerate(it.cands.units)}
        holds = any(it.labels[index_of[id(u)]] for u, _, _ in choice.picked)
        if it.answerable:
            found += (not abstained) and holds
            wrong_abst += abstained
        else:
            abst_un += abstained
    n_un = len(items) - n_ans
    out = {"part": label, "questions": len(items), "answerable": n_ans, "found_in_quotes": found,
           "unanswerable": n_un, "unanswerable_abstained": abst_un, "wrong_abstentions": wrong_abst}
    print(f"{label}: answer in the quotes {found}/{n_ans} ({found / max(n_ans, 1):.3f}), "
          f"unanswerable abstained {abst_un}/{n_un} ({abst_un / max(n_un, 1):.3f}), "
          f"wrong abstentions {wrong_abst}/{n_ans} ({wrong_abst / max(n_ans, 1):.3f})")
    return out


def curve(items: list[Item], p: np.ndarray) -> list[tuple[float, float, float, int]]:
    """Abstention precision and recall (of unanswerable questions) and wrong abstentions per threshold."""
    rows = []
    answerable = np.array([it.answerable for it in items])
    for t in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7):
        abst = p < t
        prec = float((abst & ~answerable).sum() / abst.sum()) if abst.any() else 1.0
        rec = float((abst & ~answerable).sum() / max((~answerable).sum(), 1))
        rows.append((t, round(prec, 3), round(rec, 3), int((abst & answerable).sum())))
    return rows


def at_wrong(items: list[Item], p: np.ndarray, ks: tuple[int, ...] = (3, 5, 10, 15)) -> dict[int, int]:
    """Unanswerable questions abstained at thresholds that abstain on at most k answerable ones (the
    threshold-free comparison of two answer models, beside the AUC)."""
    unanswerable = np.array([not it.answerable for it in items])
    answerable = np.sort(p[~unanswerable])
    return {k: int((p[unanswerable] < answerable[k]).sum()) for k in ks if k < len(answerable)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tune", nargs="+", type=Path, required=True)
    ap.add_argument("--test", nargs="*", type=Path, default=[])
    ap.add_argument("--work", type=Path, default=Path("/tmp/docqa-selector"))
    ap.add_argument("--out", type=Path, default=sel.WEIGHTS_FILE)
    ap.add_argument("--candidates", type=int, default=3, help="top passages whose units are scored")
    args = ap.parse_args()
    embedder = Embedder.from_config(Config.from_env())  # DOCQA_MODELS etc. as docqa reads them
    tune = extract(args.tune, args.work, args.candidates, embedder)
    c = choose_c(tune)
    pos = [it for it in tune if len(it.labels)]
    scaler, lr = fit(np.vstack([it.cands.x for it in pos]), np.concatenate([it.labels for it in pos]), c)
    unit = model_dict(sel.UNIT_FEATURES, scaler, lr, c)
    xa, ya = answer_rows(tune, out_of_fold_logits(tune, c))
    answer_c, p_oof = choose_answer_c(tune, xa, ya)
    a_scaler, a_lr = fit(xa, ya, answer_c)
    threshold = pick_threshold(tune, p_oof)
    weights = {"unit": unit, "answer": model_dict(sel.ANSWER_FEATURES, a_scaler, a_lr, answer_c),
               "threshold": round(threshold, 6), "second_margin": SECOND_MARGIN,
               "candidates": args.candidates, "trained_on": [str(p.relative_to(ROOT)) if p.is_absolute()
                                                            and p.is_relative_to(ROOT) else str(p)
                                                            for p in args.tune],
               "trained": dt.date.today().isoformat(), "questions": len(tune)}
    args.out.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
    sel.weights.cache_clear()
    w = sel.weights(args.out)
    print(f"wrote {args.out}: C={c}, answer C={answer_c}, threshold {threshold:.4f} "
          "(out-of-fold, ≤1 in 20 answerable abstained)")
    print("tune abstention curve (threshold, precision, recall, answerable abstained):")
    for row in curve(tune, p_oof):
        print("  ", row)
    print("tune out of fold: unanswerable abstained at k answerable abstained", at_wrong(tune, p_oof),
          f"AUC {roc_auc_score([not it.answerable for it in tune], -p_oof):.4f}")
    for name, coef in sorted(zip(sel.UNIT_FEATURES, lr.coef_[0]), key=lambda t: -abs(t[1])):
        print(f"   unit {name:<22}{coef:+.3f}")
    for name, coef in zip(sel.ANSWER_FEATURES, a_lr.coef_[0]):
        print(f"   answer {name:<20}{coef:+.3f}")
    evaluate(tune, w, "tune (trained on)")
    if args.test:
        test = extract(args.test, args.work, args.candidates, embedder)
        evaluate(test, w, "test (held out)")
        for path in args.test:
            evaluate([it for it in test if it.qid.startswith(f"{path.stem}:")], w, f"  {path.stem}")


if __name__ == "__main__":
    main()
