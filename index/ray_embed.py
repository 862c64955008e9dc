"""Embedding on a Ray cluster: Ray Data `map_batches` over an actor pool, one ONNX session per actor.

Loading and chunking stay on the driver (`index.build`); only the model pass is spread
out. int8 ONNX quantises activations per batch, so a text's vector depends on which
texts share its batch: the driver forms exactly the batches the local path forms
(`onnx_backend.plan_batches` within each `embedder._CHUNK` of texts) and each actor runs
one such batch at a time. The vectors are therefore the local path's, bit for bit on
one machine (tested: max |difference| ≤ 1e-6).
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Sequence

import numpy as np

from index.embedder import _CHUNK, Embedder
from index.store import IndexProblem

BATCHES_PER_CALL = 4  # local batches an actor runs per Ray task: fewer, larger tasks
Span = tuple[int, int]


class RayProblem(IndexProblem):
    """Ray cannot be reached or used; the message says why in one line."""


def start_ray(address: str | None, workers: int) -> None:
    """Join the cluster at `address` (host:port or ray://host:port), or start a local instance
    with `workers` CPUs. An address that does not answer is one clear line, and nothing is written."""
    try:
        import ray
    except ImportError as exc:
        raise RayProblem(f"--ray needs Ray: pip install 'docqa[scale]' ({exc})") from exc
    if ray.is_initialized():
        return
    if address and address != "auto":
        host, _, port = address.split("://", 1)[-1].rpartition(":")
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
        except (OSError, ValueError) as exc:
            raise RayProblem(f"cannot reach Ray at {address}: {getattr(exc, 'strerror', None) or exc}") from None
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    else:
        for attempt in (1, 2):  # a busy machine can keep the raylet past Ray's fixed 30 s start-up wait
            try:
                ray.init(num_cpus=max(workers, 1), include_dashboard=False, log_to_driver=False)
                return
            except Exception as exc:  # noqa: BLE001 - Ray raises a bare Exception for this
                ray.shutdown()
                if attempt == 2 or "timed out during startup" not in str(exc):
                    raise


class _Encoder:
    """A Ray actor's model: the exported ONNX file the driver uses, one intra-op thread."""

    def __init__(self, model_file: str, model_dir: str, batch_size: int) -> None:
        from pathlib import Path

        from index.onnx_backend import OnnxEncoder

        self.encoder = OnnxEncoder(Path(model_file), Path(model_dir), threads=1, batch_size=batch_size)

    def __call__(self, batch: dict) -> dict:
        vecs, svecs = [], []
        for texts, spans in zip(batch["texts"], batch["spans"]):
            v, sv = self.encoder.encode_spans(json.loads(texts), json.loads(spans))
            vecs.append(v.tobytes())
            svecs.append(np.concatenate(sv).astype(np.float32).tobytes() if sv else b"")
        return {"b": batch["b"], "vecs": np.array(vecs, dtype=object), "svecs": np.array(svecs, dtype=object)}


def ray_encode_spans(embedder: Embedder, workers: int, address: str | None = None):  # noqa: ANN201
    """An `encode_spans` stand-in (for `index.build.embed_documents`) that embeds on Ray."""
    if embedder.backend == "torch":
        raise RayProblem("--ray embeds with the ONNX backends (onnx, onnx-int8); this index uses torch")

    def encode(texts: Sequence[str], spans: Sequence[Sequence[Span]],
               progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        return _encode(embedder, workers, address, list(texts), list(spans))
    return encode


def local_batches(embedder: Embedder, texts: list[str]) -> list[list[int]]:
    """The batches (text indices) `Embedder.encode_spans` runs, in its order."""
    from index.onnx_backend import plan_batches

    runner = embedder.onnx
    out = []
    for lo in range(0, len(texts), _CHUNK):
        chunk = texts[lo:lo + _CHUNK]
        counts = [len(e.ids) for e in runner.tokenizer.encode_batch(chunk)]
        out += [[lo + i for i in b] for b in plan_batches(counts, runner.batch_size)]
    return out


def _encode(embedder: Embedder, workers: int, address: str | None, texts: list[str],
            spans: list[Sequence[Span]]) -> tuple[np.ndarray, np.ndarray]:
    dim = embedder.dim
    if not texts:
        return np.zeros((0, dim), np.float32), np.zeros((0, dim), np.float32)
    import ray
    import ray.data
    from ray.data import ActorPoolStrategy

    start_ray(address, workers)
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # its per-stage progress lines
    batches = local_batches(embedder, texts)
    items = [{"b": k, "texts": json.dumps([texts[i] for i in b]), "spans": json.dumps([spans[i] for i in b])}
             for k, b in enumerate(batches)]
    runner = embedder.onnx
    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * workers)))
    ds = ds.map_batches(_Encoder, fn_constructor_kwargs={"model_file": str(runner.model_file),
                                                         "model_dir": str(embedder.path),
                                                         "batch_size": runner.batch_size},
                        batch_size=BATCHES_PER_CALL, batch_format="numpy", num_cpus=1,
                        compute=ActorPoolStrategy(size=workers))
    vecs = np.zeros((len(texts), dim), np.float32)
    span_vecs: list[np.ndarray] = [np.zeros((0, dim), np.float32)] * len(texts)
    for row in ds.iter_rows():
        b = batches[int(row["b"])]
        vecs[b] = np.frombuffer(row["vecs"], np.float32).reshape(len(b), dim)
        flat = np.frombuffer(row["svecs"], np.float32).reshape(-1, dim)
        k = 0
        for i in b:
            span_vecs[i] = flat[k:k + len(spans[i])]
            k += len(spans[i])
    return vecs, np.concatenate(span_vecs).astype(np.float32)
