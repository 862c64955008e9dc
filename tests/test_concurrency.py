"""Many questions at once, readers during writes, and two ingests at once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index.store import IndexProblem, load_index, write_index, write_lock
from tests.badfiles import numbered_corpus
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
DOCQA = str(Path(sys.executable).with_name("docqa"))
THREADS = 20
PER_THREAD = 3


def _questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "benchmarks/questions/article-dev.jsonl").open()]
    return [r["question"] for r in rows[:5]] + ["What is the boiling point of mercury?"]


def _shape(a) -> tuple:  # noqa: ANN001 - everything in an answer but its timing
    d = a.to_dict()
    d.pop("latency_ms")
    return json.dumps(d, sort_keys=True)


def test_concurrent_questions_answer_as_sequential_ones(article_engine) -> None:
    questions = _questions()
    expected = {q: _shape(article_engine.ask(q)) for q in questions}

    def worker(i: int) -> list[tuple[str, str]]:
        qs = [questions[(i + j) % len(questions)] for j in range(PER_THREAD)]
        return [(q, _shape(article_engine.ask(q))) for q in qs]

    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for rs in pool.map(worker, range(THREADS)) for r in rs]
    assert len(results) == THREADS * PER_THREAD
    for q, got in results:
        assert got == expected[q], q


def _copy(src, root: Path) -> None:  # noqa: ANN001 - an Index
    write_index(root, src.settings, src.docs, src.passages, src.embeddings, src.embeddings.shape[1],
                src.sentences)


def test_readers_never_see_a_half_swapped_index(article_engine) -> None:
    """While versions are replaced over and over, every load gets a whole index."""
    root = article_engine.root.parent / "swapping"
    src = load_index(article_engine.root)
    _copy(src, root)
    stop, errors, loads = threading.Event(), [], [0]

    def read() -> None:
        while not stop.is_set():
            try:
                index = load_index(root)
                assert len(index.passages) == len(src.passages)
                loads[0] += 1
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for _ in range(30):
            with write_lock(root):
                _copy(src, root)
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert errors == []
    assert loads[0] > 30


def _waiting_on_lock(pid: int) -> bool:
    """Linux lists a process blocked in flock() as `-> FLOCK ... PID` in /proc/locks."""
    return any(re.match(rf"\d+: ->\s+FLOCK\s+\S+\s+WRITE\s+{pid}\s", line)
               for line in Path("/proc/locks").read_text().splitlines())


def test_second_ingest_waits_for_the_first(tmp_path: Path, article_engine) -> None:
    """A real `docqa ingest` blocks on the lock held here, says so, and finishes once it is free."""
    root = tmp_path / "index"
    src = load_index(article_engine.root)
    _copy(src, root)
    before = (root / "CURRENT").read_text()
    notes = tmp_path / "notes"
    numbered_corpus(notes, 3)
    with write_lock(root):
        proc = subprocess.Popen([DOCQA, "ingest", str(notes), "--index", str(root)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while not _waiting_on_lock(proc.pid):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the second ingest never reached the lock"
            time.sleep(0.05)
        time.sleep(1.0)
        assert proc.poll() is None  # still waiting, and nothing written meanwhile
        assert (root / "CURRENT").read_text() == before
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    notice = f"waiting for another ingest to finish writing to {root} ..."
    assert any(line.endswith(notice) for line in err.splitlines())
    assert out.splitlines()[-1] == "3 added, 0 updated, 0 unchanged, 0 removed, 0 skipped"
    assert len(load_index(root).docs) == len(src.docs) + 3


def test_writer_that_will_not_wait_is_refused(tmp_path: Path) -> None:
    with write_lock(tmp_path):
        with pytest.raises(IndexProblem, match=r"^another ingest is writing to .*; try again when it finishes$"):
            with write_lock(tmp_path, wait=False):
                pass
    with write_lock(tmp_path, wait=False):  # free again once released
        pass


def test_two_ingests_at_once_lose_nothing(tmp_path: Path, embedder) -> None:
    """Each ingest reads the index under the lock, so the second adds to the first's result."""
    from app.engine import Engine

    root = tmp_path / "index"
    folders = [tmp_path / "a", tmp_path / "b"]
    for i, f in enumerate(folders):
        for p in numbered_corpus(f, 3 + i):
            p.rename(p.with_name(f"{f.name}-{p.name}"))
    engines = [Engine(root, embedder=embedder) for _ in folders]
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda ef: ef[0].ingest([ef[1]]), zip(engines, folders)))
    assert [len(r.added) for r in reports] == [3, 4]
    sources = sorted(e.doc.source for e in load_index(root).docs)
    assert sources == sorted(str(p.resolve()) for f in folders for p in f.iterdir())
