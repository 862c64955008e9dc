"""`docqa ingest --ray` (issue 16): Ray Data on a local Ray instance, the real model, no mocks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow
DEV = ROOT / "benchmarks" / "questions" / "article-dev.jsonl"


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    yield
    ray.shutdown()


def test_ray_ingest_gives_the_local_vectors_and_retrieval(tmp_path: Path, embedder, article_engine,
                                                          ray_local) -> None:
    from app.engine import Engine
    from index.search import search

    engine = Engine(tmp_path / "ray-index", embedder=embedder)
    engine.use_ray(None, workers=2)
    report = engine.ingest([CORPUS])
    assert report.added
    local, remote = article_engine.index, engine.index
    assert [p.to_dict() for p in remote.passages] == [p.to_dict() for p in local.passages]
    assert remote.embeddings.shape == local.embeddings.shape
    assert float(np.abs(remote.embeddings - local.embeddings).max()) <= 1e-6
    assert remote.sentences.shape == local.sentences.shape
    assert float(np.abs(remote.sentences.astype(np.float32) - local.sentences.astype(np.float32)).max()) <= 1e-6
    vec = embedder.for_backend(local.settings.backend)
    for line in DEV.read_text().splitlines():
        q = json.loads(line)["question"]
        qv = vec.encode_query(q)
        assert [h.row for h in search(remote, q, qv, k=10)] == [h.row for h in search(local, q, qv, k=10)], q


def test_ray_batches_are_the_local_batches(embedder) -> None:
    """int8 ONNX vectors depend on the batch: the driver must form exactly the local batches."""
    from index.embedder import _CHUNK
    from index.ray_embed import local_batches

    texts = [("word " * (1 + (i * 37) % 90)).strip() for i in range(_CHUNK + 300)]
    batches = local_batches(embedder, texts)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(texts)))
    assert all(b[-1] < _CHUNK or b[0] >= _CHUNK for b in batches)  # no batch spans two chunks
    runner = embedder.onnx
    lens = [len(e.ids) for e in runner.tokenizer.encode_batch(texts[:_CHUNK])]
    first = [b for b in batches if b[0] < _CHUNK]
    assert all(len(b) == runner.batch_size for b in first[:-1])
    assert [lens[i] for b in first for i in b] == sorted(lens)


def test_unreachable_ray_address_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    r = subprocess.run([sys.executable, "-m", "app.cli", "ingest", str(CORPUS), "--index", str(tmp_path / "idx"),
                        f"--ray-address=127.0.0.1:{port}"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"error: cannot reach Ray at 127.0.0.1:{port}"), r.stderr
    assert not (tmp_path / "idx").exists()


def test_a_local_ray_that_times_out_starting_is_tried_once_more(monkeypatch) -> None:
    ray = pytest.importorskip("ray")
    from index.ray_embed import start_ray

    calls: list[str] = []

    def init(**kwargs) -> None:  # noqa: ANN003
        calls.append("init")
        if len(calls) == 1:
            raise Exception("The current node timed out during startup. This could happen because ...")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setattr(ray, "shutdown", lambda: calls.append("shutdown"))
    start_ray(None, 2)
    assert calls == ["init", "shutdown", "init"]
    calls.clear()
    monkeypatch.setattr(ray, "init", lambda **kw: (calls.append("init"), (_ for _ in ()).throw(ValueError("bad"))))
    with pytest.raises(ValueError, match="bad"):  # any other failure is not retried
        start_ray(None, 2)
    assert calls == ["init", "shutdown"]
