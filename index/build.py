"""Bring an index up to date with a set of documents, re-embedding only what changed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.embedder import Embedder
from index.settings import BuildSettings
from index.store import DocEntry, Index, IndexProblem, current_version, load_index, write_index, write_lock
from ingest.chunker import chunk_document, indexed_text
from ingest.discover import DEFAULT_MAX_BYTES, Found, discover
from ingest.fetch import is_url
from ingest.loaders import LoadError, load_file
from ingest.ocr import OcrSettings
from ingest.reasons import first_line
from ingest.records import Document, IngestReport, Passage

Progress = Callable[[str, float], None]  # (message, fraction done)
# a document's passages, their vectors, and their sentences' vectors
Rows = tuple[list[Passage], np.ndarray, np.ndarray]
# (texts, spans, progress=) -> (vectors, span vectors): `Embedder.encode_spans` or a stand-in for it
EncodeSpans = Callable[..., tuple[np.ndarray, np.ndarray]]


@dataclass
class Change:
    """What to do to the index: documents to add or refresh, sources to drop."""

    docs: list[Document]
    remove: set[str]  # sources
    skipped: dict[str, str]


def ingest_paths(paths: Iterable[Path], root: Path, embedder: Embedder, settings: BuildSettings, *,
                 rebuild: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
                 progress: bool = False, encode: EncodeSpans | None = None,
                 ocr: OcrSettings = OcrSettings()) -> IngestReport:
    """Ingest files and folders: files gone from a scanned folder are dropped from the index.
    Scanned PDF pages are read as `ocr` says."""
    found, docs, skipped = load_paths(paths, max_bytes, ocr)
    with write_lock(root):
        old = _load_old(root, rebuild)
        gone = gone_sources(found, [e.doc.source for e in (old.docs if old else [])])
        return apply_change(root, old, Change(docs, gone, skipped), embedder, settings, progress=progress,
                            encode=encode)


def load_paths(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES,
               ocr: OcrSettings = OcrSettings()) -> tuple[Found, list[Document], dict[str, str]]:
    """The files under `paths` (what was found), loaded (scanned PDF pages read as `ocr` says);
    the ones that could not be, with why."""
    found = discover(list(paths), max_bytes)
    docs, skipped = [], dict(found.skipped)
    for f in found.files:
        try:
            docs.append(load_file(f, ocr))
        except LoadError as exc:
            skipped[str(f.resolve())] = str(exc)
        except Exception as exc:  # a parser bug on one odd file must not stop the others
            skipped[str(f.resolve())] = f"could not be read ({type(exc).__name__}: {first_line(exc)})"
    return found, docs, skipped


def gone_sources(found: Found, sources: Iterable[str]) -> set[str]:
    """Indexed `sources` under a scanned folder that the scan no longer found."""
    present = {str(f.resolve()) for f in found.files} | set(found.skipped)
    return {s for s in sources for r in found.roots if _under(s, r) and s not in present}


def update(root: Path, change: Change, embedder: Embedder, settings: BuildSettings, *,
           progress: bool = False, rebuild: bool = False, encode: EncodeSpans | None = None) -> IngestReport:
    """Apply a change (documents loaded elsewhere, e.g. uploads or URLs) under the writer lock;
    `rebuild` starts from an empty index instead of the current one."""
    with write_lock(root):
        return apply_change(root, _load_old(root, rebuild), change, embedder, settings,
                            progress=progress, encode=encode)


def apply_change(root: Path, old: Index | None, change: Change, embedder: Embedder,
                 settings: BuildSettings, *, progress: bool = False,
                 encode: EncodeSpans | None = None) -> IngestReport:
    """Merge `change` into `old` and write a new version if anything changed."""
    report = IngestReport(skipped=dict(change.skipped))
    reuse = old is not None and old.settings.same_vectors(settings)  # else re-embed everything
    entries: dict[str, DocEntry] = {e.doc.source: e for e in (old.docs if old else [])}
    kept: dict[str, Rows] = _rows_by_doc(old) if reuse else {}
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    fresh = plan_change(entries, kept, change, report, now)

    if old is not None and not reuse:  # settings changed: everything is re-chunked and re-embedded
        fresh = [e.doc for e in entries.values()]
    if old is not None and not report.changed and old.settings == settings:
        return report
    if old is None and not entries:  # nothing could be read: leave any previous index as it was
        return report
    unsplit: dict[str, str] = {}
    new_rows = embed_documents(fresh, entries, embedder, settings, progress, unsplit, encode)
    drop_unsplit(entries, report, unsplit)
    kept.update(new_rows)
    ordered = list(entries.values())
    passages: list[Passage] = []
    vectors: list[np.ndarray] = []
    sentence_vectors: list[np.ndarray] = []
    for e in ordered:
        ps, vs, ss = kept[e.doc_id]
        e.n_passages = len(ps)
        passages.extend(ps)
        vectors.append(vs)
        sentence_vectors.append(ss)
    dim = old.manifest["dim"] if reuse and old else embedder.dim
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, dim), dtype=np.float32)
    sentences = np.concatenate(sentence_vectors) if sentence_vectors else np.zeros((0, dim), np.float32)
    write_index(root, settings, ordered, passages, matrix, dim, sentences)
    return report


def drop_unsplit(entries: dict[str, DocEntry], report: IngestReport, unsplit: dict[str, str]) -> None:
    """Documents the chunker refused are reported and left out; the other documents go on."""
    for source, why in unsplit.items():
        entries.pop(source)
        for listed in (report.added, report.updated):
            if source in listed:
                listed.remove(source)
        report.skipped[source] = why


def plan_change(entries: dict[str, DocEntry], kept: Container[str], change: Change,
                report: IngestReport, now: str) -> list[Document]:
    """Apply `change` to `entries` (source -> entry, updated in place) and fill `report`; the
    documents to chunk and embed. `kept`: doc ids whose rows the index already holds. Shared by
    the local index and any other store, so all decide alike what an ingest adds, updates or drops."""
    for source in sorted(change.remove):  # each name dropped is reported, so the change is written
        entry = entries.pop(source, None)
        if entry is not None:
            report.removed.append(source)
            if entry.aliases:  # another name for the same content survives: it becomes the source
                promoted = replace(entry, doc=replace(entry.doc, source=entry.aliases[0]),
                                   aliases=entry.aliases[1:])
                entries[promoted.doc.source] = promoted
        for e in entries.values():
            if source in e.aliases:
                e.aliases.remove(source)
                report.removed.append(source)

    fresh: list[Document] = []
    by_sha = {e.doc.sha256: e for e in entries.values()}
    taken = {e.doc_id for e in entries.values()}
    for doc in change.docs:
        entry = entries.get(doc.source)
        twin = by_sha.get(doc.sha256)
        twin = twin if twin is not None and twin.doc.source != doc.source else None
        if entry is not None and entry.doc.sha256 == doc.sha256 and entry.doc_id in kept:
            report.unchanged.append(doc.source)
        elif twin is not None:
            if doc.source not in twin.aliases:
                twin.aliases.append(doc.source)
            entries.pop(doc.source, None)
            report.skipped[doc.source] = f"same content as {twin.doc.source} (listed as another name)"
        else:
            (report.updated if entry else report.added).append(doc.source)
            entries[doc.source] = by_sha[doc.sha256] = DocEntry(
                entry.doc_id if entry else _new_id(doc, taken), doc, now, 0)
            fresh.append(doc)
        if doc.warnings:
            report.warnings[doc.source] = list(doc.warnings)

    return fresh


def embed_documents(docs: list[Document], entries: dict[str, DocEntry], embedder: Embedder,
                    settings: BuildSettings, progress: bool, unsplit: dict[str, str],
                    encode: EncodeSpans | None = None) -> dict[str, Rows]:
    """Passages of `docs` with their vectors and their sentences' vectors (one model pass);
    documents the chunker refuses go to `unsplit` (source -> reason) instead. `encode` replaces
    the embedder's own `encode_spans` (e.g. `index.ray_embed`, on a Ray cluster)."""
    embedder = embedder.for_settings(settings)  # the backend the manifest will record
    by_doc: dict[str, list[Passage]] = {}
    for doc in docs:
        doc_id = entries[doc.source].doc_id
        try:
            by_doc[doc_id] = chunk_document(doc, doc_id, embedder.count_tokens, embedder.max_tokens,
                                            settings.chunk_tokens, settings.overlap)
        except ValueError as exc:
            unsplit[doc.source] = f"cannot be split into passages: {exc}"
    flat = [p for ps in by_doc.values() for p in ps]
    texts, spans = [], []
    for p in flat:  # sentence spans relative to the indexed text (title and section come first)
        text = indexed_text(p.title, p.section, p.text)
        shift = len(text) - len(p.text) - p.start
        texts.append(text)
        spans.append([(s + shift, e + shift) for s, e in p.sentences])
    vecs, svecs = (encode or embedder.encode_spans)(texts, spans, progress=progress)
    out, i, j = {}, 0, 0
    for doc_id, ps in by_doc.items():
        n_s = sum(len(p.sentences) for p in ps)
        out[doc_id] = (ps, vecs[i:i + len(ps)], svecs[j:j + n_s])
        i += len(ps)
        j += n_s
    return out


