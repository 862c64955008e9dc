"""The configuration: read from the environment in one place, passed through constructors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from index.settings import DEFAULT_BACKEND, DEFAULT_INDEX, DEFAULT_MODEL, BuildSettings, Config

ROOT = Path(__file__).resolve().parent.parent


def test_from_env_reads_every_docqa_variable(tmp_path: Path) -> None:
    env = {"DOCQA_INDEX": str(tmp_path / "ix"), "DOCQA_MODEL": "/m", "DOCQA_BACKEND": "torch",
           "DOCQA_THREADS": "3", "DOCQA_MODELS": str(tmp_path / "models")}
    c = Config.from_env(environ=env)
    assert c == Config(tmp_path / "ix", "/m", "torch", 3, tmp_path / "models")
    assert c.models_dir == tmp_path / "models"
    assert Config.from_env(tmp_path / "given", environ=env).index == tmp_path / "given"  # an option wins


def test_from_env_defaults_and_the_models_dir_rule(tmp_path: Path) -> None:
    c = Config.from_env(environ={})
    assert (c.index, c.model, c.backend, c.threads, c.models) == (DEFAULT_INDEX, DEFAULT_MODEL, DEFAULT_BACKEND, 0, None)
    assert Config.from_env(default_index=tmp_path / "b" / "ix", environ={}).index == tmp_path / "b" / "ix"
    assert c.with_index(tmp_path / "a" / "index").models_dir == (tmp_path / "a" / "models").resolve()
    assert c.with_index(None) is c


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown embedding backend 'gpu'; choose one of torch, onnx, onnx-int8"):
        Config.from_env(environ={"DOCQA_BACKEND": "gpu"})


def test_build_settings_follow_the_config_and_refuse_unknown_fields() -> None:
    c = Config(backend="onnx")
    assert c.build_settings() == BuildSettings(model=DEFAULT_MODEL, backend="onnx")
    assert c.build_settings(chunk_tokens=64).chunk_tokens == 64
    with pytest.raises(TypeError):
        c.build_settings(chunk_tokns=64)


def test_settings_is_the_leaf_of_index_and_only_it_reads_docqa_environment() -> None:
    tree = ast.parse((ROOT / "index" / "settings.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.split(".")[0] in ("index", "app", "ingest")}
    readers = [p for d in ("ingest", "index", "app") for p in (ROOT / d).rglob("*.py")
               if "environ.get(\"DOCQA_" in p.read_text() or "getenv(\"DOCQA_" in p.read_text()]
    assert readers == [ROOT / "index" / "settings.py"]


@pytest.mark.slow
def test_engine_takes_its_settings_through_the_constructor(tmp_path: Path, embedder) -> None:
    from app.engine import Engine

    config = Config(index=tmp_path / "elsewhere", backend=embedder.backend)
    engine = Engine(tmp_path / "index", embedder=embedder, config=config,
                    settings=config.build_settings(chunk_tokens=64))
    assert engine.root == tmp_path / "index" and engine.embedder is embedder
    assert engine.build_settings.chunk_tokens == 64 and not engine.has_index
    own = Engine(config=Config(index=tmp_path / "x" / "index", backend="torch", threads=1))
    assert (own.embedder.backend, own.embedder.threads) == ("torch", 1)
    assert own.embedder.cache_dir == (tmp_path / "x" / "models").resolve()
    assert own.embedder.for_backend("onnx").for_backend("torch") is own.embedder  # siblings are shared
