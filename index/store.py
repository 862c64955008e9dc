"""The index on disk: versioned directories, an atomic CURRENT pointer, checksums, a lock.

Layout of an index directory::

    CURRENT            name of the live version (replaced atomically)
    LOCK               held by the one process that is writing
    v-<time>-<id>/     manifest.json, documents.jsonl, passages.jsonl,
                       embeddings.npy, sentences.npy, dense.faiss, bm25/

A build writes a new version beside the live one and then swaps CURRENT, so a
killed build leaves the previous index untouched.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.settings import (FORMAT_VERSION, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M,
                            HNSW_THRESHOLD, BuildSettings)
from index.bm25 import Bm25, passage_texts
from ingest.records import Document, Passage, Region

log = logging.getLogger(__name__)


class IndexProblem(RuntimeError):
    """The index is missing, corrupt or was built differently; the message says what to do."""


@dataclass
class DocEntry:
    """A document as the index keeps it: the loaded document plus bookkeeping."""

    doc_id: str
    doc: Document
    ingested_at: str
    n_passages: int
    aliases: list[str] = field(default_factory=list)  # other sources with identical content

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self.doc)
        d["regions"] = [[r.start, r.end, r.section] for r in self.doc.regions]
        return {"doc_id": self.doc_id, "ingested_at": self.ingested_at,
                "n_passages": self.n_passages, "aliases": self.aliases, "doc": d}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocEntry:
        doc = dict(d["doc"])
        doc["regions"] = tuple(Region(*r) for r in doc["regions"])
        doc["page_starts"] = tuple(doc["page_starts"])
        doc["warnings"] = tuple(doc["warnings"])
        return cls(d["doc_id"], Document(**doc), d["ingested_at"], d["n_passages"], d["aliases"])

    @property
    def pages(self) -> int | None:
        return len(self.doc.page_starts) or None


@dataclass
class Index:
    """Everything a query needs, in memory."""

    path: Path | None
    settings: BuildSettings
    docs: list[DocEntry]
    passages: list[Passage]
    embeddings: np.ndarray
    dense: faiss.Index
    bm25: Bm25
    manifest: dict[str, Any]
    sentences: np.ndarray  # one unit row per sentence, passages in order (float16)
    doc_by_id: dict[str, DocEntry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.doc_by_id = {d.doc_id: d for d in self.docs}

    @cached_property
    def _sentence_starts(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([len(p.sentences) for p in self.passages])]).astype(int)

    def sentence_vectors(self, row: int) -> np.ndarray:
        """Unit vectors of passage `row`'s sentences, made at ingest."""
        return self.sentences[self._sentence_starts[row]:self._sentence_starts[row + 1]]


def corpus_fingerprint(docs: list[DocEntry]) -> str:
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.doc.source):
        h.update(f"{d.doc.source}\0{d.doc.sha256}\n".encode())
    return h.hexdigest()


