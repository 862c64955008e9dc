"""The curated related-sources list, and `docqa ingest --related` without a network."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest.discover import discover
from ingest.related import RELATED_FILE, RelatedError, RelatedSource, read_related
from tests.conftest import ARTICLE, CORPUS, ROOT


def test_shipped_list_reads() -> None:
    listed = read_related(ROOT / RELATED_FILE)
    assert len(listed) == 6 and len({r.url for r in listed}) == 6
    assert all(r.url.startswith("https://") and r.title and r.publisher for r in listed)
    nansen = next(r for r in listed if "nansen-support-programme-extended" in r.url)
    assert (nansen.title, nansen.published) == ("Nansen Support Programme extended", "2024-11-28")


def test_dates_and_mistakes(tmp_path: Path) -> None:
    f = tmp_path / "related.toml"
    f.write_text('[[document]]\nurl = "https://a.example/x"\npublished = 2024-05-28\n'
                 '[[document]]\nurl = "http://b.example/y"\npublished = "2025-01-20T10:00:00"\ntitle = " "\n')
    assert read_related(f) == [RelatedSource("https://a.example/x", None, None, "2024-05-28"),
                               RelatedSource("http://b.example/y", None, None, "2025-01-20")]
    for bad, why in [('[[document]]\nurl = "ftp://x/y"\n', "needs an http"),
                     ('[[document]]\nurl = "https://x/y"\npublished = "May 2024"\n', "bad date"),
                     ("[[document]\n", "bad TOML")]:
        f.write_text(bad)
        with pytest.raises(RelatedError, match=why):
            read_related(f)
    with pytest.raises(RelatedError, match="cannot read"):
        read_related(tmp_path / "missing.toml")


def test_scanning_the_corpus_ignores_toml_metadata_silently() -> None:
    found = discover([CORPUS], 50_000_000)
    assert found.files == [ARTICLE] and found.skipped == {}
    named = discover([CORPUS / "related.toml"], 50_000_000)  # named on purpose: still explained
    assert named.skipped == {str(CORPUS / "related.toml"): "unsupported file type .toml"}


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_related_without_network_reports_each_url_and_changes_nothing(
        tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from app.cli import cli
    from app.engine import Engine

    index = tmp_path / "index"
    engine = Engine(index, embedder=embedder)
    engine.ingest([CORPUS])
    before = _snapshot(index)
    monkeypatch.chdir(tmp_path)  # no corpus/ here: `--related` reads the shipped corpus's list

    result = CliRunner().invoke(cli, ["ingest", "--related", "--index", str(index), "--timeout", "5"])

    listed = read_related(ROOT / RELATED_FILE)
    skipped = [line for line in result.output.splitlines() if line.strip().startswith("skipped")]
    assert len(skipped) == len(listed) == 6  # once per URL
    for r in listed:
        assert any(f"skipped  {r.url}: unreachable (network error:" in line for line in skipped)
    assert "0 added, 0 updated, 0 unchanged, 0 removed, 6 skipped" in result.output
    assert result.exit_code == 1 and "nothing was ingested" in result.output
    assert _snapshot(index) == before  # same CURRENT, same version, same bytes: the index is as it was


def test_default_corpus_is_the_working_directorys_else_the_shipped_one(tmp_path: Path, monkeypatch) -> None:
    from ingest.discover import SHIPPED_CORPUS, default_corpus

    monkeypatch.chdir(tmp_path)
    assert default_corpus() == SHIPPED_CORPUS and (SHIPPED_CORPUS / RELATED_FILE.name).is_file()
    assert read_related() == read_related(ROOT / RELATED_FILE)
    (tmp_path / "corpus").mkdir()
    assert default_corpus() == Path("corpus")
    with pytest.raises(RelatedError, match="cannot read corpus/related.toml"):
        read_related()  # this corpus has no list: say so rather than fall back silently
