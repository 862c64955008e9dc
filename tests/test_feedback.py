"""Query feedback tried and not kept (benchmarks/feedback.py): still right, so its rows reproduce."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from feedback import Prf, prf_scores, rocchio  # noqa: E402
from index.bm25 import Bm25  # noqa: E402


def test_rocchio_moves_towards_feedback() -> None:
    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    fb = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    moved = rocchio(q, fb, 0.5)
    assert np.linalg.norm(moved) == pytest.approx(1.0)
    assert moved @ fb[0] > q @ fb[0] and moved @ q < 1.0
    assert rocchio(q, fb, 0.0) is q


def test_bm25_feedback_finds_passages_without_the_query_term() -> None:
    texts = ["fjord ferries cross the fjord daily", "ferries and boats in the harbour",
             "fjord ferries and fjord boats", "budget tables for the ministry"]
    bm = Bm25.build(texts)
    plain = bm.scores("fjord")
    expanded = prf_scores(bm, "fjord", Prf(docs=2, terms=3, weight=0.3))
    assert plain[1] == 0 and expanded[1] > 0  # reached through "boats", found beside "fjord"
    assert expanded[3] == 0
    assert set(np.argsort(-expanded)[:2]) == set(np.argsort(-plain)[:2])  # feedback passages stay on top
    np.testing.assert_array_equal(prf_scores(bm, "fjord", None), plain)
