"""The Milvus store (issue 16): Milvus Lite 2.5.1, embedded and as a TCP server, real model.

Answers through Milvus must be the local index's: same citations, quotes and fused scores.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from tests.badfiles import numbered_corpus
from tests.conftest import ARTICLE, CORPUS, ROOT

pytestmark = pytest.mark.slow
DEV = ROOT / "benchmarks" / "questions" / "article-dev.jsonl"
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"


def answer_key(a) -> dict:  # noqa: ANN001 - app.answer.Answer
    """What must match between stores: text, abstention, quotes, ranks; scores to float32 rounding
    (Milvus computes cosines and BM25 in float32), see `same_answer`."""
    def cites(cs: list) -> list:
        return [(c.doc_id, c.start, c.end, c.quote, c.page, c.trace["dense_rank"], c.trace["bm25_rank"])
                for c in cs]
    scores = [a.evidence_score] + [x for c in a.citations + a.related
                                   for x in (c.trace["fused_score"], c.trace["bm25_score"], c.score)]
    return {"answer": a.answer, "abstained": a.abstained, "citations": cites(a.citations),
            "related": cites(a.related), "scores": scores}


def same_answer(a, b) -> bool:  # noqa: ANN001
    ka, kb = answer_key(a), answer_key(b)
    sa, sb = ka.pop("scores"), kb.pop("scores")
    return ka == kb and np.allclose(sa, sb, atol=5e-4)


@pytest.fixture(scope="module")
def milvus_engine(tmp_path_factory: pytest.TempPathFactory, embedder):
    from app.engine import Engine

    engine = Engine(f"milvus-lite:{tmp_path_factory.mktemp('milvus') / 'index.db'}", embedder=embedder)
    report = engine.ingest([CORPUS])
    assert report.added == [str(ARTICLE)]
    return engine


def test_article_dev_set_answers_as_the_local_index(milvus_engine, article_engine) -> None:
    questions = [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line.strip()]
    assert len(questions) >= 40
    for q in questions:
        local, milvus = article_engine.ask(q), milvus_engine.ask(q)
        assert same_answer(milvus, local), (q, answer_key(milvus), answer_key(local))
        for c in milvus.citations:  # quotes are exact spans of the stored document text
            assert milvus_engine.index.doc_by_id[c.doc_id].doc.text[c.start:c.end] == c.quote


def test_manifest_records_the_dense_index_and_settings(milvus_engine, article_engine) -> None:
    manifest = milvus_engine.manifest()
    assert manifest["dense_index"] == "FLAT"  # below HNSW_THRESHOLD passages, as locally
    assert manifest["settings"] == article_engine.index.manifest["settings"]
    assert manifest["passages"] == len(article_engine.index.passages)
    assert manifest["corpus_fingerprint"] == article_engine.index.manifest["corpus_fingerprint"]
    sources = [(e.doc_id, e.doc.source, e.n_passages, e.pages) for e in milvus_engine.index.docs]
    assert sources == [(e.doc_id, e.doc.source, e.n_passages, e.pages) for e in article_engine.index.docs]


def test_idf_from_milvus_counts_equals_bm25s(milvus_engine, article_engine) -> None:
    from index.bm25 import tokenize

    terms = set(tokenize(["security partnership signed Norway defence agreement zzzunknown"])[0])
    local = article_engine.index.bm25.idf(terms)
    assert milvus_engine.index.bm25.idf(terms) == pytest.approx(local, abs=1e-9)


def _scifact_docs(n: int):  # noqa: ANN202
    from app.evaluation.beir import corpus_documents, load_beir

    if not (SCIFACT / "corpus.jsonl").is_file():
        pytest.skip(f"SciFact is not at {SCIFACT}")
    data = load_beir(SCIFACT, "train")
    docs = corpus_documents(data)[:n]
    return docs, data


def test_scifact_sample_retrieves_and_answers_as_the_local_index(tmp_path: Path, embedder) -> None:
    from app.engine import Engine
    from index.build import Change
    from index.search import search

    docs, data = _scifact_docs(150)
    local = Engine(tmp_path / "local", embedder=embedder)
    milvus = Engine(f"milvus-lite:{tmp_path / 'm.db'}", embedder=embedder)
    for e in (local, milvus):
        e.apply(Change(docs, set(), {}))
    queries = list(data.queries.values())[:40]
    vec = embedder.for_backend(local.index.settings.backend)
    for q in queries:
        qv = vec.encode_query(q)
        a, b = search(local.index, q, qv, k=10), search(milvus.index, q, qv, k=10)
        assert [(h.passage.doc_id, h.passage.start, h.dense_rank, h.bm25_rank) for h in a] == \
            [(h.passage.doc_id, h.passage.start, h.dense_rank, h.bm25_rank) for h in b], q
        assert np.allclose([(h.score, h.bm25_score, h.dense_score) for h in a],
                           [(h.score, h.bm25_score, h.dense_score) for h in b], atol=5e-4), q
        assert same_answer(milvus.ask(q), local.ask(q)), q


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


DOCS = {
    "alpha.txt": "Alpha station measured 41 millimetres of rain in March. The river rose by two metres.",
    "beta.txt": "Beta harbour handled 12,000 containers in 2023. Its cranes were replaced in spring.",
    "gamma.txt": "Gamma valley grows apples and pears. The harvest starts in late September.",
}


def _pair(tmp_path: Path, embedder):  # noqa: ANN202 - (local engine, milvus engine, folder)
    from app.engine import Engine

    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        _write(folder, name, text)
    return (Engine(tmp_path / "local", embedder=embedder),
            Engine(f"milvus-lite:{tmp_path / 'm.db'}", embedder=embedder), folder)


def test_incremental_reingest_update_and_removal(tmp_path: Path, embedder) -> None:
    local, milvus, folder = _pair(tmp_path, embedder)
    assert asdict(local.ingest([folder])) == asdict(milvus.ingest([folder]))
    again = milvus.ingest([folder])
    assert sorted(again.unchanged) == sorted(str((folder / n).resolve()) for n in DOCS) and not again.changed
    _write(folder, "beta.txt", "Beta harbour handled 15,500 containers in 2024 after new cranes arrived.")
    (folder / "gamma.txt").unlink()
    _write(folder, "delta.txt", "Delta airport opened a second runway in 2022.")
    r_local, r_milvus = local.ingest([folder]), milvus.ingest([folder])
    assert asdict(r_local) == asdict(r_milvus)
    assert r_milvus.updated and r_milvus.removed and r_milvus.added
    assert milvus.index.count() == len(local.index.passages)  # old versions' rows are gone
    assert [e.doc_id for e in milvus.index.docs] == [e.doc_id for e in local.index.docs]
    for q in ("How many containers did Beta harbour handle?", "When does the apple harvest start?",
              "When did the airport open a second runway?"):
        assert same_answer(milvus.ask(q), local.ask(q)), q
    assert "15,500" in milvus.ask("How many containers did Beta harbour handle?").answer


def _local_df(index) -> tuple[int, dict[str, int]]:  # noqa: ANN001 - index.store.Index
    """N and document frequencies as the local index's bm25s counts them, from its passages."""
    from collections import Counter

    from index.bm25 import tokenize
    from ingest.chunker import indexed_text

    df: Counter[str] = Counter()
    for terms in tokenize([indexed_text(p.title, p.section, p.text) for p in index.passages]):
        df.update(set(terms))
    return len(index.passages), dict(df)


