"""The index in Milvus: embedded Milvus Lite (`milvus-lite:PATH`) or a server (`milvus://HOST:PORT/NAME`).

Four collections, all named `NAME_*` (NAME is `docqa` for Milvus Lite):

    NAME_passages  pid, doc_id, version, the passage (JSON), its sentences' vectors (float16,
                   base64), its dense vector (FLAT or HNSW by size) and its BM25 terms: docqa's
                   own stemmed terms, split by Milvus' whitespace analyzer into a BM25 sparse
                   field, so Milvus scores exactly the terms the local index scores
    NAME_docs      one row per document: its live version, where its text is, a summary
    NAME_texts     each document's full record (text, regions, pages) in chunks
    NAME_meta      the manifest: model, dimension, build settings, dense index type

Consistency without a lock service: an ingest writes a document's passages under a new
version id, then switches the document's row to it (a single-row upsert), then deletes
the old rows. Queries keep only passages of live versions, so they never see half a
document or two versions of one; a killed ingest leaves the old version live.
Retrieval and fusion are docqa's own (`index.search`); this store only finds and scores.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
import warnings
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from index.bm25 import idf_weight, tokenize
from index.settings import (FORMAT_VERSION, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, HNSW_THRESHOLD,
                            BuildSettings, SearchSettings)
from index.store import DocEntry, IndexProblem
from ingest.records import Document, Passage

TOKEN_ENV = "DOCQA_MILVUS_TOKEN"
LITE_NAME = "docqa"
TEXT_CHUNK = 16_000  # characters per text row: VARCHAR holds 65,535 bytes, a character up to 4
MAX_VARCHAR = 65_535
IVF_NPROBE = 32
BM25 = {"metric_type": "BM25"}  # search parameters of the sparse field
AHEAD = 10  # rows read ahead per retriever: fusion's top 5 lay within them on 92% of SciFact questions (5: 69%)
QUESTION_SECONDS = 2.0  # how long a question may reuse the stamp its search read
CONSISTENCY = "Strong"  # a query sees every write acknowledged before it (README: guarantees)
HIT_FIELDS = ["doc_id", "version", "ord"]  # what a search returns per hit for the live filter
Found = tuple[int, float]  # a search hit: pid, score
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")


@dataclass(frozen=True)
class MilvusSpec:
    """Where a Milvus index lives: `uri` (a .db file for Milvus Lite, else http://host:port)."""

    uri: str
    name: str
    lite: bool

    def __str__(self) -> str:
        return f"milvus-lite:{self.uri}" if self.lite else f"milvus://{self.uri.split('://', 1)[1]}/{self.name}"

    def collection(self, kind: str) -> str:
        return f"{self.name}_{kind}"


def parse_index(value: str | Path) -> Path | MilvusSpec:
    """`--index` / `DOCQA_INDEX`: a directory (the local index), `milvus-lite:PATH.db` or
    `milvus://HOST:PORT/NAME`. A `Path` may have folded `//` to `/`, so one slash is accepted."""
    text = str(value)
    if text.startswith("milvus-lite:"):
        path = Path(text.split(":", 1)[1]).expanduser()
        if path.suffix != ".db":
            raise IndexProblem(f"milvus-lite:{path} must name a .db file (e.g. milvus-lite:.docqa/index.db)")
        return MilvusSpec(str(path.resolve()), LITE_NAME, True)
    m = re.match(r"^milvus:/{1,2}([^/:]+):(\d+)/([^/]+)/?$", text)
    if m:
        host, port, name = m.groups()
        if not _NAME.match(name):
            raise IndexProblem(f"Milvus collection name {name!r}: use letters, digits and _ "
                               "(not starting with a digit)")
        return MilvusSpec(f"http://{host}:{port}", name, False)
    if text.startswith("milvus"):
        raise IndexProblem(f"cannot read the index address {text!r}: use milvus-lite:PATH.db or "
                           "milvus://HOST:PORT/COLLECTION")
    return Path(value)


def milvus_models_dir(spec: MilvusSpec) -> Path:
    """Where exported ONNX models go for a Milvus index: beside the Milvus Lite file, else the
    default index's `models/` (a server index has no directory here)."""
    from index.settings import DEFAULT_INDEX, models_dir_beside

    return Path(spec.uri).parent / "models" if spec.lite else models_dir_beside(DEFAULT_INDEX)


def connect(spec: MilvusSpec, timeout: float = 10.0):  # noqa: ANN201 - pymilvus.MilvusClient
    """A client for `spec`; the token comes from DOCQA_MILVUS_TOKEN, never the command line.
    An unreachable server is one clear line, not a stack of gRPC errors."""
    try:
        with warnings.catch_warnings():  # milvus-lite 2.5.1 imports pkg_resources, which warns
            warnings.simplefilter("ignore")
            from pymilvus import MilvusClient
    except ImportError as exc:  # the [scale] extra is not installed
        raise IndexProblem(f"{spec} needs Milvus support: pip install 'docqa[scale]' ({exc})") from exc
    if spec.lite:
        Path(spec.uri).parent.mkdir(parents=True, exist_ok=True)
    # pymilvus logs each failure itself (and Milvus Lite's iterators warn about timestamps):
    # the one line docqa prints says it
    for name in ["pymilvus", *[n for n in logging.root.manager.loggerDict if n.startswith("pymilvus.")]]:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():  # Milvus Lite is imported here for a .db file
            warnings.simplefilter("ignore")
            return MilvusClient(uri=spec.uri, token=os.environ.get(TOKEN_ENV, ""), timeout=timeout)
    except Exception as exc:  # pymilvus raises MilvusException and gRPC errors alike
        why = getattr(exc, "message", None) or str(exc).strip() or type(exc).__name__
        raise IndexProblem(f"cannot reach Milvus at {spec}: {why.splitlines()[0]}") from None


def pid_of(version: str, n: int) -> int:
    """Passage `n` of a document version: a stable positive int64 primary key."""
    return int.from_bytes(hashlib.blake2b(f"{version}:{n}".encode(), digest_size=8).digest(), "big") >> 1


def pack_vectors(vectors: np.ndarray) -> str:
    """Sentence vectors as base64 float16 (they only rank a passage's sentences)."""
    return base64.b64encode(np.ascontiguousarray(vectors, dtype=np.float16).tobytes()).decode()


def unpack_vectors(text: str, dim: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.float16).reshape(-1, dim)


def bm25_terms(text: str) -> str:
    """The text as docqa's BM25 sees it (stemmed, no stop words), one space between terms and one
    on each side (the whitespace analyzer ignores them)."""
    terms = tokenize([text])[0]
    return f" {' '.join(terms)} " if terms else ""


def dense_index(n: int, lite: bool) -> dict[str, Any]:
    """Exact search below HNSW_THRESHOLD passages (the local index's rule); above it an HNSW graph
    with the local index's parameters on a Milvus server, IVF_FLAT on Milvus Lite (it builds
    FLAT, IVF_FLAT and AUTOINDEX only). benchmarks/scale_out.py measures recall against exact."""
    if n < HNSW_THRESHOLD:
        return {"index_type": "FLAT", "params": {}}
    if lite:
        return {"index_type": "IVF_FLAT", "params": {"nlist": int(min(65_536, 4 * n ** 0.5))}}
    return {"index_type": "HNSW", "params": {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}}


def dense_search_params(index_type: str, depth: int) -> dict[str, Any]:
    """HNSW needs ef >= the results asked for; IVF probes IVF_NPROBE of its lists."""
    params = {"HNSW": {"ef": max(HNSW_EF_SEARCH, depth)}, "IVF_FLAT": {"nprobe": IVF_NPROBE}}
    return {"metric_type": "IP", "params": params.get(index_type, {})}


class MilvusIndex:
    """An index in Milvus, read live: every query sees the documents' current versions."""

    def __init__(self, spec: MilvusSpec, client=None) -> None:  # noqa: ANN001
        self.spec = spec
        self.path = None  # no directory on this machine
        self.client = client or connect(spec)
        self.manifest = read_manifest(self.client, spec)
        if self.manifest is None:
            raise IndexProblem(f"no index at {spec}: run `docqa ingest --index {spec}` first")
        self.dim = int(self.manifest["dim"])
        self.settings = BuildSettings(**self.manifest["settings"])
        self.bm25 = MilvusTerms(self)
        self.doc_by_id = LazyDocs(self)
        self._rows: OrderedDict[int, tuple[Passage, str]] = OrderedDict()  # pid -> passage, sentences
        self._seen: dict[str, tuple[str, str]] = {}  # doc_id -> (version, blob) the last query kept
        self._lock = threading.Lock()
        # a query's independent round trips run side by side (`MilvusCandidates`); tasks never wait
        # on other tasks, so a small shared pool cannot deadlock
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="docqa-milvus")

    # -- what answers use -------------------------------------------------------------------
    @property
    def docs(self) -> list[DocEntry]:
        """Every live document, in the order they were first added; summaries (no text: fetch
        the full record with `doc_by_id`)."""
        rows = self._query("docs", "", ["meta", "seq"])
        return [summary(json.loads(r["meta"])) for r in sorted(rows, key=lambda r: r["seq"])]

    def sentence_vectors(self, row: int) -> np.ndarray | None:
        packed = self.rows([row])[row][1]
        return unpack_vectors(packed, self.dim) if packed else None

    def candidates(self, query: str) -> MilvusCandidates:
        return MilvusCandidates(self, query)

    def count(self) -> int:
        """Passages stored (all versions: rows of a version being replaced count until deleted)."""
        res = self.client.query(self.spec.collection("passages"), filter="",
                                output_fields=["count(*)"], consistency_level=CONSISTENCY)
        return int(res[0]["count(*)"])

    # -- rows -------------------------------------------------------------------------------
    def rows(self, pids: list[int]) -> dict[int, tuple[Passage, str]]:
        """Passages and packed sentence vectors by pid, from a small cache (pids never change
        meaning: a new version gets new pids) or one query for the missing ones."""
        with self._lock:
            out = {p: self._rows[p] for p in pids if p in self._rows}
        missing = [p for p in dict.fromkeys(pids) if p not in out]
        if missing:
            got = self.client.get(self.spec.collection("passages"), ids=missing,
                                  output_fields=["passage", "sentences"])
            with self._lock:
                for r in got:
                    out[r["pid"]] = self._rows[r["pid"]] = (Passage.from_dict(json.loads(r["passage"])),
                                                            r["sentences"])
                while len(self._rows) > 8192:
                    self._rows.popitem(last=False)
        lost = [p for p in pids if p not in out]
        if lost:  # deleted by an ingest between finding and reading it
            raise IndexProblem("the index changed while this question was answered; ask again")
        return out

    def live(self, doc_ids: set[str]) -> dict[str, str]:
        """doc_id -> live version of each of `doc_ids` in the index, read now (for an ingest)."""
        if not doc_ids:
            return {}
        return {r["doc_id"]: r["version"] for r in self._query("docs", f"doc_id in {_list(doc_ids)}", ["doc_id", "version"])}

    def _query(self, kind: str, filter: str, fields: list[str]) -> list[dict]:  # noqa: A002
        name = self.spec.collection(kind)
        if filter:
            return self.client.query(name, filter=filter, output_fields=fields, consistency_level=CONSISTENCY)
        it = self.client.query_iterator(name, batch_size=1000, filter="", output_fields=fields,
                                        consistency_level=CONSISTENCY)
        out: list[dict] = []
        try:
            while batch := it.next():
                out.extend(batch)
        finally:
            it.close()
        return out