def _rows_by_doc(index: Index) -> dict[str, Rows]:
    rows: dict[str, list[int]] = {}
    sent_rows: dict[str, list[int]] = {}
    k = 0
    for i, p in enumerate(index.passages):
        rows.setdefault(p.doc_id, []).append(i)
        sent_rows.setdefault(p.doc_id, []).extend(range(k, k + len(p.sentences)))
        k += len(p.sentences)
    sv = index.sentences
    out: dict[str, Rows] = {d.doc_id: ([], index.embeddings[:0], sv[:0]) for d in index.docs}
    out.update({d: ([index.passages[i] for i in r], index.embeddings[r], sv[sent_rows[d]])
                for d, r in rows.items()})
    return out


def _load_old(root: Path, rebuild: bool) -> Index | None:
    if rebuild or current_version(root) is None:
        return None
    try:
        return load_index(root)
    except IndexProblem as exc:
        raise IndexProblem(f"{exc} (or pass --rebuild to ingest from scratch)") from exc


def _new_id(doc: Document, taken: set[str]) -> str:
    """A readable id from the file or page name, unique in the index (`taken` is updated)."""
    name = doc.source.rstrip("/").rsplit("/", 1)[-1]
    base = re.sub(r"[^a-z0-9]+", "-", name.rsplit(".", 1)[0].lower()).strip("-") or "doc"
    doc_id, n = base, 1
    while doc_id in taken:
        n += 1
        doc_id = f"{base}-{n}"
    taken.add(doc_id)
    return doc_id


def _under(source: str, root: Path) -> bool:
    return not is_url(source) and Path(source).is_relative_to(root)