def test_term_statistics_follow_add_update_and_remove(tmp_path: Path, embedder) -> None:
    """The cached N and df are renewed by each ingest (one store object, asked between ingests)."""
    local, milvus, folder = _pair(tmp_path, embedder)
    stats = None  # the first ingest's store, kept: its cache must follow the later ingests
    for step in range(3):
        if step == 1:
            _write(folder, "beta.txt", "Beta harbour handled 15,500 containers in 2024 after new cranes arrived.")
            _write(folder, "delta.txt", "Delta airport opened a second runway in 2022. Rain delayed it.")
        if step == 2:
            (folder / "alpha.txt").unlink()
        local.ingest([folder])
        milvus.ingest([folder])
        stats = stats or milvus.index.bm25
        n, df = _local_df(local.index)
        vocab = set(df) | {"zzzunknown", "alpha", "contain"}
        assert stats.n == n, step
        assert stats.df(vocab) == {t: df.get(t, 0) for t in vocab}, step
        assert stats.idf(vocab) == pytest.approx(local.index.bm25.idf(vocab), abs=1e-9), step
    assert stats.df({"alpha", "rain"}) == {"alpha": 0, "rain": 1}  # alpha removed; delta's rain stays


KILLED_NOTES = 1000  # 4 insert batches of passages, then 4 of texts and 4 switch upserts: the kill lands before the switch


