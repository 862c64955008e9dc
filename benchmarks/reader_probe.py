"""Probe: does a linear "reader" over the question and unit vectors help docqa's abstention? (issue 13)

    python benchmarks/reader_probe.py \\
        --tune benchmarks/questions/article-tune.jsonl benchmarks/questions/scifact-tune.jsonl \\
               benchmarks/questions/article-dev.jsonl benchmarks/questions/scifact-tune2.jsonl \\
        [--extra benchmarks/questions/scifact-tune3.jsonl]

1. Extracts the questions as `benchmarks/train_selector.py` does (one index per set file, same
   candidates, features and unit labels), then reads each unit's vector from its index: the sum of
   its sentences' vectors stored at ingest, normalised (no model pass beyond the question's).
2. Reader: a logistic regression over q*u and |q-u| (768 values), label "this unit holds the
   answer"; every unit of an unanswerable question is a negative. Its scores are out of fold: the
   held-out folds are train_selector's (GroupKFold by document over the --tune questions); a
   question's score comes from a reader trained without its document.
3. On the same held-out folds, the selector as train_selector trains it (unit model C 0.1, answer
   model C 0.1), without and with the reader's score as a unit feature ("reader") and as two answer
   features (the best unit's score, the highest score). --extra questions (documents in none of the
   --tune files) join every training part and are never scored: the figures stay comparable.
4. Prints unit top-1, unanswerable abstained at the 1-in-20 threshold, at k answerable abstained,
   and the AUC, per variant. Writes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

import train_selector as ts
from train_selector import Item, sel

READER_C = (0.003, 0.01, 0.03)
UNIT_C = ANSWER_C = 0.1  # what train_selector chose on the four tune files in round 5


def attach_vectors(items: list[Item], work: Path, embedder: ts.Embedder) -> None:
    """Give each item's candidates `q` (question vector) and `u` (unit vectors), from its index."""
    engines: dict[str, ts.Engine] = {}
    for it in items:
        stem = it.qid.split(":", 1)[0]
        if stem not in engines:
            engines[stem] = ts.Engine(work / f"{stem}-index", embedder=embedder)
        index = engines[stem].index
        c = it.cands
        question = c.kind.question
        c.q = embedder.for_backend(index.settings.backend).encode_query(question).astype(np.float32)
        rows = [index.sentence_vectors(u.hit.row)[u.first:u.last + 1].astype(np.float32).sum(0) for u in c.units]
        u = np.array(rows, np.float32).reshape(len(rows), len(c.q))
        c.u = u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-9)
        c.x_base = c.x


def reader_rows(it: Item) -> np.ndarray:
    return np.hstack([it.cands.q[None, :] * it.cands.u, np.abs(it.cands.q[None, :] - it.cands.u)])


def fit_reader(train: list[Item], c: float) -> tuple[StandardScaler, LogisticRegression]:
    train = [it for it in train if len(it.labels)]
    x = np.vstack([reader_rows(it) for it in train])
    scaler = StandardScaler().fit(x)
    return scaler, LogisticRegression(C=c, max_iter=3000).fit(scaler.transform(x), np.concatenate(
        [it.labels for it in train]))


def score_out_of_fold(items: list[Item], extra: list[Item], folds: list, c: float) -> None:
    """`cands.reader` of every item from a reader trained without its document (extra items: their
    own folds, the --tune items always in training)."""
    def parts(its: list[Item], others: list[Item], splits: list) -> None:
        for train, held in splits:
            scaler, lr = fit_reader([its[i] for i in train] + others, c)
            for i in held:
                cands = its[i].cands
                cands.reader = (lr.decision_function(scaler.transform(reader_rows(its[i])))
                                if len(cands.units) else np.zeros(0))
    parts(items, extra, folds)
    if extra:
        groups = np.array([it.doc for it in extra])
        parts(extra, items, list(GroupKFold(n_splits=min(5, len(set(groups)))).split(extra, groups=groups)))


