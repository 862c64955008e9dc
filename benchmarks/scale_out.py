"""The local index against Milvus Lite from 10k to 1M passages, and ingest locally against --ray.

Per size and store, in a fresh process each (so resident memory is that store's, Milvus Lite's
own server process included): build time, resident memory after the build and at peak, disk,
hybrid query p50/p95 through docqa's own `search`, and recall@10 of the dense index against
exact search. Then ingest throughput of SciFact abstracts: the local path against `--ray` with
1 and 2 workers.

Data. The first passages are a SciFact docqa index's own (texts and model vectors: build
it with `docqa beir ../shared/datasets/scifact --split train`). Passages beyond those are
derived without the model: the text of a random SciFact passage with its words shuffled
(same vocabulary and lengths for BM25), the vector that passage's vector plus Gaussian noise
(sigma 0.04 per dimension) made unit length again (same neighbourhood structure). Every
passage is stored as one sentence whose sentence vector is the passage's own, in both stores.
Queries: 200 SciFact train queries, encoded by the model.

    .venv/bin/python benchmarks/scale_out.py --index .docqa/beir/scifact \
        --scifact ../shared/datasets/scifact            # the lead's run: see docs/scale.md
    .venv/bin/python benchmarks/scale_out.py --index .docqa/beir/scifact --sizes 2000 \
        --ingest-docs 40 --queries 20 --no-record       # a check in a minute
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, SCIFACT, Timer, load, percentile, record, table  # noqa: E402

SIZES = [10_000, 100_000, 1_000_000]
STORES = ("local", "milvus-lite")
NOISE = 0.04


def make_data(index: Path, n: int, work: Path, seed: int = 0) -> None:
    """Write `n` passages (texts.jsonl) and their vectors (vectors.npy) into `work`."""
    from index.store import load_index
    from ingest.chunker import indexed_text

    base = load_index(index, verify=False)
    rng = np.random.default_rng(seed)
    real = min(n, len(base.passages))
    src = np.concatenate([np.arange(real), rng.integers(0, len(base.passages), n - real)])
    vecs = np.lib.format.open_memmap(work / "vectors.npy", mode="w+", dtype=np.float32,
                                     shape=(n, base.embeddings.shape[1]))
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        v = base.embeddings[src[lo:hi]].astype(np.float32)
        synth = np.arange(lo, hi) >= real
        v[synth] += rng.standard_normal((int(synth.sum()), v.shape[1])).astype(np.float32) * NOISE
        vecs[lo:hi] = v / np.linalg.norm(v, axis=1, keepdims=True)
    vecs.flush()
    with open(work / "texts.jsonl", "w", encoding="utf-8") as fh:
        for i, j in enumerate(src):
            p = base.passages[j]
            text = p.text if i < real else " ".join(rng.permutation(p.text.split()))
            fh.write(json.dumps({"title": p.title, "text": text, "real": i < real}) + "\n")


def _records(work: Path):  # noqa: ANN202 - (DocEntry list, {doc_id: rows}), 3 passages per document
    from index.store import DocEntry
    from ingest.records import Document, Passage, Region

    vecs = np.load(work / "vectors.npy", mmap_mode="r")
    entries, rows, group = [], {}, []
    texts = [json.loads(line) for line in open(work / "texts.jsonl", encoding="utf-8")]
    for i, t in enumerate(texts):
        group.append(i)
        if len(group) == 3 or i == len(texts) - 1:
            doc_id = f"d{len(entries)}"
            body = " ".join(texts[k]["text"] for k in group)
            doc = Document(f"bench:{doc_id}", texts[group[0]]["title"], body, "txt", doc_id,
                           (Region(0, len(body), None),))
            ps, at = [], 0
            for k in group:
                n = len(texts[k]["text"])
                ps.append(Passage(doc_id, doc.title, doc.source, at, at + n, texts[k]["text"], None, None, None,
                                  ((at, at + n),)))
                at += n + 1
            entries.append(DocEntry(doc_id, doc, "", len(ps)))
            v = np.asarray(vecs[group])
            rows[doc_id] = (ps, v, v)  # each passage is one sentence: its sentence vector is its own
            group = []
    return entries, rows


def build(store: str, work: Path, target: Path):  # noqa: ANN201 - the opened store
    """Write the passages in `work` into a `store` at `target` with docqa's own writers."""
    from index.settings import BuildSettings, DEFAULT_MODEL

    settings = BuildSettings(model=DEFAULT_MODEL)
    entries, rows = _records(work)
    if store == "local":
        from index.store import load_index, write_index

        passages = [p for e in entries for p in rows[e.doc_id][0]]
        vecs = np.concatenate([rows[e.doc_id][1] for e in entries])
        sents = np.concatenate([rows[e.doc_id][2] for e in entries])
        write_index(target, settings, entries, passages, vecs, vecs.shape[1], sents)
        return load_index(target, verify=False)
    from index.milvus_build import _finish, _write_fresh, create_collections
    from index.milvus_store import MilvusIndex, connect, parse_index

    spec = parse_index(f"milvus-lite:{target}")
    client = connect(spec)
    create_collections(client, spec, 384, settings)
    index = MilvusIndex(spec, client)
    for lo in range(0, len(entries), 5_000):  # documents in ingest-sized steps
        part = entries[lo:lo + 5_000]
        _write_fresh(index, part, {e.doc_id: rows[e.doc_id] for e in part})
    _finish(index, len(entries))
    return MilvusIndex(spec, client)


