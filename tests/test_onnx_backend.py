"""The ONNX backend against sentence-transformers, with the real bundled model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index import onnx_backend as ob
from index.embedder import Embedder
from index.settings import BuildSettings

pytestmark = pytest.mark.slow

TEXTS = [
    "When did Norway and the EU sign the security and defence partnership?",
    "Norway",
    "",
    "Ünïcödé, “quotes” — and emoji 🙂 in a sentence; numbers 1,234.5 and 28 May 2024.",
    "The EEA Agreement covers the internal market. " * 60,  # longer than 256 tokens: truncated
    "Mitochondrial DNA copy number is associated with frailty in older adults.",
    "a b c",
]


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder):
    """fp32 and int8 exports of the bundled model, made once in a temporary cache."""
    cache = tmp_path_factory.mktemp("models")
    fp32 = ob.export(embedder.path, ob.onnx_path(cache, embedder.model_id, "fp32"), "fp32")
    int8 = ob.export(embedder.path, ob.onnx_path(cache, embedder.model_id, "int8"), "int8")
    return cache, fp32, int8


@pytest.fixture(scope="session")
def torch_vectors(embedder: Embedder) -> np.ndarray:
    return embedder.for_settings(BuildSettings(embedder.model_id, backend="torch")).encode(TEXTS)


def test_fp32_export_matches_sentence_transformers(models, embedder, torch_vectors) -> None:
    enc = ob.OnnxEncoder(models[1], embedder.path, batch_size=3)  # several batches, sorted by length
    vecs = enc.encode(TEXTS)
    assert vecs.dtype == np.float32 and vecs.shape == torch_vectors.shape
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    cos = (vecs * torch_vectors).sum(1)
    assert cos.min() >= 0.9999, cos


def test_int8_stays_close_to_fp32(models, embedder, torch_vectors) -> None:
    vecs = ob.OnnxEncoder(models[2], embedder.path).encode(TEXTS)
    cos = (vecs * torch_vectors).sum(1)
    assert cos.mean() >= 0.98 and cos.min() >= 0.95, cos
    import onnx

    ops = {n.op_type for n in onnx.load(str(models[2]), load_external_data=False).graph.node}
    assert ops & {"MatMulInteger", "DynamicQuantizeMatMul"}  # the weight matrices really are int8


def test_span_vectors_pool_inside_the_text(models, embedder) -> None:
    enc = ob.OnnxEncoder(models[1], embedder.path)
    text = "Oslo is the capital of Norway. Brussels hosts the EU institutions."
    spans = [(0, 30), (31, len(text))]
    vecs, span_vecs = enc.encode_spans([text], [spans])
    assert span_vecs[0].shape == (2, vecs.shape[1])
    np.testing.assert_allclose(np.linalg.norm(span_vecs[0], axis=1), 1.0, atol=1e-5)
    alone = enc.encode([text[s:e] for s, e in spans])
    # each pooled sentence is nearest to its own sentence encoded alone
    sims = span_vecs[0] @ alone.T
    assert sims[0, 0] > sims[0, 1] and sims[1, 1] > sims[1, 0]
    # a span cut off by truncation falls back to the text's vector
    _, cut = enc.encode_spans(["word " * 400], [[(1990, 1999)]])
    np.testing.assert_allclose(cut[0][0], enc.encode(["word " * 400])[0], atol=1e-5)


def test_manifest_records_backend_and_queries_follow_it(models, tmp_path, monkeypatch) -> None:
    from app.engine import Engine
    from tests.conftest import CORPUS

    monkeypatch.setenv("DOCQA_MODELS", str(models[0]))
    monkeypatch.setenv("DOCQA_BACKEND", "onnx-int8")
    engine = Engine(tmp_path / "index")
    engine.ingest([CORPUS])
    manifest = json.loads((engine.index.path / "manifest.json").read_text())
    assert manifest["settings"]["backend"] == "onnx-int8"
    index = engine.index
    assert index.sentences is not None
    assert len(index.sentences) == sum(len(p.sentences) for p in index.passages)

    monkeypatch.setenv("DOCQA_BACKEND", "torch")  # configured differently from the index
    engine = Engine(tmp_path / "index")
    assert engine.embedder.backend == "torch"
    question = "When did Norway and the EU sign the security and defence partnership?"
    ans = engine.ask(question)
    qvec = ob.OnnxEncoder(models[2], engine.embedder.path).encode([question])[0]
    top = ans.citations[0] if ans.citations else ans.related[0]
    row = next(i for i, p in enumerate(index.passages) if p.start == top.passage_start
               and p.doc_id == top.doc_id)
    assert top.trace["dense_score"] == pytest.approx(float(index.embeddings[row] @ qvec), abs=1e-4)


def test_exported_models_are_cached_beside_the_index_named_by_option(tmp_path, monkeypatch) -> None:
    from app.engine import Engine

    monkeypatch.delenv("DOCQA_MODELS", raising=False)
    monkeypatch.delenv("DOCQA_INDEX", raising=False)
    assert Engine(tmp_path / "a" / "index").embedder.cache_dir == (tmp_path / "a" / "models").resolve()
    monkeypatch.setenv("DOCQA_MODELS", str(tmp_path / "shared"))
    assert Engine(tmp_path / "b" / "index").embedder.cache_dir == tmp_path / "shared"


def test_queries_in_a_batch_get_the_vectors_ask_gives_them(models, embedder) -> None:
    """int8 quantises activations per batch, so a batch evaluation must encode each query alone."""
    int8 = Embedder(embedder.model_id, backend="onnx-int8", cache_dir=models[0])
    queries = [t for t in TEXTS if t.strip()]
    batch = int8.encode_queries(queries)
    assert batch.shape == (len(queries), int8.dim)
    for q, row in zip(queries, batch):
        assert np.array_equal(row, int8.encode_query(q)), q
    assert int8.encode_queries([]).shape == (0, int8.dim)
