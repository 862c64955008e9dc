"""Shared fixtures: the real bundled model, an index of the shipped corpus, no network."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "cooperation-on-foreign-and-security-policy.txt"

# One cache of exported ONNX models for the whole run (and the subprocesses it starts),
# rather than one beside every temporary index.
os.environ.setdefault("DOCQA_MODELS", str(ROOT / ".docqa" / "models"))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to this machine only."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]  # type: ignore[index]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise ConnectionRefusedError(f"tests may not reach {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def embedder():
    from index.embedder import Embedder
    from index.settings import Config

    return Embedder.from_config(Config.from_env())


@pytest.fixture(scope="session")
def article_engine(tmp_path_factory: pytest.TempPathFactory, embedder):
    """An engine over an index of the shipped corpus, built once per test session."""
    from app.engine import Engine

    engine = Engine(tmp_path_factory.mktemp("article-index"), embedder=embedder)
    engine.ingest([CORPUS])
    return engine