def measure_one(store: str, n: int, work: Path, scifact: Path, queries: int) -> dict:
    """One store at one size, in this (fresh) process."""
    from app.evaluation.beir import load_beir
    from index.embedder import Embedder
    from index.search import search
    from index.settings import Config

    target = work / (f"{store}-{n}" + (".db" if store != "local" else ""))
    with Timer() as t:
        index = build(store, work, target)
    rss_built = _rss_mb("VmRSS")
    data = load_beir(scifact, "train")
    qtexts = list(data.queries.values())[:queries]
    emb = Embedder.from_config(Config.from_env())
    qvecs = emb.encode_queries(qtexts)
    vecs = np.load(work / "vectors.npy", mmap_mode="r")
    exact = [set(np.argsort(-(vecs @ q))[:10].tolist()) for q in qvecs]
    cands = [index.candidates(q) if store != "local" else None for q in qtexts]
    recall = []
    for i, q in enumerate(qvecs):
        if store == "local":
            from index.search import LocalCandidates

            rows, _ = LocalCandidates(index, qtexts[i]).dense(q, 10)
            found = set(rows)
        else:
            rows, _ = cands[i].dense(q, 10)  # pid -> row: document dK holds rows 3K, 3K+1, 3K+2
            found = {int(cands[i]._doc[r][0][1:]) * 3 + cands[i]._doc[r][2] for r in rows}
        recall.append(len(found & exact[i]) / 10)
    search(index, qtexts[0], qvecs[0], k=10)  # warm
    times = []
    for q, v in zip(qtexts, qvecs):
        t0 = time.perf_counter()
        search(index, q, v, k=10)
        times.append((time.perf_counter() - t0) * 1000)
    kind = index.manifest.get("dense_index") if store != "local" else type(index.dense).__name__
    return {"store": store, "passages": n, "build_s": round(t.seconds, 1), "rss_built_mb": round(rss_built),
            "rss_peak_mb": round(_rss_mb()), "disk_mb": round(_du_mb(target)), "dense_index": kind,
            "p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
            "recall10": round(float(np.mean(recall)), 4)}


def _rss_mb(field: str = "VmHWM") -> float:
    """Resident MB of this process and every process it started (Milvus Lite serves from a child
    process): peak (VmHWM, summed per process, so an upper bound) or current (VmRSS)."""
    pids, tree = [os.getpid()], {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    for pid in pids:
        pids.extend(tree.get(pid, []))
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in status.splitlines() if line.startswith(field + ":"))
    return total / 1024  # /proc counts kB