class MilvusCandidates:
    """One query against Milvus: dense and BM25 searches, scores of given rows, live filter.

    Round trips that do not depend on each other run side by side (Milvus serves concurrent
    requests): the two searches with the generation stamp, which names the live versions
    (`MilvusTerms.live`, read once per ingest); then the scores fusion needs from the other
    retriever (each retriever's score of the other's candidates); then the ranked rows with
    their documents' records."""

    def __init__(self, store: MilvusIndex, query: str) -> None:
        self.store, self.terms = store, bm25_terms(query).strip()
        # Milvus' BM25 is bm25s' Lucene variant times (k1 + 1) (measured: 1.9 at k1 = 0.9); dividing
        # it out gives the local scores, and fusion (scale-free) would be the same either way
        self.bm25_scale = 1.0 / (1.0 + store.settings.bm25_k1)
        self.coll = store.spec.collection("passages")
        self._dense: dict[int, float] = {}
        self._bm25: dict[int, float] = {}
        self._doc: dict[int, tuple[str, str, int]] = {}  # pid -> (doc_id, version, passage number)
        self._last: list[int] = []
        self._bm25_hits: tuple[int, list[Found]] | None = None  # (depth, hits) found with the dense search
        store.bm25.note_generation(None)  # a new question: the term statistics' stamp is read again
        # the stamp and the BM25 search need only the text: they start now, while the caller
        # encodes the query (`index.search.search` takes this object made beforehand)
        self._gen = store.pool.submit(generation, store.client, store.spec)
        depth = SearchSettings().depth
        self._early = (depth, store.pool.submit(self._hits, [self.terms], "sparse", depth, BM25)) if self.terms else None

    def size(self) -> int:
        # the manifest's count, read when the store was opened (one round trip less per query);
        # an index that was empty then is counted again, so a first ingest elsewhere is seen
        return int(self.store.manifest.get("passages") or 0) or self.store.count()

    def dense(self, query_vec: np.ndarray, depth: int) -> tuple[list[int], list[float]]:
        vec = [query_vec.astype(np.float32).tolist()]
        params = dense_search_params(self.store.manifest.get("dense_index", "FLAT"), depth)
        found = self.store.pool.submit(self._hits, vec, "dense", depth, params)
        if self.terms:  # BM25's candidates now too (hybrid asks next)
            self._bm25_hits = (depth, self._bm25_search(depth))
        hits = found.result()
        self.store.bm25.note_generation(self._gen.result())
        ahead = self._read_ahead([hits, self._bm25_hits[1] if self._bm25_hits else []])
        if self.terms:  # each retriever's scores of the other's candidates (fusion needs them)
            bm25 = self._bm25_hits[1]
            in_d, in_b = [p for p, _ in hits], [p for p, _ in bm25]
            set_d, set_b = set(in_d), set(in_b)
            only_d, only_b = [p for p in in_d if p not in set_b], [p for p in in_b if p not in set_d]
            pool = self.store.pool
            scored_b = pool.submit(self._hits, [self.terms], "sparse", len(only_d), BM25, only_d)
            scored_d = pool.submit(self._hits, vec, "dense", len(only_b),
                                   dense_search_params(self.store.manifest.get("dense_index", "FLAT"), len(only_b)),
                                   only_b)
            self._remember(scored_b.result(), self._bm25, only_d, self.bm25_scale)
            self._remember(scored_d.result(), self._dense, [], 1.0)
        for task in ahead:
            try:
                task.result()
            except IndexProblem:  # a row deleted meanwhile: reading it when needed says so
                pass
        return self._keep(hits, self._dense)

    def bm25(self, depth: int) -> tuple[list[int], list[float]]:
        if not self.terms:
            return [], []
        if self._bm25_hits is None or self._bm25_hits[0] != depth:
            self._bm25_hits = (depth, self._bm25_search(depth))
        return self._keep(self._bm25_hits[1], self._bm25, self.bm25_scale)

    def scores(self, rows: np.ndarray, query_vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = [int(r) for r in rows]
        self._last = rows
        need_d = [r for r in rows if r not in self._dense]
        if need_d:
            params = dense_search_params(self.store.manifest.get("dense_index", "FLAT"), len(need_d))
            self._search([query_vec.astype(np.float32).tolist()], "dense", len(need_d), params, self._dense, need_d)
        need_b = [r for r in rows if r not in self._bm25]
        if need_b and self.terms:
            self._search([self.terms], "sparse", len(need_b), BM25, self._bm25, need_b,
                         self.bm25_scale)
        for r in need_b:
            self._bm25.setdefault(r, 0.0)  # none of the query's terms: BM25 0, as locally
        return (np.array([self._dense.get(r, 0.0) for r in rows], dtype=np.float32),
                np.array([self._bm25[r] for r in rows], dtype=np.float32))

    def passage(self, row: int) -> Passage:
        if row in self._last:  # the rows just scored and their documents' texts: read together
            docs = self.store.pool.submit(self.store.doc_by_id.prefetch,
                                          {self._doc[r][0] for r in self._last if r in self._doc})
            got = self.store.rows(self._last)
            docs.result()
            self._last = []
            return got[row][0]
        return self.store.rows([row])[row][0]

    def _search(self, data: list, field: str, limit: int, params: dict, into: dict[int, float],
                only: list[int] | None = None, scale: float = 1.0) -> tuple[list[int], list[float]]:
        """Search `field`, keep live versions only, remember scores in `into`."""
        if limit <= 0:
            return [], []
        return self._keep(self._hits(data, field, limit, params, only), into, scale)

    def _bm25_search(self, depth: int) -> list[Found]:
        """BM25's hits to `depth`: the search started with this object when it asked as deep."""
        if self._early is not None and self._early[0] == depth:
            return self._early[1].result()
        return self._hits([self.terms], "sparse", depth, BM25)

    def _read_ahead(self, found: list[list[Found]]) -> list[Future]:
        """Start reading the rows fusion most likely ranks first (each retriever's best AHEAD live
        hits) and their documents' records, beside the scoring searches: most questions then need
        no round trip after fusion (`passage` reads only what is still missing)."""
        live = self.store.bm25.live()
        pids: list[int] = []
        for hits in found:
            pids += islice((p for p, _ in hits if self._seq(p, live) is not None), AHEAD)
        pool = self.store.pool
        return [pool.submit(self.store.rows, pids),
                pool.submit(self.store.doc_by_id.prefetch, {self._doc[p][0] for p in pids})]

    def _hits(self, data: list, field: str, limit: int, params: dict, only: list[int] | None = None) -> list[Found]:
        """One search's (pid, score) hits, best first (none when `only` names no rows), their
        documents noted; rows this query has met already come back without their fields (less
        to send and parse). pymilvus' hits are read once here: each read of one is slow."""
        if only is not None and not only:
            return []
        known = only is not None and all(p in self._doc for p in only)
        hits = self.store.client.search(
            self.coll, data=data, anns_field=field, limit=min(limit, 16_384), search_params=params,
            filter=f"pid in {list(only)}" if only is not None else "",
            output_fields=[] if known else HIT_FIELDS, consistency_level=CONSISTENCY)[0]
        out = []
        for h in hits:
            pid, e = int(h["id"]), h["entity"]
            if not known:
                self._doc[pid] = (e["doc_id"], e["version"], e["ord"])
            out.append((pid, float(h["distance"])))
        return out

    def _seq(self, pid: int, live: dict[str, tuple[str, int, str]]) -> int | None:
        """The position in index order of `pid`'s document if `pid` belongs to its live version
        (whose record quotes then come from), else None."""
        doc, version, _ = self._doc[pid]
        now = live.get(doc)
        if now is None or now[0] != version:
            return None
        self.store._seen[doc] = (version, now[2])
        return now[1]

    def _remember(self, hits: list[Found], into: dict[int, float], asked: list[int], scale: float) -> None:
        """Scores of restricted searches (0 for `asked` rows not found: BM25 finds none of the terms)."""
        into.update((pid, score * scale) for pid, score in hits)
        for pid in asked:
            into.setdefault(pid, 0.0)

    def _keep(self, hits: list[Found], into: dict[int, float], scale: float = 1.0) -> tuple[list[int], list[float]]:
        """The hits of live versions, best first, their scores remembered in `into`."""
        live = self.store.bm25.live()
        kept = []
        for pid, score in hits:
            seq = self._seq(pid, live)
            if seq is not None:
                into[pid] = score * scale
                kept.append((-into[pid], seq, self._doc[pid][2], pid))
        kept.sort()  # ties as the local index breaks them: index order (document, then passage)
        return [k[3] for k in kept], [-k[0] for k in kept]


class MilvusTerms:
    """The live documents and BM25 IDF for the answer scorer with `index.bm25.Bm25.idf`'s formula
    over the live passages' terms (the field BM25 scores), so the weights equal the local index's.
    Each document's live version and N and each term's document frequency are counted in one scan
    of the documents and passages the first time they are needed and kept in memory under the
    index's generation, a stamp every ingest renews when it changes the live passages or records
    (`index.milvus_build`): a question costs one small read (made beside its searches,
    `note_generation`), an app replica keeps nothing on disk, and an ingest elsewhere is seen at
    the next question. The scan is once per ingest; docs/scale.md says what a 100M-passage
    cluster would need instead."""

    def __init__(self, store: MilvusIndex) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._cached: Live | None = None
        self._question = threading.local()  # the stamp read with this thread's current question

    def note_generation(self, gen: str | None) -> None:
        """The stamp read alongside this thread's question's searches (None: a new question),
        so the scorer's `idf` and `n` cost no round trip of their own. It serves that question
        only: past QUESTION_SECONDS (or on another thread) the stamp is read again."""
        self._question.gen = (gen, time.monotonic()) if gen is not None else None

    @property
    def n(self) -> int:
        """Live passages counted (as `index.bm25.Bm25.n`)."""
        return self._stats().n

    def df(self, terms: set[str]) -> dict[str, int]:
        """Live passages holding each of `terms`."""
        df = self._stats().df
        return {t: df.get(t, 0) for t in terms}

    def idf(self, terms: set[str]) -> dict[str, float]:
        stats = self._stats()
        return {t: idf_weight(stats.n, stats.df.get(t, 0)) for t in terms}

    def live(self) -> dict[str, tuple[str, int, str]]:
        """doc_id -> (live version, position in index order, record key) of every document."""
        return self._stats().docs

    def _stats(self) -> Live:
        noted = getattr(self._question, "gen", None)
        if noted is not None and time.monotonic() - noted[1] < QUESTION_SECONDS:
            gen = noted[0]
        else:
            gen = generation(self.store.client, self.store.spec)
        cached = self._cached
        if cached is not None and cached.gen == gen:
            return cached
        with self._lock:  # one scan at a time; a second question waits for it
            if self._cached is not None and self._cached.gen == gen:
                return self._cached
            stats = self._count(gen)
            if generation(self.store.client, self.store.spec) == gen:  # no ingest changed it meanwhile
                self._cached = stats
            return stats

    def _count(self, gen: str) -> Live:
        docs = {r["doc_id"]: (r["version"], r["seq"], r["blob"])
                for r in self.store._query("docs", "", ["doc_id", "version", "seq", "blob"])}
        df: Counter[str] = Counter()
        n = 0
        for r in self.store._query("passages", "", ["doc_id", "version", "terms"]):
            if docs.get(r["doc_id"], ("",))[0] == r["version"]:  # rows of a version not (or no longer) live: skip
                n += 1
                df.update(set(r["terms"].split()))
        return Live(gen, docs, n, dict(df))


@dataclass(frozen=True)
class Live:
    """The index under one generation stamp: each document's live version, position in index
    order and record key, and BM25's counts over the live passages."""

    gen: str
    docs: dict[str, tuple[str, int, str]]
    n: int
    df: dict[str, int]


def generation(client, spec: MilvusSpec) -> str:  # noqa: ANN001 - pymilvus.MilvusClient
    """The stamp an ingest renews whenever the live passages change ("" if none written yet)."""
    rows = client.query(spec.collection("meta"), filter="key == 'generation'", output_fields=["value"],
                        consistency_level=CONSISTENCY)
    return rows[0]["value"] if rows else ""


def renew_generation(client, spec: MilvusSpec) -> None:  # noqa: ANN001
    """Mark that the live passages changed (cached term statistics are stale)."""
    client.upsert(spec.collection("meta"), [{"key": "generation", "value": uuid.uuid4().hex, "v": [0.0, 0.0]}])


class LazyDocs(Mapping):
    """doc_id -> the full `DocEntry`, read from Milvus on use (the version a query just kept,
    so quotes come from the text its passages were cut from)."""

    def __init__(self, store: MilvusIndex) -> None:
        self.store = store
        self._cache: OrderedDict[str, DocEntry] = OrderedDict()  # by blob key

    def __getitem__(self, doc_id: str) -> DocEntry:
        """The record a question quotes: the version (and record) its search kept, when read
        already (`prefetch`: no round trip), else as `get` finds it."""
        seen = self.store._seen.get(doc_id)
        if seen is not None and seen[1] in self._cache:
            return self._cache[seen[1]]
        entry = self.get(doc_id)
        if entry is None:
            raise KeyError(doc_id)
        return entry

    def get(self, doc_id: str, default: Any = None) -> DocEntry | Any:  # noqa: ANN401
        """The live record, or the version the last question kept if it has been replaced since."""
        seen = self.store._seen.get(doc_id)
        rows = self.store._query("docs", f"doc_id == '{_quote(doc_id)}'", ["version", "blob"])
        if not rows:
            return default
        blob = rows[0]["blob"]
        if seen and seen[0] != rows[0]["version"]:  # replaced since the query: read the version it used
            old = self.store._query("texts", f"version == '{_quote(seen[0])}' and part == 0", ["blob"])
            if not old:  # and already deleted: quoting the new text at old offsets would be wrong
                raise IndexProblem("the index changed while this question was answered; ask again")
            blob = old[0]["blob"]
        self._load({blob})
        if blob not in self._cache:  # deleted between the two reads
            raise IndexProblem("the index changed while this question was answered; ask again")
        return self._cache[blob]

    def prefetch(self, doc_ids: set[str]) -> None:
        """Read the records the last question kept of `doc_ids` in one query (those not cached)."""
        self._load({self.store._seen[d][1] for d in doc_ids if d in self.store._seen})

    def _load(self, blobs: set[str]) -> None:
        missing = {b for b in blobs if b not in self._cache}
        if not missing:
            return
        parts: dict[str, list[dict]] = {}
        for p in self.store._query("texts", f"blob in {_list(missing)}", ["blob", "part", "data"]):
            parts.setdefault(p["blob"], []).append(p)
        for blob, ps in parts.items():
            text = "".join(p["data"] for p in sorted(ps, key=lambda p: p["part"]))
            self._cache[blob] = DocEntry.from_dict(json.loads(text))
        while len(self._cache) > 256:
            self._cache.popitem(last=False)

    def __iter__(self) -> Iterator[str]:
        return iter([e.doc_id for e in self.store.docs])

    def __len__(self) -> int:
        return len(self.store.docs)


class SummaryEntry(DocEntry):
    """A document as the docs collection lists it: everything but its text, regions and pages."""

    page_count: int = 0

    @property
    def pages(self) -> int | None:
        return self.page_count or None


def summary(meta: dict) -> SummaryEntry:
    doc = Document(source=meta["source"], title=meta["title"], text="", kind=meta["kind"],
                   sha256=meta["sha256"], regions=(), published=meta.get("published"),
                   publisher=meta.get("publisher"), url=meta.get("url"))
    entry = SummaryEntry(meta["doc_id"], doc, meta["ingested_at"], meta["n_passages"], list(meta["aliases"]))
    entry.page_count = int(meta.get("pages") or 0)
    return entry


def summary_meta(entry: DocEntry) -> dict:
    d = entry.doc
    return {"doc_id": entry.doc_id, "ingested_at": entry.ingested_at, "n_passages": entry.n_passages,
            "aliases": list(entry.aliases), "source": d.source, "title": d.title, "kind": d.kind,
            "sha256": d.sha256, "published": d.published, "publisher": d.publisher, "url": d.url,
            "pages": entry.pages or 0}


def read_manifest(client, spec: MilvusSpec) -> dict | None:  # noqa: ANN001
    """The manifest row, or None when there is no index at `spec` yet."""
    name = spec.collection("meta")
    if not client.has_collection(name):
        return None
    rows = client.query(name, filter="key == 'manifest'", output_fields=["value"], consistency_level=CONSISTENCY)
    if not rows:
        return None
    manifest = json.loads(rows[0]["value"])
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexProblem(f"index format {manifest.get('format_version')} at {spec} is not the supported "
                           f"{FORMAT_VERSION}; rebuild it with docqa ingest --index {spec} --rebuild")
    return manifest


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _list(items: set[str]) -> str:
    return "[" + ", ".join(f"'{_quote(i)}'" for i in sorted(items)) + "]"
