"""Ask latency: the local SciFact index against a Milvus Lite copy of it, in the same run.

The Milvus Lite copy holds the local index's own documents, passages, vectors and sentence
vectors (written with docqa's Milvus writers, no re-embedding), so both stores answer the
same questions from the same data; queries alternate between them so a busy spell on the
shared machine hits both. `--profile` also prints where Milvus time goes (per pymilvus call).
Needs the local index from `docqa beir ../shared/datasets/scifact --split train`.

    .venv/bin/python benchmarks/milvus_latency.py --queries 200
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from _common import ROOT, SCIFACT, load, percentile, record, table

INDEX = ROOT / ".docqa" / "beir" / "scifact"
MILVUS = ROOT / ".docqa" / "beir" / "scifact-copy-milvus.db"


def copy_to_milvus(local: Path, target: Path) -> None:
    """Write the local index's records into a fresh Milvus Lite index at `target`."""
    import numpy as np

    from index.milvus_build import _finish, _write_fresh, create_collections
    from index.milvus_store import MilvusIndex, connect, parse_index
    from index.store import load_index

    base = load_index(local, verify=False)
    spec = parse_index(f"milvus-lite:{target}")
    client = connect(spec)
    for kind in ("passages", "docs", "texts", "meta", "terms"):
        client.drop_collection(spec.collection(kind))
    create_collections(client, spec, base.embeddings.shape[1], base.settings)
    store = MilvusIndex(spec, client)
    rows, row, sent = {}, 0, 0
    for e in base.docs:
        ps = base.passages[row:row + e.n_passages]
        n_sent = sum(len(p.sentences) for p in ps)
        rows[e.doc_id] = (ps, np.asarray(base.embeddings[row:row + e.n_passages], dtype=np.float32),
                          np.asarray(base.sentences[sent:sent + n_sent], dtype=np.float32))
        row, sent = row + e.n_passages, sent + n_sent
    for lo in range(0, len(base.docs), 1000):
        part = base.docs[lo:lo + 1000]
        _write_fresh(store, part, {e.doc_id: rows[e.doc_id] for e in part})
    _finish(store, len(base.docs))


def profile_calls(client) -> dict[str, list[float]]:  # noqa: ANN001 - pymilvus.MilvusClient
    """Wrap the client's calls so each records its time (ms) under its name."""
    spent: dict[str, list[float]] = defaultdict(list)
    for name in ("search", "query", "get", "query_iterator"):
        fn = getattr(client, name)

        def timed(*a, _fn=fn, _name=name, **k):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                spent[_name].append((time.perf_counter() - t0) * 1000)
        setattr(client, name, timed)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--index", type=Path, default=INDEX)
    parser.add_argument("--milvus", type=Path, default=MILVUS, help="Milvus Lite file (built when absent)")
    parser.add_argument("--profile", action="store_true", help="Print time per pymilvus call kind")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    load_start = load()

    from app.engine import Engine

    if not args.milvus.exists():
        copy_to_milvus(args.index, args.milvus)
    queries = [json.loads(line)["text"] for line in open(SCIFACT / "queries.jsonl", encoding="utf-8")]
    warm, timed = queries[:args.warmup], queries[args.warmup:args.warmup + args.queries]
    engines = {"local": Engine(args.index), "milvus-lite": Engine(f"milvus-lite:{args.milvus}")}
    for e in engines.values():
        e.index  # noqa: B018 - open before timing
    spent = profile_calls(engines["milvus-lite"].index.client) if args.profile else {}
    for q in warm:
        for e in engines.values():
            e.ask(q)
    spent.clear()
    ms: dict[str, list[float]] = {name: [] for name in engines}
    for q in timed:  # alternate, so a busy spell on the shared machine hits both stores
        for name, e in engines.items():
            t0 = time.perf_counter()
            e.ask(q)
            ms[name].append((time.perf_counter() - t0) * 1000)
    for name, v in sorted(spent.items()):
        print(f"{name:15s} calls/question {len(v) / len(timed):6.2f}  ms/question {sum(v) / len(timed):7.2f}")
    p = {name: (percentile(v, 50), percentile(v, 95)) for name, v in ms.items()}
    body = (f"`Engine.ask` on the SciFact train corpus, {len(timed)} queries after {len(warm)} warm-up, "
            "local index and its Milvus Lite copy alternating in one process.\n\n"
            + table(["store", "p50 ms", "p95 ms", "p50 / local p50"],
                    [[n, f"{a:.1f}", f"{b:.1f}", f"{a / p['local'][0]:.2f}"] for n, (a, b) in p.items()]))
    record("Ask latency: local index vs Milvus Lite", body, load_start, append=not args.no_record)


if __name__ == "__main__":
    main()
