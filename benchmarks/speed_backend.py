"""Embedding throughput and fidelity of the backends on the same SciFact passages.

torch (plain `SentenceTransformer.encode`, batch 32) vs ONNX fp32 vs ONNX int8
variants, in one run: passages/s and mean/min cosine to the torch vectors.

    .venv/bin/python benchmarks/speed_backend.py --n 1000
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.evaluation.beir import corpus_documents, load_beir  # noqa: E402
from index import onnx_backend as ob  # noqa: E402
from index.embedder import Embedder  # noqa: E402
from index.settings import Config  # noqa: E402
from ingest.chunker import chunk_document, indexed_text  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"
# (name, per_channel, reduce_range, op types); the first is what `onnx-int8` ships with.
INT8_VARIANTS = [("int8 per-channel MatMul", True, False, ("MatMul",)),
                 ("int8 per-channel MatMul reduce_range", True, True, ("MatMul",)),
                 ("int8 defaults", False, False, ())]


def scifact_passages(n: int, embedder: Embedder) -> list[str]:
    """The first `n` passages docqa would index from SciFact (title + text, chunked)."""
    data = load_beir(SCIFACT, "train")
    out: list[str] = []
    for i, doc in enumerate(corpus_documents(data)):
        for p in chunk_document(doc, f"d{i}", embedder.count_tokens, embedder.max_tokens, 160, 1):
            out.append(indexed_text(p.title, p.section, p.text))
        if len(out) >= n:
            break
    return out[:n]


def measure(fns: dict, texts: list[str], rounds: int) -> dict[str, tuple[np.ndarray, float, float]]:  # noqa: ANN001
    """Vectors, passages/s (wall) and passages per CPU-second of each encoder.

    Rounds are interleaved (A B C A B C ...) so that load from other processes on a
    shared machine falls on all encoders alike; CPU time is also reported because it
    does not count time spent waiting for a core.
    """
    wall = dict.fromkeys(fns, 0.0)
    cpu = dict.fromkeys(fns, 0.0)
    vecs = {}
    for fn in fns.values():
        fn(texts[:8])  # warm-up
    for _ in range(rounds):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            vecs[name] = fn(texts)
            wall[name] += time.perf_counter() - t0
            cpu[name] += time.process_time() - c0
    n = len(texts) * rounds
    return {k: (vecs[k], n / wall[k], n / cpu[k]) for k in fns}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="passages to embed")
    ap.add_argument("--batch", type=int, default=32, help="torch batch (sentence-transformers' default)")
    ap.add_argument("--onnx-batch", type=int, default=ob.BATCH_SIZE, help="ONNX batch (docqa's default)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="interleaved passes over the passages")
    ap.add_argument("--variants", action="store_true", help="also try other int8 settings")
    args = ap.parse_args()

    config = Config.from_env()
    torch_emb = Embedder(config.model, args.batch, "torch", config.models_dir)
    texts = scifact_passages(args.n, torch_emb)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; {len(texts)} SciFact passages, batch torch {args.batch} / onnx {args.onnx_batch}, {args.threads} threads")
    import torch

    torch.set_num_threads(args.threads)
    torch_emb.load()
    cache = config.models_dir
    files = {"onnx fp32": ob.onnx_path(cache, torch_emb.model_id, "fp32"),
             "onnx int8 (shipped: per-channel, MatMul)": ob.onnx_path(cache, torch_emb.model_id, "int8")}
    for (name, f), quant in zip(files.items(), ("fp32", "int8")):
        if not f.is_file():
            ob.export(torch_emb.path, f, quant)
    if args.variants:
        tmp = Path(tempfile.mkdtemp())
        for name, pc, rr, ops in INT8_VARIANTS[1:]:
            f = tmp / (name.replace(" ", "_") + ".onnx")
            ob.quantize_int8(files["onnx fp32"], f, per_channel=pc, reduce_range=rr, op_types=ops or ())
            files[f"onnx {name}"] = f
    fns = {"torch (SentenceTransformer.encode)": torch_emb.encode}
    for name, f in files.items():
        fns[name] = ob.OnnxEncoder(f, torch_emb.path, threads=args.threads, batch_size=args.onnx_batch).encode
    res = measure(fns, texts, args.rounds)
    ref, rate0, cpu0 = res["torch (SentenceTransformer.encode)"]
    print(f"{'backend':<44}{'passages/s':>11}{'× torch':>9}{'per CPU-s':>11}{'× torch':>9}"
          f"{'mean cos':>10}{'min cos':>9}")
    for name, (vecs, rate, cpu) in res.items():
        cos = (vecs * ref).sum(1)
        print(f"{name:<44}{rate:>11.1f}{rate / rate0:>9.2f}{cpu:>11.1f}{cpu / cpu0:>9.2f}"
              f"{cos.mean():>10.4f}{cos.min():>9.4f}")

if __name__ == "__main__":
    main()