def test_killed_ingest_leaves_previous_answers_and_a_rerun_finishes(tmp_path: Path, embedder) -> None:
    """A `docqa ingest` process SIGKILLed mid-write (through the TCP server, as a cluster would see
    it): the old answers stand, its unswitched rows are never returned, a rerun finishes it."""
    from app.engine import Engine
    from index.milvus_store import connect, parse_index

    with _served(tmp_path, embedder, "killed") as (uri, folder):
        q = "How many containers did Beta harbour handle?"
        before = Engine(uri, embedder=embedder).ask(q)
        rows_before = Engine(uri, embedder=embedder).index.count()
        docs_before = [(e.doc_id, e.doc.sha256) for e in Engine(uri, embedder=embedder).index.docs]
        _write(folder, "beta.txt", "Beta harbour handled 15,500 containers in 2024 after new cranes arrived.")
        numbered_corpus(folder, KILLED_NOTES)
        spec = parse_index(uri)
        client = connect(spec)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "app.cli", "ingest", str(folder), "--index", uri]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        written = rows_before
        while proc.poll() is None and written == rows_before:  # kill once new rows are seen
            written = client.query(spec.collection("passages"), filter="", output_fields=["count(*)"],
                                   consistency_level="Strong")[0]["count(*)"]
            time.sleep(0.005)
        assert proc.poll() is None, "the ingest finished before its writes were seen"
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        after = Engine(uri, embedder=embedder)
        assert after.index.count() > rows_before  # rows of the new versions are there, not live
        # no note went live and beta kept its old version
        assert [(e.doc_id, e.doc.sha256) for e in after.index.docs] == docs_before
        again = after.ask(q)
        # the same answer and quotes; the unswitched rows still count in BM25's statistics until
        # the rerun deletes them, so scores may move (README: guarantees)
        assert (again.answer, again.abstained) == (before.answer, before.abstained)
        assert answer_key(again)["citations"] == answer_key(before)["citations"]
        stray = after.ask("How many trees did surveyors count beside site 42?")
        assert not any(c.doc_id.startswith("note-") for c in stray.citations + stray.related)
        rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert rerun.stdout.splitlines()[-1] == f"{KILLED_NOTES} added, 1 updated, 2 unchanged, 0 removed, 0 skipped"
        done = Engine(uri, embedder=embedder)
        assert done.index.count() == sum(e.n_passages for e in done.index.docs)  # the orphans are gone
        assert "15,500" in done.ask(q).answer
        assert any(c.doc_id == "note-042" for c in done.ask("How many trees did surveyors count beside site 42?")
                   .citations)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _served(tmp_path: Path, embedder, name: str) -> Iterator[tuple[str, Path]]:  # noqa: ANN001
    """A Milvus Lite TCP server on a free port, DOCS ingested into collection `name`: (uri, folder)."""
    from milvus_lite.server import Server

    from app.engine import Engine

    port = _free_port()
    server = Server(str(tmp_path / "served.db"), address=f"127.0.0.1:{port}")
    assert server.start()
    try:
        uri = f"milvus://127.0.0.1:{port}/{name}"
        folder = tmp_path / "docs"
        folder.mkdir()
        for doc, text in DOCS.items():
            _write(folder, doc, text)
        Engine(uri, embedder=embedder).ingest([folder])
        yield uri, folder
    finally:
        server.stop()


