"""Milvus Lite's IVF_FLAT on a large index: dense recall@10 against exact search, and search time,
for several `nprobe` values (how many of the index's lists a search scans).

Milvus Lite builds no HNSW, so above the exact-search threshold docqa's Milvus Lite index is
IVF_FLAT with `nlist = 4 * sqrt(n)` lists (`index.milvus_store.dense_index`); `IVF_NPROBE` is
chosen from this table. Needs a Milvus Lite index and the vectors it holds, in row order, as
`benchmarks/scale_out.py` writes them (`vectors.npy`; document dK holds rows 3K..3K+2).

    .venv/bin/python benchmarks/milvus_nprobe.py --milvus SCALE/milvus-lite-1000000.db \
        --vectors SCALE/vectors.npy
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from _common import SCIFACT, load, percentile, record, table

NPROBES = [16, 32, 64, 128, 256]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--milvus", type=Path, required=True, help="a Milvus Lite index built by scale_out.py")
    ap.add_argument("--vectors", type=Path, required=True, help="its vectors.npy, in row order")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--nprobe", type=int, nargs="*", default=NPROBES)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    start = load()

    from index.embedder import Embedder
    from index.milvus_store import MilvusIndex, parse_index
    from index.settings import Config

    store = MilvusIndex(parse_index(f"milvus-lite:{args.milvus}"))
    queries = [json.loads(line)["text"] for line in open(SCIFACT / "queries.jsonl", encoding="utf-8")]
    qvecs = Embedder.from_config(Config.from_env()).encode_queries(queries[:args.queries])
    vecs = np.load(args.vectors, mmap_mode="r")
    exact = [set(np.argpartition(-(vecs @ q), 10)[:10].tolist()) for q in qvecs]
    coll = store.spec.collection("passages")
    rows = []
    for nprobe in args.nprobe:
        params = {"metric_type": "IP", "params": {"nprobe": nprobe}}
        recall, ms = [], []
        for q, want in zip(qvecs, exact):
            t0 = time.perf_counter()
            hits = store.client.search(coll, data=[q.tolist()], anns_field="dense", limit=10,
                                       search_params=params, output_fields=["doc_id", "ord"])[0]
            ms.append((time.perf_counter() - t0) * 1000)
            found = {int(h["entity"]["doc_id"][1:]) * 3 + h["entity"]["ord"] for h in hits}
            recall.append(len(found & want) / 10)
        rows.append([nprobe, f"{np.mean(recall):.3f}", f"{percentile(ms, 50):.1f}", f"{percentile(ms, 95):.1f}"])
        print(rows[-1], flush=True)
    body = (f"{store.manifest.get('passages')} passages, {store.manifest.get('dense_index')}; "
            f"{len(qvecs)} SciFact train queries, top 10\n\n"
            + table(["nprobe", "recall@10 vs exact", "search p50 ms", "search p95 ms"], rows))
    record("Milvus Lite IVF_FLAT: recall and search time by nprobe", body, start, append=not args.no_record)


if __name__ == "__main__":
    main()
