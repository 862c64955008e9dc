"""How index build time and query latency grow from 1k to 100k passages; plot in benchmarks/.

Embedding 100k passages would take hours on this machine, so the index/search part
uses synthetic data: vectors are SciFact passage vectors from a docqa index plus
noise (random unit vectors when no index is given), passages for BM25 are SciFact
passages plus synthetic ones made by shuffling their words. Embedding time is
*extrapolated* from a measured throughput (benchmarks/speed_backend.py) and
labelled so in the plot.

    .venv/bin/python benchmarks/scaling.py --index .docqa/tune/scifact-onnx-int8 \
        --rate torch=20 --rate onnx-int8=32
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.settings import HNSW_THRESHOLD  # noqa: E402
from index.bm25 import Bm25  # noqa: E402
from index.store import build_dense  # noqa: E402

SIZES = [1_000, 3_000, 10_000, 30_000, 100_000]
QUERIES = 200


def synthetic(n: int, base: np.ndarray | None, dim: int, rng: np.random.Generator) -> np.ndarray:
    if base is None:
        v = rng.standard_normal((n, dim)).astype(np.float32)
    else:  # near real passages: same neighbourhood structure, new points
        v = base[rng.integers(0, len(base), n)] + rng.standard_normal((n, dim)).astype(np.float32) * 0.04
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def latency_ms(fn, queries) -> tuple[float, float]:  # noqa: ANN001
    fn(queries[0])
    ts = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        ts.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(ts, 50)), float(np.percentile(ts, 95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, help="a docqa index whose vectors and passages seed the data")
    ap.add_argument("--rate", action="append", default=[],
                    help="measured embedding throughput, backend=passages/s (repeatable)")
    ap.add_argument("--sizes", type=int, nargs="*", default=SIZES)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "scaling.png")
    args = ap.parse_args()
    import faiss

    rng = np.random.default_rng(0)
    base, texts, dim = None, ["the quick brown fox jumps over the lazy dog"], 384
    if args.index:
        from index.store import load_index
        from ingest.chunker import indexed_text

        idx = load_index(args.index, verify=False)
        base, dim = idx.embeddings, idx.embeddings.shape[1]
        texts = [indexed_text(p.title, p.section, p.text) for p in idx.passages]
    words = [t.split() for t in texts]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()}, {os.cpu_count()} cores; "
          f"vectors: {'SciFact + noise' if base is not None else 'random unit'}; HNSW from {HNSW_THRESHOLD:,}")
    rows = []
    for n in args.sizes:
        vecs = synthetic(n, base, dim, rng)
        queries = synthetic(QUERIES, base, dim, rng)
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # builds use every core
        t0 = time.perf_counter()
        flat = build_dense(vecs, threshold=10**12)
        t_flat = time.perf_counter() - t0
        t0 = time.perf_counter()
        hnsw = build_dense(vecs, threshold=0)
        t_hnsw = time.perf_counter() - t0
        faiss.omp_set_num_threads(1)  # query latency as one request sees it (as docqa searches)
        _, exact = flat.search(queries, 10)
        _, approx = hnsw.search(queries, 10)
        recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)]))
        q_flat = latency_ms(lambda q: flat.search(q[None], 100), queries)
        q_hnsw = latency_ms(lambda q: hnsw.search(q[None], 100), queries)
        passages = texts[:n] + [" ".join(rng.permutation(words[i % len(words)]))
                                for i in range(max(0, n - len(texts)))]
        t0 = time.perf_counter()
        bm = Bm25.build(passages)
        t_bm25 = time.perf_counter() - t0
        qtexts = [" ".join(rng.choice(words[i % len(words)], 8)) for i in range(50)]
        q_bm25 = latency_ms(bm.scores, qtexts)
        rows.append((n, t_flat, t_hnsw, t_bm25, q_flat, q_hnsw, q_bm25, recall))
        print(f"{n:>7,} passages: build flat {t_flat:.2f}s, HNSW {t_hnsw:.2f}s, BM25 {t_bm25:.2f}s; "
              f"query p50/p95 ms: flat {q_flat[0]:.2f}/{q_flat[1]:.2f}, HNSW {q_hnsw[0]:.2f}/{q_hnsw[1]:.2f}, "
              f"BM25 {q_bm25[0]:.2f}/{q_bm25[1]:.2f}; HNSW recall@10 {recall:.3f}", flush=True)
    rates = dict((r.split("=")[0], float(r.split("=")[1])) for r in args.rate)
    plot(rows, rates, args.out)
    print(f"plot: {args.out}")


def plot(rows: list[tuple], rates: dict[str, float], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = np.array([r[0] for r in rows])
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 4.5))
    a.plot(n, [r[1] for r in rows], "o-", label="FAISS flat build")
    a.plot(n, [r[2] for r in rows], "s-", label="FAISS HNSW build")
    a.plot(n, [r[3] for r in rows], "^-", label="BM25 build (tokenise + index)")
    for name, rate in rates.items():
        a.plot(n, n / rate, "--", label=f"embedding, {name} at {rate:g}/s (extrapolated)")
    a.set(xscale="log", yscale="log", xlabel="passages", ylabel="seconds", title="Ingest time")
    a.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2))  # below: no data hidden
    b.plot(n, [r[4][0] for r in rows], "o-", label="flat p50")
    b.plot(n, [r[5][0] for r in rows], "s-", label="HNSW p50")
    b.plot(n, [r[6][0] for r in rows], "^-", label="BM25 p50")
    b.plot(n, [r[4][1] for r in rows], "o:", alpha=.5, label="flat p95")
    b.plot(n, [r[6][1] for r in rows], "^:", alpha=.5, label="BM25 p95")
    b.axvline(HNSW_THRESHOLD, color="grey", lw=0.8, label=f"docqa switches to HNSW ({HNSW_THRESHOLD:,})")
    b.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms per query (top 100, 1 thread)",
          title="Query latency (search part)")
    b.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    c.plot(n, [r[7] for r in rows], "s-")
    c.set(xscale="log", ylim=(0.8, 1.01), xlabel="passages", ylabel="recall@10 vs exact",
          title="HNSW recall (M=32, efSearch=128)")
    fig.suptitle("docqa scaling; vectors synthetic near SciFact passages, embedding time extrapolated",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()
