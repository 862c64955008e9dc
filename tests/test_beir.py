"""`docqa beir` end to end on a tiny generated BEIR dataset, with hand-computed BM25 scores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

pytestmark = pytest.mark.slow

WORDS = ["zorblax", "quimberton", "flenvorine", "gastrelid", "mopraxil", "tindervole", "crumulose",
         "plethanor", "vexidrine", "salbromite", "durnovate", "kelpharin", "obstrelin", "wembraxol",
         "yarrowfen", "hulbrenic", "ixtravane", "jostimine"]
# Corpus ids chosen so the index's doc ids (slugs of the name) differ from them.
IDS = [f"PMC.Z_{i}" for i in range(6)] + [f"MED-{i}" for i in range(6, 12)] + [str(i) for i in range(12, 18)]


def _write_dataset(root: Path, extra: dict[str, str] | None = None) -> Path:
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    corpus = [{"_id": cid, "title": f"Study {n}", "text": f"The {w} effect was measured in a cohort. "
                                                         f"Results held across all sites."}
              for n, (cid, w) in enumerate(zip(IDS, WORDS))]
    # Two entries with the same abstract: both must stay documents in their own right.
    twin = "Nerviquast levels rose in every trial."
    corpus += [{"_id": "dupA", "title": "Twin", "text": twin}, {"_id": "dupB", "title": "Twin", "text": twin}]
    corpus += [{"_id": k, "title": "Extra", "text": v} for k, v in (extra or {}).items()]
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in corpus))
    queries = {"q1": "zorblax?", "q2": "mopraxil tindervole?", "q3": "vexidrine?", "q4": "obstrelin?",
               "q5": "nerviquast?", "q6": "kelpharin?", "q-other-split": "gastrelid?"}
    (root / "queries.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}) + "\n"
                                                for k, v in queries.items()))
    qrels = [("q1", IDS[0], 1),  # the only document with the word: rank 1
             ("q2", IDS[4], 1), ("q2", IDS[5], 1),  # both words, both relevant
             ("q3", IDS[8], 1), ("q3", IDS[9], 1),  # IDS[9] shares no word: BM25 cannot find it
             ("q4", IDS[13], 1),  # the word is in IDS[12]'s text, not IDS[13]'s: a miss
             ("q5", "dupA", 1),  # tie with dupB, which trec_eval ranks first (higher id)
             ("q6", IDS[11], 0)]  # no relevant document: left out of the means
    (root / "qrels" / "train.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{r}\n" for q, d, r in qrels))
    (root / "qrels" / "test.tsv").write_text(f"query-id\tcorpus-id\tscore\nq-other-split\t{IDS[3]}\t1\n")
    return root


def _run(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["beir", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("beir")
    data = _write_dataset(root / "tinyset")
    index = root / "index"
    out = _run(str(data), "--split", "train", "--index", str(index), "--retriever", "bm25",
               "--retriever", "dense", "--retriever", "hybrid", "--run-out", str(root / "run.trec"))
    return data, index, out


def test_bm25_metrics_match_hand_computed(dataset: tuple[Path, Path, dict]) -> None:
    _, _, out = dataset
    assert out["queries"] == 6 and out["index_status"].startswith("20 added")
    third = 1 / (1 + 1 / math.log2(3))  # q3: one of two relevant docs, at rank 1
    tie = 1 / math.log2(3)  # q5: the relevant doc at rank 2
    expected = {"ndcg@10": (1 + 1 + third + 0 + tie) / 5, "recall@10": (1 + 1 + 0.5 + 0 + 1) / 5,
                "recall@100": (1 + 1 + 0.5 + 0 + 1) / 5, "mrr@10": (1 + 1 + 1 + 0 + 0.5) / 5}
    assert out["metrics"]["bm25"] == pytest.approx(expected)


def test_run_files_use_corpus_ids_in_trec_format(dataset: tuple[Path, Path, dict]) -> None:
    data, _, out = dataset
    assert set(out["runs"]) == {"bm25", "dense", "hybrid"}
    corpus_ids = {json.loads(line)["_id"] for line in (data / "corpus.jsonl").read_text().splitlines()}
    for retriever, path in out["runs"].items():
        lines = Path(path).read_text().splitlines()
        by_query: dict[str, list[tuple[int, float, str]]] = {}
        for line in lines:
            qid, q0, doc, rank, score, tag = line.split()
            assert q0 == "Q0" and tag == f"docqa-{retriever}" and doc in corpus_ids
            by_query.setdefault(qid, []).append((int(rank), float(score), doc))
        assert set(by_query) == {"q1", "q2", "q3", "q4", "q5", "q6"}
        for rows in by_query.values():
            assert [r for r, _, _ in rows] == list(range(1, len(rows) + 1))
            assert all(a[1] >= b[1] for a, b in zip(rows, rows[1:]))  # best first
            assert len({d for _, _, d in rows}) == len(rows)  # one line per document
        if retriever == "bm25":
            assert [d for _, _, d in by_query["q1"]] == [IDS[0]]  # only doc with a query term
            assert [d for _, _, d in by_query["q5"]] == ["dupB", "dupA"]  # tie: higher id first
        else:  # dense scores every passage: all 20 documents are ranked
            assert all(len(rows) == 20 for rows in by_query.values())
    for retriever in ("dense", "hybrid"):
        assert 0 < out["metrics"][retriever]["ndcg@10"] <= 1


def test_index_is_reused_then_updated(dataset: tuple[Path, Path, dict]) -> None:
    data, index, _ = dataset
    again = _run(str(data), "--split", "train", "--index", str(index), "--retriever", "bm25")
    assert again["index_status"] == "reused"
    _write_dataset(data, extra={"new-1": "Marblequine was seen in the study."})
    grown = _run(str(data), "--split", "train", "--index", str(index), "--retriever", "bm25")
    assert grown["index_status"] == "1 added, 0 updated, 20 unchanged, 0 removed"
    assert grown["metrics"]["bm25"] == pytest.approx(again["metrics"]["bm25"])


def test_missing_split_is_a_clean_error(dataset: tuple[Path, Path, dict]) -> None:
    data, index, _ = dataset
    result = CliRunner().invoke(cli, ["beir", str(data), "--split", "dev", "--index", str(index)])
    assert result.exit_code == 1
    assert "error:" in result.output and "dev.tsv" in result.output
    assert "Traceback" not in result.output


def test_bm25_settings_rebuild_bm25_and_keep_the_vectors(dataset: tuple[Path, Path, dict]) -> None:
    import numpy as np

    data, index, _ = dataset
    live = index / (index / "CURRENT").read_text().strip()
    vectors = np.load(live / "embeddings.npy")
    out = _run(str(data), "--split", "train", "--index", str(index), "--retriever", "bm25",
               "--bm25-k1", "1.5", "--bm25-b", "0.75", "--bm25-context", "1")
    assert out["index_status"].startswith("0 added, 0 updated")  # nothing re-embedded
    new = index / (index / "CURRENT").read_text().strip()
    assert new != live
    manifest = json.loads((new / "manifest.json").read_text())
    assert {k: manifest["settings"][k] for k in ("bm25_k1", "bm25_b", "bm25_context")} == \
        {"bm25_k1": 1.5, "bm25_b": 0.75, "bm25_context": 1}
    assert np.array_equal(np.load(new / "embeddings.npy"), vectors)
    assert (new / "bm25" / "passage_df.npy").is_file()
    # one passage per abstract here, so context adds nothing: q1 still finds only its document
    assert out["metrics"]["bm25"]["mrr@10"] > 0


def test_docqa_index_is_honoured(dataset: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch,
                                 tmp_path: Path) -> None:
    data, _, _ = dataset
    monkeypatch.setenv("DOCQA_INDEX", str(tmp_path / "env-index"))
    out = _run(str(data), "--split", "train", "--retriever", "bm25")
    assert Path(out["index"]) == tmp_path / "env-index" and (tmp_path / "env-index" / "CURRENT").is_file()


def test_unknown_build_setting_is_a_clean_error(dataset: tuple[Path, Path, dict]) -> None:
    data, index, _ = dataset
    result = CliRunner().invoke(cli, ["beir", str(data), "--split", "train", "--index", str(index),
                                      "--bm25-b", "2"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_cached_index_of_an_older_format_is_rebuilt_only_for_the_same_corpus(tmp_path: Path) -> None:
    from index.store import current_version

    data, index = _write_dataset(tmp_path / "tinyset"), tmp_path / "index"
    _run(str(data), "--split", "train", "--index", str(index), "--retriever", "bm25")

    def make_old() -> None:
        manifest_file = index / current_version(index) / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        manifest["format_version"] = 1
        manifest_file.write_text(json.dumps(manifest))

    make_old()
    out = _run(str(data), "--split", "train", "--index", str(index), "--retriever", "bm25")
    assert out["index_status"] == "20 added, 0 updated, 0 unchanged, 0 removed"  # a cache: rebuilt
    make_old()
    _write_dataset(data, extra={"new-1": "Marblequine was seen in the study."})  # another corpus now
    result = CliRunner().invoke(cli, ["beir", str(data), "--split", "train", "--index", str(index)])
    assert result.exit_code == 1 and "index format 1 is not the supported" in result.output
