"""BM25 over passages with bm25s, English stemming and stop words."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, return_ids=False,
                          show_progress=False)


class Bm25:
    def __init__(self, retriever: bm25s.BM25, n: int) -> None:
        self.retriever = retriever
        self.n = n

    @classmethod
    def build(cls, texts: list[str]) -> Bm25:
        retriever = bm25s.BM25()
        tokens = tokenize(texts)
        retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, path: Path) -> None:
        self.retriever.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path, n: int) -> Bm25:
        return cls(bm25s.BM25.load(str(path), show_progress=False, verbosity=0), n)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query` (zeros when no term is known)."""
        terms = [t for t in tokenize([query])[0] if t in self.retriever.vocab_dict]
        if not terms or self.n == 0:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(terms), dtype=np.float32)