ASKER = """
import json, sys, time
from app.engine import Engine
engine = Engine(sys.argv[1])
seen, deadline = [], time.time() + float(sys.argv[2])
from index.store import IndexProblem
while time.time() < deadline:
    try:
        a = engine.ask("How many containers did Beta harbour handle?")
    except IndexProblem as exc:  # "ask again": the version it found was replaced and deleted meanwhile
        assert "ask again" in str(exc), exc
        continue
    # each quote lies in its own passage: quoted from the version the passage came from
    seen.append({"answer": a.answer, "exact": all(c.quote in c.passage for c in a.citations + a.related)})
print(json.dumps(seen))
"""


def test_two_processes_ask_through_the_server_while_a_third_ingests(tmp_path: Path, embedder) -> None:
    with _served(tmp_path, embedder, "shared") as (uri, folder):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        askers = [subprocess.Popen([sys.executable, "-c", ASKER, uri, "45"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        time.sleep(12)  # both are answering
        _write(folder, "beta.txt", "Beta harbour handled 15,500 containers in 2024 after new cranes arrived.")
        ingest = subprocess.run([sys.executable, "-m", "app.cli", "ingest", str(folder), "--index", uri],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert ingest.returncode == 0, ingest.stderr[-2000:]
        outs = [p.communicate(timeout=300) for p in askers]
    saw_new = False
    for out, err in outs:
        assert out.strip(), err[-2000:]
        seen = json.loads(out)
        assert seen and all(s["exact"] for s in seen)
        answers = [s["answer"] for s in seen]
        # every answer quotes one whole version: the old text until the switch, then the new one
        assert all(("12,000" in a) != ("15,500" in a) for a in answers), answers
        first_new = next((i for i, a in enumerate(answers) if "15,500" in a), len(answers))
        assert all("15,500" in a for a in answers[first_new:])
        saw_new |= first_new < len(answers)
        assert first_new > 0  # asked before the ingest, too
    assert saw_new, "no asker saw the update: the test did not overlap the ingest"


def test_unreachable_milvus_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    r = subprocess.run([sys.executable, "-m", "app.cli", "ingest", str(CORPUS), "--index",
                        f"milvus://127.0.0.1:{port}/docqa"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"error: cannot reach Milvus at milvus://127.0.0.1:{port}/docqa"), r.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("value", ["milvus-lite:index", "milvus://host/x", "milvus://h:1/bad-name"])
def test_bad_index_addresses_are_refused(value: str) -> None:
    from index.milvus_store import parse_index
    from index.store import IndexProblem

    with pytest.raises(IndexProblem):
        parse_index(value)


def test_index_addresses_parse() -> None:
    from index.milvus_store import MilvusSpec, parse_index

    assert parse_index(Path("milvus://db.example:19530/docs")) == MilvusSpec("http://db.example:19530", "docs", False)
    assert parse_index("milvus-lite:/tmp/x.db") == MilvusSpec("/tmp/x.db", "docqa", True)
    assert parse_index("some/dir") == Path("some/dir")


def test_sentence_vectors_round_trip() -> None:
    from index.milvus_store import pack_vectors, unpack_vectors

    v = np.random.default_rng(0).standard_normal((5, 384)).astype(np.float32)
    assert np.array_equal(unpack_vectors(pack_vectors(v), 384), v.astype(np.float16))


def test_dense_index_switches_past_the_threshold(tmp_path: Path, embedder, article_engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Past HNSW_THRESHOLD passages the dense index is rebuilt as an ANN index (IVF_FLAT on
    Milvus Lite) and recorded; answers stay the local index's (all lists probed at this size)."""
    import index.milvus_store as ms
    from app.engine import Engine

    monkeypatch.setattr(ms, "HNSW_THRESHOLD", 5)
    engine = Engine(f"milvus-lite:{tmp_path / 'ivf.db'}", embedder=embedder)
    engine.ingest([CORPUS])
    assert engine.manifest()["dense_index"] == "IVF_FLAT"
    q = "When was the security and defence partnership signed?"
    assert same_answer(engine.ask(q), article_engine.ask(q))


def test_check_and_the_sources_tab_work_on_milvus(milvus_engine, article_engine) -> None:
    from app.claims import check_claim
    from app.sources import list_sources, local_file

    claim = "Norway and the EU signed a security and defence partnership in 2024."
    a = check_claim(milvus_engine.index, milvus_engine.embedder, claim)
    b = check_claim(article_engine.index, article_engine.embedder, claim)
    assert (a.verdict, [(e.citation.doc_id, e.citation.start, e.citation.end) for e in a.evidence]) == \
        (b.verdict, [(e.citation.doc_id, e.citation.start, e.citation.end) for e in b.evidence])
    assert a.support == pytest.approx(b.support, abs=5e-4)
    strip = ("uploaded", "ingested_at")
    assert [{k: v for k, v in r.items() if k not in strip} for r in list_sources(milvus_engine)] == \
        [{k: v for k, v in r.items() if k not in strip} for r in list_sources(article_engine)]
    doc_id = list_sources(milvus_engine)[0]["doc_id"]
    assert local_file(milvus_engine, doc_id) == local_file(article_engine, doc_id)


def test_same_content_under_two_names_and_removing_the_first(tmp_path: Path, embedder) -> None:
    """An identical file is listed as another name; removing the first name promotes it (a new
    record in Milvus, the same passages), as in the local index."""
    local, milvus, folder = _pair(tmp_path, embedder)
    _write(folder, "beta-copy.txt", DOCS["beta.txt"])
    for engine in (local, milvus):
        engine.ingest([folder])
    (folder / "beta.txt").unlink()
    assert asdict(local.ingest([folder])) == asdict(milvus.ingest([folder]))

    def listing(engine) -> list:  # noqa: ANN001
        return [(e.doc_id, e.doc.source, e.aliases, e.n_passages) for e in engine.index.docs]
    assert sorted(listing(milvus)) == sorted(listing(local))
    beta = next(e for e in local.index.docs if "beta" in e.doc_id).doc_id
    assert milvus.index.doc_by_id[beta].doc.source == str((folder / "beta-copy.txt").resolve())
    q = "How many containers did Beta harbour handle?"
    assert same_answer(milvus.ask(q), local.ask(q))


def test_a_replica_asked_before_a_rename_quotes_the_new_record(tmp_path: Path, embedder) -> None:
    """A replica caches the live versions and record keys per ingest stamp: a rename (a new
    record, the same passages) must renew the stamp, or the replica would read a deleted record."""
    from app.engine import Engine

    local, milvus, folder = _pair(tmp_path, embedder)
    _write(folder, "beta2.txt", DOCS["beta.txt"])  # after beta.txt: an alias of it
    for engine in (local, milvus):
        engine.ingest([folder])
    q = "How many containers did Beta harbour handle?"
    replica = Engine(f"milvus-lite:{tmp_path / 'm.db'}", embedder=embedder)
    assert same_answer(replica.ask(q), local.ask(q))
    (folder / "beta.txt").unlink()  # beta2.txt becomes the record's source
    report = local.ingest([folder])
    assert asdict(report) == asdict(milvus.ingest([folder]))
    assert report.removed == [str((folder / "beta.txt").resolve())]  # the name is gone, the content stays
    for engine in (local, milvus):
        assert [(e.doc.source, e.aliases) for e in engine.index.docs if e.doc_id == "beta"] == \
            [(str((folder / "beta2.txt").resolve()), [])]
    after = replica.ask(q)
    assert same_answer(after, local.ask(q))
    beta = after.citations[0].doc_id
    assert replica.index.doc_by_id[beta].doc.source == str((folder / "beta2.txt").resolve())
    assert [c.url for c in after.citations] == [c.url for c in local.ask(q).citations]
