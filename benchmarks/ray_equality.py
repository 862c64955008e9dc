"""`--ray` ingest against the local ingest on SciFact abstracts: same passages, vectors, retrieval.

Ingests the first N train-corpus abstracts into two fresh local indexes, once embedded in this
process and once on a local Ray instance (2 workers: actors with one ONNX session each), then
compares passages, dense and sentence vectors (max |difference|) and the top-10 hybrid results
of every SciFact train query (and of those whose relevant abstracts are among the N). A quality
check, not a speed one: the throughput ratio is `benchmarks/scale_out.py`'s.

    .venv/bin/python benchmarks/ray_equality.py --docs 600 --work /tmp/ray-equality
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from _common import SCIFACT, load, record, table


def build(sample: list, root: Path, workers: int):  # noqa: ANN201 - app.engine.Engine
    from app.engine import Engine
    from index.build import Change

    shutil.rmtree(root, ignore_errors=True)
    engine = Engine(root)
    if workers:
        engine.use_ray(None, workers)
    engine.apply(Change(sample, set(), {}))
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scifact", type=Path, default=SCIFACT)
    parser.add_argument("--work", type=Path, required=True, help="Where the two indexes are built")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    load_start = load()

    from app.evaluation.beir import corpus_documents, load_beir
    from index.search import search

    data = load_beir(args.scifact, "train")
    sample = corpus_documents(data)[:args.docs]
    local = build(sample, args.work / "local", 0).index
    ray = build(sample, args.work / "ray", args.workers).index
    same_passages = [p.to_dict() for p in ray.passages] == [p.to_dict() for p in local.passages]
    d_emb = float(np.abs(ray.embeddings - local.embeddings).max())
    d_sent = float(np.abs(ray.sentences.astype(np.float32) - local.sentences.astype(np.float32)).max())
    ids = {d.source.rsplit("/", 1)[1] for d in sample}  # corpus ids (`corpus_documents`' sources)
    inside = {q for q, rel in data.qrels.items() if any(d in ids for d in rel)}
    from app.engine import Engine

    vec = Engine(args.work / "local").embedder.for_backend(local.settings.backend)
    rows = []
    for label, qids in (("all train queries", list(data.queries)), ("queries with a relevant abstract among them",
                                                                   [q for q in data.queries if q in inside])):
        same = 0
        for q in qids:
            qv = vec.encode_query(data.queries[q])
            a = [(h.passage.doc_id, h.passage.start) for h in search(local, data.queries[q], qv, k=10)]
            same += a == [(h.passage.doc_id, h.passage.start) for h in search(ray, data.queries[q], qv, k=10)]
        rows.append([label, len(qids), same])
    body = (f"The first {len(sample)} SciFact train-corpus abstracts ({len(local.passages)} passages), ingested "
            f"locally and with `--ray` ({args.workers} workers, local Ray instance) into fresh local indexes.\n\n"
            f"- passages identical: {same_passages}; max |dense vector difference| {d_emb:.2e}; "
            f"max |sentence vector difference| {d_sent:.2e}\n\n"
            + table(["queries", "count", "identical top-10 (doc, passage, order)"], rows))
    record("Ray ingest equals the local ingest (SciFact abstracts)", body, load_start, append=not args.no_record)


if __name__ == "__main__":
    main()