def use_reader(all_items: list[Item], on: bool) -> None:
    """Switch the reader features in or out of sel's feature lists and the items' rows."""
    base_units = tuple(n for n in sel.UNIT_FEATURES if n != "reader")
    base_answer = tuple(n for n in sel.ANSWER_FEATURES if not n.startswith("reader_"))
    sel.UNIT_FEATURES = base_units + (("reader",) if on else ())
    sel.ANSWER_FEATURES = base_answer + (("reader_best", "reader_max") if on else ())
    for it in all_items:
        c = it.cands
        c.x = np.hstack([c.x_base, c.reader[:, None]]) if on else c.x_base


BASE_ANSWER_FEATURES = sel.answer_features


def answer_features(c: sel.Candidates, logits: np.ndarray, best: int) -> np.ndarray:
    row = BASE_ANSWER_FEATURES(c, logits, best)
    if "reader_best" not in sel.ANSWER_FEATURES:
        return row
    return np.concatenate([row, [c.reader[best], c.reader.max()]])


def held_out_probabilities(items: list[Item], extra: list[Item], folds: list) -> tuple[np.ndarray, float]:
    """Answer probabilities of the --tune items from selectors trained without their fold; top-1."""
    p, hits = np.zeros(len(items)), []
    for train, held in folds:
        sub = [items[i] for i in train] + extra
        with contextlib.redirect_stdout(io.StringIO()):
            xa, ya = ts.answer_rows(sub, ts.out_of_fold_logits(sub, UNIT_C))
        pos = [it for it in sub if len(it.labels)]
        scaler, lr = ts.fit(np.vstack([it.cands.x for it in pos]), np.concatenate([it.labels for it in pos]), UNIT_C)
        unit = ts.as_model(ts.model_dict(sel.UNIT_FEATURES, scaler, lr, UNIT_C), sel.UNIT_FEATURES)
        a_scaler, a_lr = ts.fit(xa, ya, ANSWER_C)
        held_items = [items[i] for i in held]
        logits = [unit.logit(it.cands.x) if len(it.labels) else np.zeros(0) for it in held_items]
        hits += [bool(len(lg)) and bool(it.labels[int(np.argmax(lg))])
                 for it, lg in zip(held_items, logits) if it.answerable]
        xh, _ = ts.answer_rows(held_items, logits)
        p[held] = a_lr.predict_proba(a_scaler.transform(xh))[:, 1]
    return p, float(np.mean(hits))


def report(label: str, items: list[Item], extra: list[Item], folds: list) -> None:
    p, top1 = held_out_probabilities(items, extra, folds)
    unanswerable = np.array([not it.answerable for it in items])
    t = ts.pick_threshold(items, p)
    print(f"{label}: top-1 {top1:.3f}, unanswerable abstained {int((p[unanswerable] < t).sum())}/"
          f"{int(unanswerable.sum())} at {int((p[~unanswerable] < t).sum())} wrong; at k wrong "
          f"{ts.at_wrong(items, p)}; AUC {roc_auc_score(unanswerable, -p):.4f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tune", nargs="+", type=Path, required=True)
    ap.add_argument("--extra", nargs="*", type=Path, default=[])
    ap.add_argument("--work", type=Path, default=Path("/tmp/docqa-selector"))
    args = ap.parse_args()
    embedder = ts.Embedder.from_config(ts.Config.from_env())
    items = ts.extract(args.tune, args.work, 3, embedder)
    extra = ts.extract(args.extra, args.work, 3, embedder) if args.extra else []
    attach_vectors(items + extra, args.work, embedder)
    sel.answer_features = answer_features
    groups = np.array([it.doc for it in items])
    folds = list(GroupKFold(n_splits=min(5, len(set(groups)))).split(items, groups=groups))
    use_reader(items + extra, False)
    report("selector as trained today", items, extra, folds)
    for c in READER_C:
        score_out_of_fold(items, extra, folds, c)
        scores = np.concatenate([it.cands.reader for it in items])
        labels = np.concatenate([it.labels for it in items])
        print(f"reader C={c}: unit AUC (holds the answer) {roc_auc_score(labels, scores):.4f}")
        use_reader(items + extra, True)
        report(f"  + reader C={c}", items, extra, folds)
        use_reader(items + extra, False)


if __name__ == "__main__":
    main()
