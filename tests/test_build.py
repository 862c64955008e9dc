"""Incremental ingest, manifest checks and atomic index swaps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.engine import Engine
from index.settings import FORMAT_VERSION, BuildSettings
from index.store import IndexProblem, current_version, load_index

DOCS = {
    "alpha.txt": "Alpha report\nThe Nansen Programme supports Ukraine with civilian and military aid.",
    "beta.txt": "Beta report\nGalileo is the European satellite navigation system.",
    "gamma.md": "# Gamma notes\n\nCopernicus observes the Earth from space.",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    for name, text in DOCS.items():
        (d / name).write_text(text)
    return d


@pytest.fixture
def engine(tmp_path: Path, embedder) -> Engine:
    e = Engine(tmp_path / "index", embedder=embedder)
    return e


class Spy:
    """Counts the texts the real embedder is asked to encode."""

    def __init__(self, engine: Engine) -> None:
        self.texts: list[str] = []
        real = engine.embedder.encode

        def encode(texts, progress=False):
            self.texts.extend(texts)
            return real(texts, progress)

        real_spans = engine.embedder.encode_spans

        def encode_spans(texts, spans, progress=False):  # ingest: passages and their sentences
            self.texts.extend(texts)
            return real_spans(texts, spans, progress)

        engine.embedder.encode = encode  # type: ignore[method-assign]
        engine.embedder.encode_spans = encode_spans  # type: ignore[method-assign]
        self.engine = engine

    def __enter__(self) -> Spy:
        return self

    def __exit__(self, *exc: object) -> None:
        del self.engine.embedder.encode
        del self.engine.embedder.encode_spans


def test_reingest_embeds_only_what_changed(corpus: Path, engine: Engine) -> None:
    report = engine.ingest([corpus])
    assert len(report.added) == 3 and not report.skipped
    assert engine.index.manifest["documents"] == 3

    with Spy(engine) as spy:
        again = engine.ingest([corpus])
    assert (again.added, again.updated, again.removed, len(again.unchanged)) == ([], [], [], 3)
    assert spy.texts == []

    (corpus / "beta.txt").write_text("Beta report\nGalileo and EGNOS are European navigation systems.")
    (corpus / "gamma.md").unlink()
    with Spy(engine) as spy:
        changed = engine.ingest([corpus])
    assert [Path(s).name for s in changed.updated] == ["beta.txt"]
    assert [Path(s).name for s in changed.removed] == ["gamma.md"]
    assert len(changed.unchanged) == 1
    assert spy.texts and all("EGNOS" in t for t in spy.texts)

    index = engine.index
    assert {d.doc_id for d in index.docs} == {"alpha", "beta"}
    assert not any("Copernicus" in p.text for p in index.passages)
    assert engine.ask("Which navigation systems are European?").citations[0].doc_id == "beta"


def test_changed_chunk_settings_reembed_everything(corpus: Path, engine: Engine) -> None:
    engine.ingest([corpus])
    engine = Engine(engine.root, embedder=engine.embedder,
                    settings=BuildSettings(model=engine.embedder.model_id, chunk_tokens=64))
    with Spy(engine) as spy:
        engine.ingest([corpus])
    assert len(spy.texts) >= 3
    assert engine.index.settings.chunk_tokens == 64


def test_model_mismatch_is_a_clear_error(corpus: Path, engine: Engine) -> None:
    engine.ingest([corpus])
    with pytest.raises(IndexProblem, match="built with model 'all-MiniLM-L6-v2'.*rebuild"):
        load_index(engine.root, BuildSettings(model="/models/other"))


def test_format_mismatch_is_a_clear_error(corpus: Path, engine: Engine) -> None:
    engine.ingest([corpus])
    live = engine.root / (engine.root / "CURRENT").read_text().strip()
    manifest = json.loads((live / "manifest.json").read_text())
    manifest["format_version"] = 999
    (live / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexProblem, match="format 999 .*docqa ingest"):
        load_index(engine.root)


def test_index_of_the_previous_format_says_how_to_rebuild(corpus: Path, engine: Engine) -> None:
    """Format 1 indexes could lack sentence vectors and later build settings: no path reads them."""
    engine.ingest([corpus])
    live = engine.root / current_version(engine.root)
    manifest = json.loads((live / "manifest.json").read_text())
    manifest["format_version"] = 1
    del manifest["settings"]["backend"], manifest["checksums"]["sentences.npy"]
    (live / "sentences.npy").unlink()
    (live / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexProblem, match=rf"index format 1 is not the supported {FORMAT_VERSION}; "
                                           r"rebuild it .*docqa ingest .*--rebuild"):
        load_index(engine.root)
    with pytest.raises(IndexProblem, match=r"or pass --rebuild to ingest from scratch"):
        engine.ingest([corpus])
    assert len(engine.ingest([corpus], rebuild=True).added) == 3
    index = engine.index
    assert index.manifest["format_version"] == FORMAT_VERSION
    assert len(index.sentences) == sum(len(p.sentences) for p in index.passages)


def test_interrupted_build_leaves_the_old_index(corpus: Path, engine: Engine,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    engine.ingest([corpus])
    before = (engine.root / "CURRENT").read_text()
    (corpus / "delta.txt").write_text("Delta\nThe EDA agreement dates from 2006.")

    import index.store as store

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies half-way through writing the new version

    monkeypatch.setattr(store.Bm25, "build", crash)
    with pytest.raises(KeyboardInterrupt):
        engine.ingest([corpus])
    monkeypatch.undo()

    assert (engine.root / "CURRENT").read_text() == before
    old = load_index(engine.root)
    assert len(old.docs) == 3 and not any("EDA" in p.text for p in old.passages)
    report = engine.ingest([corpus])  # the next ingest finishes the job and tidies up
    assert [Path(s).name for s in report.added] == ["delta.txt"]
    assert [p.name for p in engine.root.iterdir() if p.name.startswith("v-")] == [
        (engine.root / "CURRENT").read_text().strip()]


def test_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexProblem, match="docqa ingest"):
        load_index(tmp_path / "nothing-here")


def test_copied_index_directory_still_loads(corpus: Path, engine: Engine, tmp_path: Path) -> None:
    engine.ingest([corpus])
    shutil.copytree(engine.root, tmp_path / "copy")
    assert len(load_index(tmp_path / "copy").passages) == len(engine.index.passages)
