"""The bundled sentence-transformers model run by ONNX Runtime, optionally int8-quantised.

The model is exported once from the local weights with `torch.onnx` and cached as
a file; nothing is downloaded. Pooling (mean over the attention mask) and L2
normalisation reproduce sentence-transformers' modules, so fp32 vectors match
`SentenceTransformer.encode` (cosine ≥ 0.9999, tested).

Because this module owns the pooling, it can also pool a text's token states
over character spans (its sentences) in the same forward pass: sentence vectors
for answer selection at no extra model cost.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import numpy as np

QUANTS = ("fp32", "int8")
# Batches run side by side, one thread each (benchmarks/RESULTS.md: 2 single-thread workers on
# batches of 8 encode ~1.25x faster than one 2-thread session on batches of 32).
BATCH_SIZE = 8
EXPORT_VERSION = 2  # bump when the export or quantisation recipe changes (renames the cache file)
Span = tuple[int, int]


def max_seq_length(model_dir: Path) -> int:
    cfg = model_dir / "sentence_bert_config.json"
    return int(json.loads(cfg.read_text())["max_seq_length"]) if cfg.is_file() else 256


def onnx_path(cache_dir: Path, model_id: str, quant: str) -> Path:
    """Where the exported model for `model_id` and `quant` is cached."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id.strip("/"))[-80:]
    return cache_dir / f"{safe}-v{EXPORT_VERSION}-{quant}.onnx"


def export(model_dir: Path, out: Path, quant: str = "fp32") -> Path:
    """Export the transformer of `model_dir` to `out` (int8: dynamic quantisation of fp32)."""
    if quant not in QUANTS:
        raise ValueError(f"unknown quantisation {quant!r}; choose one of {', '.join(QUANTS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    if quant == "fp32":
        _export_fp32(model_dir, tmp)
    else:
        fp32 = out.with_name(out.name.replace("-int8.onnx", "-fp32.onnx"))
        if not fp32.is_file():
            export(model_dir, fp32, "fp32")
        quantize_int8(fp32, tmp)
    os.replace(tmp, out)  # atomic: a concurrent reader sees the old file or the whole new one
    return out


def _export_fp32(model_dir: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # eager attention exports as plain MatMul/Softmax, a pattern ORT can fuse into one Attention op
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class ByKeyword(torch.nn.Module):
        """transformers 5 changed the positional order of forward(); pass inputs by name."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "seq"} for n in names} | {"last_hidden_state": {0: "batch", 1: "seq"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter and the legacy-exporter notice
        torch.onnx.export(ByKeyword(model), (ids, ids, torch.zeros_like(ids)), str(out),
                          input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)


def quantize_int8(fp32: Path, out: Path, per_channel: bool = True, reduce_range: bool = False,
                  op_types: Sequence[str] = ("MatMul",)) -> None:
    """Dynamic int8 quantisation of the weight matrices (activations quantised per batch)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # its advice to pre-process is for calibrated (static) quantisation
    try:
        quantize_dynamic(str(fp32), str(out), per_channel=per_channel, reduce_range=reduce_range,
                         weight_type=QuantType.QInt8, op_types_to_quantize=list(op_types),
                         # fused ops (Attention, BiasGelu) carry no inferred output types
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        logging.disable(logging.NOTSET)


class OnnxEncoder:
    """Tokenise with `tokenizers`, run the exported transformer, mean-pool, normalise."""

    def __init__(self, model_file: Path, model_dir: Path, threads: int | None = None,
                 batch_size: int = BATCH_SIZE) -> None:
        from tokenizers import Tokenizer

        self.model_file = model_file
        self.threads = threads or min(2, os.cpu_count() or 1)  # Config.threads (DOCQA_THREADS) when set
        self.max_len = max_seq_length(model_dir)
        self.batch_size = batch_size
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_len)  # the file's own setting (128) is not ST's
        tok.no_padding()  # batches are padded here, after sorting by token count
        self.tokenizer = tok

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        return self.encode_spans(texts, None)[0]

    def encode_spans(self, texts: Sequence[str],
                     spans: Sequence[Sequence[Span]] | None) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors of `texts` and, from the same pass, of character spans inside each text.

        A span's vector is the normalised mean of the token states whose characters lie in
        it (context from the whole text included); a span cut off by truncation gets its
        text's vector.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        span_out: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(texts)
        encs = self.tokenizer.encode_batch(list(texts))
        batches = plan_batches([len(e.ids) for e in encs], self.batch_size)

        def run(rows: list[int]) -> tuple[list[int], np.ndarray, np.ndarray]:
            ids = np.zeros((len(rows), max(len(encs[i].ids) for i in rows)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                ids[r, :len(encs[i].ids)] = encs[i].ids
                mask[r, :len(encs[i].ids)] = 1
            states = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            return rows, states, mask

        def collect(results: Iterator[tuple[list[int], np.ndarray, np.ndarray]]) -> None:
            for rows, states, mask in results:
                out[rows] = _normalise(_mean_pool(states, mask))
                if spans is not None:
                    for r, i in enumerate(rows):
                        n = len(encs[i].ids)
                        span_out[i] = self._pool_spans(states[r, :n], encs[i], spans[i], out[i])

        if len(batches) <= 1 or self.threads <= 1:  # a query: no pool to start
            collect(map(run, batches))
        else:  # onnxruntime releases the GIL while it runs, so the workers' batches run at once
            with ThreadPoolExecutor(min(self.threads, len(batches))) as pool:
                collect(pool.map(run, batches))
        return out, span_out

    def _pool_spans(self, states: np.ndarray, enc, spans: Sequence[Span],  # noqa: ANN001
                    fallback: np.ndarray) -> np.ndarray:
        offsets = np.array(enc.offsets, dtype=np.int64)
        real = np.array(enc.special_tokens_mask, dtype=bool) == 0
        vecs = np.empty((len(spans), states.shape[1]), dtype=np.float32)
        for j, (s, e) in enumerate(spans):
            inside = real & (offsets[:, 0] < e) & (offsets[:, 1] > s)
            vecs[j] = states[inside].mean(0) if inside.any() else fallback
        return _normalise(vecs)

    @cached_property
    def session(self):  # noqa: ANN201 - onnxruntime.InferenceSession
        """One intra-op thread: parallelism comes from running batches side by side (one for a
        query, where waking a second thread costs more than it saves)."""
        return _session(self.model_file, 1)

    @property
    def dim(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1] or 384)


def plan_batches(token_counts: Sequence[int], batch_size: int) -> list[list[int]]:
    """Which texts run together: sorted by token count, `batch_size` at a time. Batches of similar
    counts compute little padding (sorting by characters, as sentence-transformers does, leaves
    ~11% of a batch-8 run padding on SciFact passages). int8 quantises activations per batch, so
    a text's vector depends on its batch: `index.ray_embed` forms batches with this too."""
    order = sorted(range(len(token_counts)), key=lambda i: token_counts[i])
    return [order[b:b + batch_size] for b in range(0, len(order), batch_size)]


def _session(model_file: Path, threads: int):  # noqa: ANN202
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # no busy-waiting between ops: on shared cores a spinning thread steals the worker's time
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(model_file), opts, providers=["CPUExecutionProvider"])


def _mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    return (states * m).sum(1) / np.clip(m.sum(1), 1e-9, None)


def _normalise(v: np.ndarray) -> np.ndarray:
    return (v / np.clip(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12, None)).astype(np.float32)
