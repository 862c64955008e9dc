"""The index on disk survives a killed ingest, and damage to it is caught at load with a way out."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.store import IndexProblem, load_index
from tests.badfiles import numbered_corpus
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow
DOCQA = str(Path(sys.executable).with_name("docqa"))
QUESTION = "When did Norway and the EU sign the security and defence partnership?"
NOTES = 150  # a full CLI run takes 15-35 s on 2 shared cores
SEEDS = (1, 2, 3)


def _engine(root: Path, embedder):  # noqa: ANN202
    from app.engine import Engine

    return Engine(root, embedder=embedder)


def _cited(engine) -> list[tuple[str, int, int, str]]:  # noqa: ANN001
    return [(c.doc_id, c.start, c.end, c.quote) for c in engine.ask(QUESTION).citations]


@pytest.fixture(scope="module")
def old_index(tmp_path_factory: pytest.TempPathFactory, embedder):  # noqa: ANN201
    """An index of the shipped article and the citation it gives: (root, citations)."""
    root = tmp_path_factory.mktemp("crash") / "index"
    engine = _engine(root, embedder)
    engine.ingest([CORPUS])
    cited = _cited(engine)
    assert cited and "May 28, 2024" in cited[0][3]
    return root, cited


def _start_ingest(folder: Path, root: Path) -> subprocess.Popen:
    return subprocess.Popen([DOCQA, "ingest", str(folder), "--index", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def _assert_whole(root: Path, embedder, cited: list) -> int:
    """The live index loads, holds either the old or the complete new set, and answers as before."""
    index = load_index(root)
    assert len(index.docs) in (1, 1 + NOTES)
    assert len(index.passages) == sum(d.n_passages for d in index.docs)
    now = _cited(_engine(root, embedder))
    if len(index.docs) == 1:  # the old index, untouched: exactly the same answer
        assert now == cited
    else:  # the new notes shift term statistics, so a neighbouring sentence may join the quote
        doc_id, start, end, quote = cited[0]
        assert any(d == doc_id and s <= start and end <= e for d, s, e, _ in now), now
    return len(index.docs)


def test_killed_ingest_leaves_old_index_and_rerun_completes(old_index, embedder, tmp_path: Path) -> None:
    root, cited = old_index
    notes = tmp_path / "notes"
    numbered_corpus(notes, NOTES)

    # First kill: the moment the new version's directory appears, i.e. mid-write. The time it
    # took to get there bounds the random kills below (import, model load, reading, embedding).
    proc, t0 = _start_ingest(notes, root), time.monotonic()
    while proc.poll() is None and not any(p.name.endswith(".partial") for p in root.iterdir()):
        time.sleep(0.001)
    to_write = time.monotonic() - t0
    assert proc.poll() is None, "the ingest finished before its write phase was seen"
    _kill(proc)
    assert any(p.name.endswith(".partial") for p in root.iterdir())
    assert _assert_whole(root, embedder, cited) == 1
    snapshot = tmp_path / "snapshot"  # the old index plus a half-written version
    shutil.copytree(root, snapshot)

    # Random kills. A warm run can finish before its kill comes (the first run paid for cold
    # imports): then the new index must be whole and complete, and the old state is put back.
    for seed in SEEDS:
        delay = random.Random(seed).uniform(0.5, to_write)
        proc = _start_ingest(notes, root)
        try:
            returncode = proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            _kill(proc)
            # Killed after the CURRENT swap but before exit, the new index is live and whole.
            assert _assert_whole(root, embedder, cited) in (1, 1 + NOTES), f"seed {seed}: killed after {delay:.1f} s"
        else:
            assert returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
            assert _assert_whole(root, embedder, cited) == 1 + NOTES, f"seed {seed}: finished within {delay:.1f} s"
        if len(load_index(root).docs) != 1:
            shutil.rmtree(root)
            shutil.copytree(snapshot, root)

    done = subprocess.run([DOCQA, "ingest", str(notes), "--index", str(root)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"{NOTES} added, 0 updated, 0 unchanged, 0 removed, 0 skipped"
    assert _assert_whole(root, embedder, cited) == 1 + NOTES
    live = (root / "CURRENT").read_text().strip()
    assert [p.name for p in root.iterdir() if p.is_dir()] == [live]  # half-written versions cleared away
    a = _engine(root, embedder).ask("How many trees did surveyors count beside site 42?")
    assert any(c.doc_id == "note-042" for c in a.citations + a.related)


# --- damage found at load ------------------------------------------------------------------

def _truncate(f: Path) -> None:
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _flip(f: Path) -> None:
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x20
    f.write_bytes(bytes(data))


DAMAGE = {
    "truncated embeddings": ("embeddings.npy", _truncate, "index file embeddings.npy is missing or corrupt"),
    "flipped passages": ("passages.jsonl", _flip, "index file passages.jsonl is missing or corrupt"),
    "flipped documents": ("documents.jsonl", _flip, "index file documents.jsonl is missing or corrupt"),
    "missing faiss": ("dense.faiss", Path.unlink, "index file dense.faiss is missing or corrupt"),
    "truncated manifest": ("manifest.json", _truncate, "index manifest at "),
    "empty manifest": ("manifest.json", lambda f: f.write_text("{}"), "index manifest at "),
}


def _damaged(old_index, tmp_path: Path, case: str) -> Path:
    root = tmp_path / "index"
    shutil.copytree(old_index[0], root)
    name, damage, _ = DAMAGE[case]
    damage(root / (root / "CURRENT").read_text().strip() / name)
    return root


@pytest.mark.parametrize("case", DAMAGE)
def test_damaged_index_is_refused_with_the_way_to_rebuild(old_index, tmp_path: Path, case: str) -> None:
    root = _damaged(old_index, tmp_path, case)
    with pytest.raises(IndexProblem) as info:
        load_index(root)
    message = str(info.value)
    assert message.startswith(DAMAGE[case][2])
    assert message.endswith(f"rebuild it from its sources with: docqa ingest [FILES, FOLDERS, URLS] "
                            f"--index {root} --rebuild (with none named, the default corpus)")
    assert "\n" not in message


def test_bm25_damage_is_caught(old_index, tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(old_index[0], root)
    version = root / (root / "CURRENT").read_text().strip()
    victim = sorted(f for f in (version / "bm25").rglob("*") if f.is_file())[0]
    _flip(victim)
    with pytest.raises(IndexProblem, match=r"index file bm25/.* is missing or corrupt"):
        load_index(root)


def test_current_pointing_nowhere_is_refused(old_index, tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(old_index[0], root)
    (root / "CURRENT").write_text("v-gone")
    with pytest.raises(IndexProblem, match=r"^index manifest at .*v-gone is unreadable .*--rebuild "
                                           r"\(with none named, the default corpus\)$"):
        load_index(root)


def test_ask_shows_damage_as_one_error_line(old_index, tmp_path: Path) -> None:
    root = _damaged(old_index, tmp_path, "truncated embeddings")
    r = subprocess.run([DOCQA, "ask", QUESTION, "--index", str(root)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        "error: index file embeddings.npy is missing or corrupt (checksum mismatch); rebuild it from "
        f"its sources with: docqa ingest [FILES, FOLDERS, URLS] --index {root} --rebuild (with none "
        "named, the default corpus)"]


def test_ingest_over_damage_asks_for_rebuild_and_rebuild_repairs(old_index, embedder, tmp_path: Path) -> None:
    root = _damaged(old_index, tmp_path, "flipped passages")
    engine = _engine(root, embedder)
    with pytest.raises(IndexProblem, match=r"corrupt .*\(or pass --rebuild to ingest from scratch\)$"):
        engine.ingest([CORPUS])
    report = engine.ingest([CORPUS], rebuild=True)
    assert len(report.added) == 1
    assert _cited(engine) == old_index[1]
