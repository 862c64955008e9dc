"""Retrieval ablation on SciFact train: each lever side by side, nDCG@10 with pytrec_eval.

Uses docqa's own ingest and index (built once with `docqa`'s code and cached under
`.docqa/tune/`, or an existing SciFact index via --index) and docqa's own fusion
and BM25 functions; only the per-query loop is vectorised here so that dozens of
configurations run in one go.

    .venv/bin/python benchmarks/tune_retrieval.py [--index .docqa/tune/scifact-onnx-int8]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.evaluation.beir import ensure_index, load_beir  # noqa: E402
from app.evaluation.metrics import ir_metrics  # noqa: E402
from feedback import Prf, prf_scores, rocchio  # noqa: E402 - benchmarks/feedback.py
from index.bm25 import METHOD, Bm25, passage_texts  # noqa: E402
from index.search import fuse  # noqa: E402
from index.settings import BuildSettings, SearchSettings  # noqa: E402
from ingest.chunker import indexed_text  # noqa: E402
from ingest.records import Passage  # noqa: E402
from index.store import Index, current_version, load_index  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"
DOCS = 100  # documents per query in the run


def passage_text(p: Passage, title: str) -> str:
    """What BM25 indexes for a passage: with its title (docqa's way), without, or title twice."""
    t = {"title": p.title, "none": "", "twice": f"{p.title}\n{p.title}" if p.title else ""}[title]
    return indexed_text(t, p.section, p.text)


def corpus_ids(index: Index) -> list[str]:
    """The SciFact id of each passage's document (its source is beir:scifact/<id>)."""
    cid = {e.doc_id: e.doc.source.rsplit("/", 1)[1] for e in index.docs}
    return [cid[p.doc_id] for p in index.passages]


def doc_run(cands: dict[int, float], pid: list[str], blend: float) -> dict[str, float]:
    """Document scores from passage scores: the best passage, plus `blend` × the others."""
    best: dict[str, float] = {}
    rest: dict[str, float] = {}
    for row, s in sorted(cands.items(), key=lambda kv: -kv[1]):
        d = pid[row]
        if d in best:
            rest[d] = rest.get(d, 0.0) + s
        else:
            best[d] = s
    scores = {d: s + blend * rest.get(d, 0.0) for d, s in best.items()}
    return dict(sorted(scores.items(), key=lambda kv: -kv[1])[:DOCS])


class Bench:
    """Queries, their dense and BM25 candidates, and scoring of one configuration."""

    def __init__(self, index: Index, qids: list[str], queries: list[str], qvecs: np.ndarray, qrels) -> None:  # noqa: ANN001
        self.index, self.qids, self.queries, self.qrels = index, qids, queries, qrels
        self.qvecs = qvecs
        self.pid = corpus_ids(index)
        self.dense_all = qvecs @ index.embeddings.T  # queries × passages, exact
        self.bm25_cache: dict[tuple, list[np.ndarray]] = {}

    def bm25_scores(self, k1: float, b: float, method: str, title: str, prf: Prf | None,
                    context: int = 0) -> list[np.ndarray]:
        key = (k1, b, method, title, prf, context)
        if key not in self.bm25_cache:
            texts = (passage_texts(self.index.passages, context) if title == "title"
                     else [passage_text(p, title) for p in self.index.passages])
            bm = Bm25.build(texts, k1=k1, b=b, method=method)
            self.bm25_cache[key] = [prf_scores(bm, q, prf) for q in self.queries]
        return self.bm25_cache[key]

    def run(self, retriever: str, s: SearchSettings, bm25: tuple = (1.5, 0.75, "lucene", "title", None),
            blend: float = 0.0, feedback: tuple[float, int] = (0.0, 3)) -> float:
        return float(np.mean(list(self.per_query(retriever, s, bm25, blend, feedback).values())))

    def per_query(self, retriever: str, s: SearchSettings, bm25: tuple = (1.5, 0.75, "lucene", "title", None),
                  blend: float = 0.0, feedback: tuple[float, int] = (0.0, 3)) -> dict[str, float]:
        """nDCG@10 of each judged query under one configuration (`feedback`: Rocchio beta and
        the number of top dense passages it moves the query towards)."""
        beta, n_feedback = feedback
        bms = self.bm25_scores(*bm25) if retriever != "dense" else None
        run = {}
        for qi, qid in enumerate(self.qids):
            cands: dict[int, float] = {}
            if retriever != "bm25":
                d = self.dense_all[qi]
                if beta > 0:
                    top = np.argpartition(-d, n_feedback)[:n_feedback]
                    q = rocchio(self.qvecs[qi], self.index.embeddings[top], beta)
                    d = self.index.embeddings @ q
                di = np.argpartition(-d, s.depth)[:s.depth]
                di = di[np.argsort(-d[di])]
                dense = (di.tolist(), d[di])
            if retriever != "dense":
                bsc = bms[qi]
                bi = np.argpartition(-bsc, s.depth)[:s.depth]
                bi = bi[np.argsort(-bsc[bi])]
                bi = bi[bsc[bi] > 0]
                bm = (bi.tolist(), bsc[bi])
            if retriever == "dense":
                cands = dict(zip(dense[0], dense[1].tolist()))
            elif retriever == "bm25":
                cands = dict(zip(bm[0], bm[1].tolist()))
            else:
                d_all, b_all = d, bsc
                cands = fuse(dense[0], bm[0], lambda rows: (d_all[rows], b_all[rows]), s)
            run[qid] = doc_run(cands, self.pid, blend)
        return {q: m["ndcg@10"] for q, m in ir_metrics(self.qrels, run)[1].items()}


def paired_bootstrap(a: dict[str, float], b: dict[str, float], samples: int = 10_000,
                     seed: int = 0) -> tuple[float, float, float]:
    """Mean of a − b over queries and its 95% percentile interval, resampling queries."""
    diff = np.array([a[q] - b[q] for q in a])
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), (samples, len(diff)))].mean(1)
    return float(diff.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / ".docqa" / "tune" / "scifact-onnx-int8",
                    help="a SciFact index (built here with DOCQA_BACKEND's backend when missing)")
    ap.add_argument("--compare", type=Path, nargs="*", default=[],
                    help="other SciFact indexes (e.g. another backend): dense, BM25, default side by side")
    ap.add_argument("--quick", action="store_true", help="fewer configurations")
    ap.add_argument("--batched-queries", action="store_true",
                    help="encode the queries in batches (before 2026-11-26) instead of each on its own as "
                         "`ask` does; int8 vectors depend on the batch")
    args = ap.parse_args()

    from app.engine import Engine

    data = load_beir(SCIFACT, "train")
    if current_version(args.index) is None:
        print(f"building {args.index}: {ensure_index(Engine(args.index), data, progress=True)}")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()}, {os.cpu_count()} "
          f"cores; SciFact train, {len(data.queries)} queries; command: python "
          f"benchmarks/tune_retrieval.py {' '.join(sys.argv[1:])}")
    rows: list[tuple[str, float]] = []

    def bench_of(path: Path) -> Bench:
        index = load_index(path, verify=False)
        engine = Engine(path)
        qids = list(data.queries)
        queries = [data.queries[q] for q in qids]
        embedder = engine.embedder.for_backend(index.settings.backend)
        qvecs = embedder.encode(queries) if args.batched_queries else embedder.encode_queries(queries)
        return Bench(index, qids, queries, qvecs, data.qrels)

    b = bench_of(args.index)
    backend = b.index.settings.backend
    base = SearchSettings(fusion="rrf", rrf_k=60, depth=100, dense_weight=0.5)
    default = SearchSettings()

    def add(name: str, score: float) -> None:
        rows.append((name, score))
        print(f"{name:<58}{score:.4f}", flush=True)

    add(f"dense alone ({backend})", b.run("dense", base))
    add("BM25 alone (k1 1.5, b 0.75, lucene, title in text)", b.run("bm25", base))
    def against_rrf(bench: Bench, prefix: str = "") -> None:
        """Plain RRF and docqa's default on `bench`, and the default's margin with its interval."""
        rrf_q = bench.per_query("hybrid", base)
        default_q = bench.per_query("hybrid", default, bm25=_default_bm25())
        add(f"{prefix}hybrid, plain RRF k=60, depth 100 (baseline)", float(np.mean(list(rrf_q.values()))))
        add(f"{prefix}hybrid, docqa default settings ({default.fusion} w={default.dense_weight}, depth "
            f"{default.depth}, BM25 k1={_default_bm25()[0]} b={_default_bm25()[1]}, context {_default_bm25()[5]})",
            float(np.mean(list(default_q.values()))))
        margin, lo, hi = paired_bootstrap(default_q, rrf_q)
        print(f"  {prefix}default − plain RRF: {100 * margin:+.2f} points, 95% interval {100 * lo:+.2f} to "
              f"{100 * hi:+.2f} (paired bootstrap over the {len(rrf_q)} queries)", flush=True)

    against_rrf(b)
    add("BM25 alone, docqa default settings", b.run("bm25", default, bm25=_default_bm25()))
    for k in ([] if args.quick else [10, 30, 100]):
        add(f"  RRF k={k}", b.run("hybrid", replace(base, rrf_k=k)))
    for how in ("minmax", "zscore"):
        for w in ([0.5] if args.quick else [0.3, 0.4, 0.5, 0.6, 0.7]):
            add(f"  {how} weighted fusion, dense weight {w}",
                b.run("hybrid", replace(base, fusion=how, dense_weight=w)))
    best = max((r for r in rows if "weighted" in r[0]), key=lambda r: r[1])
    how, w = best[0].split()[0], float(best[0].split()[-1])
    tuned = replace(base, fusion=how, dense_weight=w)
    for depth in ([] if args.quick else [50, 200, 500]):
        add(f"  {how} w={w}, depth {depth}", b.run("hybrid", replace(tuned, depth=depth)))
    for k1, bb, method in ([] if args.quick else [(0.9, 0.4, "lucene"), (1.2, 0.75, "lucene"),
                                                  (1.2, 0.9, "lucene"), (1.5, 0.9, "lucene"),
                                                  (2.0, 0.75, "lucene"), (1.5, 0.75, "bm25+"),
                                                  (1.5, 0.75, "atire")]):
        bm = (k1, bb, method, "title", None)
        add(f"  BM25 k1={k1} b={bb} {method}: alone", b.run("bm25", base, bm25=bm))
        add(f"  BM25 k1={k1} b={bb} {method}: {how} w={w}", b.run("hybrid", tuned, bm25=bm))
    for title in ("none", "twice"):
        bm = (1.5, 0.75, "lucene", title, None)
        add(f"  BM25 title {title}: {how} w={w}", b.run("hybrid", tuned, bm25=bm))
    for prf in ([Prf(10, 10, 0.3)] if args.quick else [Prf(5, 10, 0.3), Prf(10, 10, 0.3), Prf(10, 20, 0.5)]):
        bm = (1.5, 0.75, "lucene", "title", prf)
        add(f"  RM3 PRF docs={prf.docs} terms={prf.terms} weight={prf.weight}: BM25 alone",
            b.run("bm25", base, bm25=bm))
        add(f"  RM3 PRF docs={prf.docs} terms={prf.terms} weight={prf.weight}: {how} w={w}",
            b.run("hybrid", tuned, bm25=bm))
    for beta, n in ([(0.5, 3)] if args.quick else [(0.3, 3), (0.5, 3), (0.5, 5), (1.0, 5)]):
        add(f"  Rocchio beta={beta} docs={n}: dense alone",
            b.run("dense", base, feedback=(beta, n)))
        add(f"  Rocchio beta={beta} docs={n}: {how} w={w}",
            b.run("hybrid", tuned, feedback=(beta, n)))
    for depth, w2 in ([] if args.quick else [(100, 0.5), (300, 0.6), (300, 0.7), (300, 0.8)]):
        add(f"  zscore w={w2}, depth {depth}, BM25 k1=0.9 b=0.4",
            b.run("hybrid", replace(tuned, depth=depth, dense_weight=w2), bm25=(0.9, 0.4, "lucene", "title", None)))
    for context in (1, 2):  # BM25 indexes a passage with its neighbours
        for k1, bb in ((1.5, 0.75), (0.9, 0.4)):
            bm = (k1, bb, "lucene", "title", None, context)
            add(f"  BM25 with {context} neighbouring passage(s) each side, k1={k1} b={bb}: alone",
                b.run("bm25", base, bm25=bm))
            add(f"  BM25 with {context} neighbouring passage(s) each side, k1={k1} b={bb}: docqa fusion",
                b.run("hybrid", default, bm25=bm))
    for blend in ([0.1] if args.quick else [0.05, 0.1, 0.3]):
        add(f"  document = best passage + {blend} × others: {how} w={w}", b.run("hybrid", tuned, blend=blend))

    for path in args.compare:  # e.g. the torch-embedded index: same passages, other vectors
        o = bench_of(path)
        add(f"[{path}] dense alone ({o.index.settings.backend})", o.run("dense", base))
        against_rrf(o, f"[{path}] ")

    print("\n| configuration | nDCG@10 |\n| --- | --- |")
    for name, score in rows:
        print(f"| {name.strip()} | {score:.4f} |")


def _default_bm25() -> tuple:
    b = BuildSettings()
    return (b.bm25_k1, b.bm25_b, METHOD, "title", None, b.bm25_context)


if __name__ == "__main__":
    main()