def _shown(path: Path) -> str:
    """`path` relative to the repository when it lies inside it, else as given."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _du_mb(path: Path) -> float:
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files) / 1e6


def ingest_throughput(scifact: Path, docs: int, work: Path) -> list[dict]:
    """SciFact abstracts into a fresh local index: embedded here, then on Ray with 1 and 2 workers."""
    from app.engine import Engine
    from app.evaluation.beir import corpus_documents, load_beir
    from index.build import Change

    sample = corpus_documents(load_beir(scifact, "train"))[:docs]
    out = []
    for label, workers in (("local", 0), ("ray, 1 worker", 1), ("ray, 2 workers", 2)):
        engine = Engine(work / f"ingest-{workers}")
        engine.embedder.load()
        t_ray = 0.0
        if workers:
            import ray

            ray.shutdown()
            with Timer() as t:
                engine.use_ray(None, workers)
            t_ray = t.seconds
        with Timer() as t:
            engine.apply(Change(sample, set(), {}))
        n = len(engine.index.passages)
        out.append({"path": label, "documents": len(sample), "passages": n, "seconds": round(t.seconds, 1),
                    "passages_per_s": round(n / t.seconds, 1), "ray_start_s": round(t_ray, 1)})
        print(out[-1], flush=True)
    return out


def plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for (key, label), ax in zip([("build_s", "build seconds"), ("rss_peak_mb", "peak resident MB"),
                                 ("p50_ms", "hybrid query p50 ms"), ("recall10", "dense recall@10 vs exact")], axes):
        for store, mark in zip(STORES, "os"):
            pts = [(r["passages"], r[key]) for r in rows if r["store"] == store]
            if pts:
                ax.plot(*zip(*pts), mark + "-", label=store)
        ax.set(xscale="log", xlabel="passages", title=label)
        ax.legend(fontsize=8)
    fig.suptitle("docqa: local index vs Milvus Lite (synthetic passages beyond SciFact's, see scale_out.py)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110, bbox_inches="tight")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / ".docqa" / "beir" / "scifact",
                    help="a local docqa index of SciFact (texts and vectors of the real passages)")
    ap.add_argument("--scifact", type=Path, default=SCIFACT)
    ap.add_argument("--sizes", type=int, nargs="*", default=SIZES)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--ingest-docs", type=int, default=600, help="SciFact abstracts for the ingest part (0: skip)")
    ap.add_argument("--work", type=Path, default=ROOT / ".docqa" / "scale-out")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "scale_out.png")
    ap.add_argument("--no-record", action="store_true", help="print only; do not append to RESULTS.md")
    ap.add_argument("--one", nargs=2, metavar=("STORE", "N"), help=argparse.SUPPRESS)  # a child process
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args.work, args.scifact, args.queries)))
        return
    start = load()
    rows = []
    for n in args.sizes:
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
        make_data(args.index, n, args.work)
        for store in STORES:
            child = subprocess.run([sys.executable, __file__, "--one", store, str(n), "--work", str(args.work),
                                    "--scifact", str(args.scifact), "--queries", str(args.queries)],
                                   capture_output=True, text=True)
            if child.returncode:
                raise SystemExit(f"{store} at {n}: {child.stderr[-3000:]}")
            rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    ingest = ingest_throughput(args.scifact, args.ingest_docs, args.work) if args.ingest_docs else []
    shutil.rmtree(args.work, ignore_errors=True)
    body = ""
    if rows:  # `--sizes` with no value: the ingest part alone
        plot(rows, args.out)
        body = table(list(rows[0]), [list(r.values()) for r in rows]) + \
            f"\n\nPlot: `{_shown(args.out)}`. Data as the script's docstring says."
    if ingest:
        base = ingest[0]["passages_per_s"]
        body += "\n\nIngest (embedding) throughput, SciFact abstracts, int8 ONNX:\n\n" + table(
            [*ingest[0], "vs local"], [[*r.values(), f"{r['passages_per_s'] / base:.2f}x"] for r in ingest])
    record("Scale-out: local index vs Milvus Lite, ingest vs --ray", body, start, append=not args.no_record)


if __name__ == "__main__":
    main()
