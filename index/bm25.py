"""BM25 over passages with bm25s, English stemming and stop words."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bm25s
from bm25s.stopwords import STOPWORDS_EN
import numpy as np
import Stemmer

from index.settings import BuildSettings
from ingest.chunker import indexed_text
from ingest.records import Passage

_STEMMER = Stemmer.Stemmer("english")
# bm25s sets its own logger to DEBUG; its "Building index from tokens" is noise in a CLI's output
logging.getLogger("bm25s").setLevel(logging.WARNING)
METHOD = "lucene"  # k1 and b come from the index's BuildSettings
DF_FILE = "passage_df.npy"


_SPLIT = re.compile(r"(?u)\b\w\w+\b").findall  # bm25s' (and scikit-learn's) token pattern
_STOPWORDS = frozenset(STOPWORDS_EN)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Stemmed terms without stop words, exactly as `bm25s.tokenize(texts, stopwords="en",
    stemmer=...)` makes them (tested), but ~100× faster on one short text, which matters
    at query time."""
    return [_STEMMER.stemWords([w for w in _SPLIT(t.lower()) if w not in _STOPWORDS]) for t in texts]


def passage_texts(passages: list[Passage], context: int) -> list[str]:
    """What BM25 indexes for each passage: its title, section and text, with the texts of up to
    `context` passages of the same document on each side (`passages` in document order). The
    neighbours lend a passage their words, so a short passage is found by its document's terms;
    dense scores and the cited sentences still come from the passage alone."""
    out = []
    for i, p in enumerate(passages):
        lo, hi = i, i
        while lo > 0 and i - lo < context and passages[lo - 1].doc_id == p.doc_id:
            lo -= 1
        while hi + 1 < len(passages) and hi - i < context and passages[hi + 1].doc_id == p.doc_id:
            hi += 1
        out.append(indexed_text(p.title, p.section, " ".join(q.text for q in passages[lo:hi + 1])))
    return out


def idf_weight(n: int, df: int) -> float:
    """BM25's inverse document frequency of a term in `df` of `n` passages, floored at a small
    positive value (both stores weigh question terms with it)."""
    return max(float(np.log((n - df + 0.5) / (df + 0.5) + 1.0)), 0.05)


class Bm25:
    def __init__(self, retriever: bm25s.BM25, n: int, df: np.ndarray | None = None) -> None:
        self.retriever = retriever
        self.n = n
        self.df = df  # passages holding each vocabulary term, when the indexed texts carry context

    @classmethod
    def build(cls, texts: list[str], k1: float = BuildSettings.bm25_k1, b: float = BuildSettings.bm25_b,
              method: str = METHOD,
              own: list[str] | None = None) -> Bm25:
        """BM25 over `texts`. When those carry context, `own` are the passages' own texts: their
        document frequencies weigh query terms in `idf`, as if there were no context."""
        retriever = bm25s.BM25(k1=k1, b=b, method=method)
        retriever.index(tokenize(texts), show_progress=False)
        df = None
        if own is not None:
            vocab = retriever.vocab_dict
            df = np.zeros(len(vocab), dtype=np.int32)
            for terms in tokenize(own):
                df[[vocab[t] for t in set(terms) if t in vocab]] += 1
        return cls(retriever, len(texts), df)

    def save(self, path: Path) -> None:
        self.retriever.save(str(path), show_progress=False)
        if self.df is not None:
            np.save(path / DF_FILE, self.df)

    @classmethod
    def load(cls, path: Path, n: int) -> Bm25:
        df = np.load(path / DF_FILE) if (path / DF_FILE).is_file() else None
        return cls(bm25s.BM25.load(str(path), show_progress=False, verbosity=0), n, df)

    def idf(self, terms: set[str]) -> dict[str, float]:
        """Inverse document frequency (BM25's, floored at a small positive value) of known terms."""
        indptr = self.retriever.scores["indptr"]  # CSC: one column per term
        vocab = self.retriever.vocab_dict
        out = {}
        for t in terms:
            if t not in vocab:
                df = 0
            elif self.df is not None:
                df = int(self.df[vocab[t]])
            else:
                df = int(indptr[vocab[t] + 1] - indptr[vocab[t]])
            out[t] = idf_weight(self.n, df)
        return out

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query` (zeros when no term is known)."""
        terms = [t for t in tokenize([query])[0] if t in self.retriever.vocab_dict]
        if not terms or self.n == 0:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(terms), dtype=np.float32)