def build_dense(embeddings: np.ndarray, threshold: int = HNSW_THRESHOLD) -> faiss.Index:
    """Exact inner product below `threshold` vectors; an HNSW graph above (recall cost measured
    by benchmarks/scaling.py), where exact search would make queries slow."""
    if len(embeddings) < threshold:
        index = faiss.IndexFlatIP(embeddings.shape[1])
    else:
        index = faiss.IndexHNSWFlat(embeddings.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH  # stored in the file, so loading needs nothing more
    if len(embeddings):
        index.add(np.ascontiguousarray(embeddings, dtype=np.float32))
    return index


def write_index(root: Path, settings: BuildSettings, docs: list[DocEntry], passages: list[Passage],
                embeddings: np.ndarray, dim: int, sentences: np.ndarray) -> Path:
    """Write a complete new version beside the live one, then make it live."""
    root.mkdir(parents=True, exist_ok=True)
    version = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = root / (version + ".partial")
    tmp.mkdir()
    _write_jsonl(tmp / "documents.jsonl", (d.to_dict() for d in docs))
    _write_jsonl(tmp / "passages.jsonl", (p.to_dict() for p in passages))
    np.save(tmp / "embeddings.npy", embeddings.astype(np.float32))
    np.save(tmp / "sentences.npy", sentences.astype(np.float16))  # half: only ranks a few sentences
    faiss.write_index(build_dense(embeddings), str(tmp / "dense.faiss"))
    own = passage_texts(passages, 0) if settings.bm25_context else None  # the passages alone
    Bm25.build(passage_texts(passages, settings.bm25_context), k1=settings.bm25_k1, b=settings.bm25_b,
               own=own).save(tmp / "bm25")
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": settings.model,
        "dim": dim,
        "settings": settings.to_dict(),
        "documents": len(docs),
        "passages": len(passages),
        "corpus_fingerprint": corpus_fingerprint(docs),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "checksums": {str(f.relative_to(tmp)): _sha256(f) for f in sorted(tmp.rglob("*")) if f.is_file()},
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _fsync_tree(tmp)
    final = root / version
    tmp.rename(final)
    _replace_text(root / "CURRENT", version)
    _remove_old_versions(root, keep=version)
    return final


def current_version(root: Path) -> str | None:
    """Name of the live version of the index at `root`; None when there is no index yet."""
    try:
        return (root / "CURRENT").read_text().strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None


def read_manifest(root: Path) -> dict[str, Any]:
    """The live version's manifest, without loading or verifying the index."""
    version = current_version(root)
    if version is None:
        raise IndexProblem(f"no index at {root}: run `docqa ingest` first")
    try:
        return json.loads((root / version / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"index manifest at {root / version} is unreadable ({type(exc).__name__}: {exc})") from exc


def load_index(root: Path, settings: BuildSettings | None = None, verify: bool = True) -> Index:
    """Load the live version; refuse a missing, corrupt or mismatched index with a clear message."""
    for _ in range(5):
        version = current_version(root)
        if version is None:
            raise IndexProblem(f"no index at {root}: run `docqa ingest` first")
        try:
            return _load_version(root, root / version, settings, verify)
        except IndexProblem:
            # A writer may have swapped CURRENT and removed this version while we read it:
            # that is not damage, so read the new live version instead.
            if current_version(root) in (None, version):
                raise
    raise IndexProblem(f"the index at {root} kept changing while it was read; try again")


def _load_version(root: Path, path: Path, settings: BuildSettings | None, verify: bool) -> Index:
    rebuild = (f"rebuild it from its sources with: docqa ingest [FILES, FOLDERS, URLS] --index {root} "
               "--rebuild (with none named, the default corpus)")
    try:
        manifest = json.loads((path / "manifest.json").read_text())
        fmt, model, checksums = manifest["format_version"], manifest["model"], dict(manifest["checksums"])
        dim, stored = int(manifest["dim"]), BuildSettings(**manifest["settings"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexProblem(f"index manifest at {path} is unreadable ({type(exc).__name__}: {exc}); "
                           f"{rebuild}") from exc
    if fmt != FORMAT_VERSION:
        raise IndexProblem(f"index format {fmt} is not the supported {FORMAT_VERSION}; {rebuild}")
    if settings is not None and model != settings.model:
        raise IndexProblem(f"index was built with model {model!r} but {settings.model!r} "
                           f"is configured; {rebuild}, or set DOCQA_MODEL={model}")
    if verify:
        for name, digest in checksums.items():
            try:
                intact = _sha256(path / name) == digest
            except OSError:  # missing (or removed by a writer's clean-up while we read)
                intact = False
            if not intact:
                raise IndexProblem(f"index file {name} is missing or corrupt (checksum mismatch); {rebuild}")
    try:
        docs = [DocEntry.from_dict(d) for d in _read_jsonl(path / "documents.jsonl")]
        passages = [Passage.from_dict(p) for p in _read_jsonl(path / "passages.jsonl")]
        embeddings = np.load(path / "embeddings.npy")
        sentences = np.load(path / "sentences.npy")
        dense = faiss.read_index(str(path / "dense.faiss"))
        bm25 = Bm25.load(path / "bm25", len(passages))
    except Exception as exc:  # any damage left after checksums: say how to recover
        raise IndexProblem(f"index at {path} cannot be read ({type(exc).__name__}: {exc}); {rebuild}") from exc
    if embeddings.shape != (len(passages), dim) or dense.ntotal != len(passages):
        raise IndexProblem(f"index at {path} is inconsistent; {rebuild}")
    if sentences.shape != (sum(len(p.sentences) for p in passages), dim):
        raise IndexProblem(f"index at {path} is inconsistent (sentence vectors); {rebuild}")
    return Index(path, stored, docs, passages, embeddings, dense, bm25, manifest, sentences)


@contextmanager
def write_lock(root: Path, wait: bool = True) -> Iterator[None]:
    """Hold the index's writer lock; a second writer logs that it is waiting and waits (or fails
    at once if not `wait`). The kernel drops the lock when its holder dies, even by SIGKILL."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "LOCK", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            if not wait:
                raise IndexProblem(f"another ingest is writing to {root}; try again when it finishes") from exc
            log.warning("waiting for another ingest to finish writing to %s ...", root)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_jsonl(path: Path, rows: Iterator[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _replace_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_tree(path: Path) -> None:
    for f in path.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old_versions(root: Path, keep: str) -> None:
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith("v-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)
    for child in root.glob("CURRENT.*.tmp"):
        child.unlink(missing_ok=True)
