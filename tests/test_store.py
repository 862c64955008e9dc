"""The store answers for its own files: the live version and its manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.settings import FORMAT_VERSION
from index.store import IndexProblem, current_version, read_manifest


def test_no_index_has_no_version_and_no_manifest(tmp_path: Path) -> None:
    assert current_version(tmp_path / "nothing") is None
    with pytest.raises(IndexProblem, match="no index at .*: run `docqa ingest` first"):
        read_manifest(tmp_path / "nothing")


def test_unreadable_manifest_is_an_index_problem(tmp_path: Path) -> None:
    (tmp_path / "v-1").mkdir()
    (tmp_path / "CURRENT").write_text("v-1\n")
    assert current_version(tmp_path) == "v-1"
    with pytest.raises(IndexProblem, match="manifest at .*v-1 is unreadable"):
        read_manifest(tmp_path)


@pytest.mark.slow
def test_live_version_and_manifest_of_a_built_index(article_engine) -> None:
    root = article_engine.root
    version = current_version(root)
    assert version is not None and (root / version).is_dir()
    manifest = read_manifest(root)
    assert manifest == article_engine.index.manifest
    assert manifest["format_version"] == FORMAT_VERSION and article_engine.index.path == root / version
