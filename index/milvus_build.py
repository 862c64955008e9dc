"""Bring a Milvus index up to date: the same change plan and embedding as the local index,
written document by document under new version ids (see `index.milvus_store`)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.build import (Change, EncodeSpans, drop_unsplit, embed_documents, gone_sources, load_paths,
                         plan_change)
from index.embedder import Embedder
from index.milvus_store import (CONSISTENCY, MAX_VARCHAR, TEXT_CHUNK, MilvusIndex, MilvusSpec, _list,
                                bm25_terms, connect, dense_index, pack_vectors, pid_of, read_manifest,
                                renew_generation, summary_meta)
from index.settings import FORMAT_VERSION, BuildSettings
from index.store import DocEntry, IndexProblem, corpus_fingerprint
from ingest.chunker import indexed_text
from ingest.discover import DEFAULT_MAX_BYTES
from ingest.ocr import OcrSettings
from ingest.records import IngestReport, Passage

KINDS = ("passages", "docs", "texts", "meta")
INSERT_ROWS = 256  # rows per insert call: well under gRPC's 64 MB message limit
TEXT_BATCH_CHARS = 4_000_000  # characters of document text per upsert: at most 16 MB of UTF-8


def ingest_paths_milvus(paths: Iterable[Path], spec: MilvusSpec, embedder: Embedder, settings: BuildSettings, *,
                        rebuild: bool = False, max_bytes: int = DEFAULT_MAX_BYTES, progress: bool = False,
                        encode: EncodeSpans | None = None, ocr: OcrSettings = OcrSettings()) -> IngestReport:
    """`index.build.ingest_paths` for Milvus: files gone from a scanned folder are dropped; scanned
    PDF pages are read as `ocr` says."""
    found, docs, skipped = load_paths(paths, max_bytes, ocr)
    return apply_change_milvus(spec, Change(docs, set(), skipped), embedder, settings, rebuild=rebuild,
                               progress=progress, encode=encode, gone=lambda old: gone_sources(found, old))


def apply_change_milvus(spec: MilvusSpec, change: Change, embedder: Embedder, settings: BuildSettings, *,
                        rebuild: bool = False, progress: bool = False, encode: EncodeSpans | None = None,
                        gone: Callable[[list[str]], set[str]] | None = None) -> IngestReport:
    """Merge `change` into the Milvus index at `spec`; only new or changed documents are embedded
    (`encode`: how, e.g. on a Ray cluster; default the embedder's own). `gone(sources)` names
    indexed sources to drop as well. One writer at a time (README: guarantees)."""
    if settings.bm25_context:
        raise IndexProblem("bm25_context > 0 is not supported on a Milvus index; use the local index")
    client = connect(spec)
    if rebuild:
        for kind in KINDS:
            client.drop_collection(spec.collection(kind))
    manifest = read_manifest(client, spec)
    if manifest is not None and BuildSettings(**manifest["settings"]) != settings:
        raise IndexProblem(f"the index at {spec} was built with other settings "
                           f"({manifest['settings']}); pass --rebuild to build it again with these")
    store = MilvusIndex(spec, client) if manifest is not None else None
    old = store.docs if store is not None else []
    if gone is not None:
        change = Change(change.docs, change.remove | gone([e.doc.source for e in old]), change.skipped)
    entries = {e.doc.source: e for e in old}
    before = {e.doc_id: (e.doc.source, tuple(e.aliases)) for e in old}
    report = IngestReport(skipped=dict(change.skipped))
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    fresh = plan_change(entries, set(before), change, report, now)
    if not report.changed:
        return report
    unsplit: dict[str, str] = {}
    rows = embed_documents(fresh, entries, embedder, settings, progress, unsplit, encode)
    drop_unsplit(entries, report, unsplit)
    if store is None:
        if not entries:  # nothing could be read: write nothing
            return report
        create_collections(client, spec, embedder.dim, settings)
        store = MilvusIndex(spec, client)
    by_id = {e.doc_id: e for e in entries.values()}
    _remove(client, spec, [d for d in before if d not in by_id])
    _write_fresh(store, [by_id[d] for d in rows], rows)
    renamed = [e for d, e in by_id.items() if d in before and d not in rows
               and before[d] != (e.doc.source, tuple(e.aliases))]
    _write_renamed(store, renamed)
    _finish(store, len(by_id))
    return report


def create_collections(client, spec: MilvusSpec, dim: int, settings: BuildSettings) -> None:  # noqa: ANN001
    """The four collections and the manifest (written first: an index with no documents yet)."""
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pid", DataType.INT64, is_primary=True)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("version", DataType.VARCHAR, max_length=64)
    schema.add_field("ord", DataType.INT64)  # passage number in its document: breaks score ties
    schema.add_field("passage", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("sentences", DataType.VARCHAR, max_length=MAX_VARCHAR)
    # docqa's own BM25 terms, so Milvus scores what the local index scores; whitespace splits them
    schema.add_field("terms", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                     analyzer_params={"tokenizer": "whitespace"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["terms"], output_field_names=["sparse"]))
    idx = client.prepare_index_params()
    idx.add_index(field_name="dense", metric_type="IP", **dense_index(0, spec.lite))
    idx.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                  params={"bm25_k1": settings.bm25_k1, "bm25_b": settings.bm25_b})
    client.create_collection(spec.collection("passages"), schema=schema, index_params=idx,
                             consistency_level=CONSISTENCY)
    for kind, fields in (("docs", [("doc_id", 1024), ("version", 64), ("blob", 128), ("meta", MAX_VARCHAR)]),
                         ("texts", [("key", 256), ("doc_id", 1024), ("blob", 128), ("version", 64),
                                    ("data", MAX_VARCHAR)]),
                         ("meta", [("key", 64), ("value", MAX_VARCHAR)])):
        _keyed_collection(client, spec.collection(kind), fields)
    manifest = {"format_version": FORMAT_VERSION, "model": settings.model, "dim": dim,
                "settings": settings.to_dict(), "dense_index": dense_index(0, spec.lite)["index_type"],
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    client.upsert(spec.collection("meta"), [{"key": "manifest", "value": json.dumps(manifest), "v": [0.0, 0.0]}])
    renew_generation(client, spec)


def _keyed_collection(client, name: str, fields: list[tuple[str, int]]) -> None:  # noqa: ANN001
    """A collection keyed by its first VARCHAR field; Milvus 2.5 wants a vector field in every
    collection, so each carries a 2-d placeholder `v` that is never searched."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    for i, (field, length) in enumerate(fields):
        schema.add_field(field, DataType.VARCHAR, max_length=length, is_primary=i == 0)
    if name.endswith("_docs") or name.endswith("_texts"):
        schema.add_field("seq" if name.endswith("_docs") else "part", DataType.INT64)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    idx = client.prepare_index_params()
    idx.add_index(field_name="v", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=idx, consistency_level=CONSISTENCY)


def _write_fresh(store: MilvusIndex, entries: list[DocEntry],
                 rows: dict[str, tuple[list[Passage], np.ndarray, np.ndarray]]) -> None:
    """New versions of `entries`: passages and texts first, then the switch, then the clean-up."""
    if not entries:
        return
    client, spec = store.client, store.spec
    versions = {e.doc_id: f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}" for e in entries}
    batch: list[dict] = []
    for e in entries:
        ps, vecs, svecs = rows[e.doc_id]
        e.n_passages = len(ps)
        j = 0
        for n, (p, v) in enumerate(zip(ps, vecs)):
            s = svecs[j:j + len(p.sentences)]
            j += len(p.sentences)
            packed = pack_vectors(s)
            batch.append({"pid": pid_of(versions[e.doc_id], n), "doc_id": e.doc_id,
                          "version": versions[e.doc_id], "ord": n, "passage": json.dumps(p.to_dict(), ensure_ascii=False),
                          "sentences": packed if len(packed) <= MAX_VARCHAR else "",
                          "terms": bm25_terms(indexed_text(p.title, p.section, p.text)),
                          "dense": np.asarray(v, dtype=np.float32).tolist()})
            if len(batch) >= INSERT_ROWS:
                client.insert(spec.collection("passages"), batch)
                batch = []
    if batch:
        client.insert(spec.collection("passages"), batch)
    _write_texts(store, [(e, versions[e.doc_id], versions[e.doc_id]) for e in entries])
    _switch(store, entries, versions, {e.doc_id: versions[e.doc_id] for e in entries})
    renew_generation(client, spec)  # the live passages changed: cached term statistics are stale
    ids, live = _list({e.doc_id for e in entries}), _list(set(versions.values()))
    client.delete(spec.collection("passages"), filter=f"doc_id in {ids} and version not in {live}")
    client.delete(spec.collection("texts"), filter=f"doc_id in {ids} and version not in {live}")


def _write_renamed(store: MilvusIndex, entries: list[DocEntry]) -> None:
    """Documents whose source or other names changed (not their text): a new record, same passages."""
    if not entries:
        return
    live = store.live({e.doc_id for e in entries})
    blobs, full = {}, []
    for e in entries:
        whole = store.doc_by_id[e.doc_id]
        full.append(DocEntry(e.doc_id, replace(whole.doc, source=e.doc.source), whole.ingested_at,
                             whole.n_passages, list(e.aliases)))
        blobs[e.doc_id] = f"{live[e.doc_id]}.{uuid.uuid4().hex[:8]}"
    _write_texts(store, [(f, live[f.doc_id], blobs[f.doc_id]) for f in full])
    _switch(store, full, live, blobs)
    renew_generation(store.client, store.spec)  # questions take records' keys from the stamped live list
    store.client.delete(store.spec.collection("texts"),
                        filter=f"doc_id in {_list(set(blobs))} and blob not in {_list(set(blobs.values()))}")


def _write_texts(store: MilvusIndex, items: list[tuple[DocEntry, str, str]]) -> None:
    """Each (document, version, blob) record in TEXT_CHUNK parts, upserted in batches across
    documents: one call per document made a large ingest one round trip per document."""
    batch: list[dict] = []
    size = 0
    for entry, version, blob in items:
        data = json.dumps(entry.to_dict(), ensure_ascii=False)
        for n, at in enumerate(range(0, len(data), TEXT_CHUNK)):
            batch.append({"key": f"{blob}:{n}", "doc_id": entry.doc_id, "blob": blob, "version": version,
                          "part": n, "data": data[at:at + TEXT_CHUNK], "v": [0.0, 0.0]})
            size += len(batch[-1]["data"])
            if len(batch) >= INSERT_ROWS or size >= TEXT_BATCH_CHARS:
                store.client.upsert(store.spec.collection("texts"), batch)
                batch, size = [], 0
    if batch:
        store.client.upsert(store.spec.collection("texts"), batch)


def _switch(store: MilvusIndex, entries: list[DocEntry], versions: dict[str, str], blobs: dict[str, str]) -> None:
    """Make the new versions live: one upsert per document row (atomic per row)."""
    old = {r["doc_id"]: r["seq"] for r in store._query("docs", f"doc_id in {_list({e.doc_id for e in entries})}",
                                                       ["doc_id", "seq"])}
    base = time.time_ns()
    rows = [{"doc_id": e.doc_id, "version": versions[e.doc_id], "blob": blobs[e.doc_id],
             "meta": json.dumps(summary_meta(e), ensure_ascii=False), "seq": old.get(e.doc_id, base + n),
             "v": [0.0, 0.0]} for n, e in enumerate(entries)]
    for i in range(0, len(rows), INSERT_ROWS):
        store.client.upsert(store.spec.collection("docs"), rows[i:i + INSERT_ROWS])


def _remove(client, spec: MilvusSpec, doc_ids: list[str]) -> None:  # noqa: ANN001
    """Drop documents: their rows first (they stop being live), then passages and texts."""
    for i in range(0, len(doc_ids), 500):
        ids = _list(set(doc_ids[i:i + 500]))
        client.delete(spec.collection("docs"), filter=f"doc_id in {ids}")
        renew_generation(client, spec)
        client.delete(spec.collection("passages"), filter=f"doc_id in {ids}")
        client.delete(spec.collection("texts"), filter=f"doc_id in {ids}")


def _finish(store: MilvusIndex, documents: int) -> None:  # documents: what the ingest left live
    """Record the counts; switch exact search to an ANN index once the passages pass the threshold."""
    client, spec = store.client, store.spec
    manifest = dict(store.manifest)
    n = store.count()
    wanted = dense_index(n, spec.lite)
    if wanted["index_type"] != manifest.get("dense_index"):
        name = spec.collection("passages")
        # the collection is briefly unavailable while its dense index is rebuilt (README)
        client.release_collection(name)
        client.drop_index(name, "dense")
        idx = client.prepare_index_params()
        idx.add_index(field_name="dense", metric_type="IP", **wanted)
        client.create_index(name, idx)
        client.load_collection(name)
        manifest["dense_index"] = wanted["index_type"]
    manifest.update(documents=documents, passages=n, corpus_fingerprint=corpus_fingerprint(store.docs),
                    built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    client.upsert(spec.collection("meta"), [{"key": "manifest", "value": json.dumps(manifest), "v": [0.0, 0.0]}])
