"""Score docqa's retrieval on a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv).

The corpus goes through the same ingest and index code as any document (one
`Document` per corpus entry, the title kept as its title) into a cached index;
each query's top documents (a document scores as its best passage) are written
as a TREC run and scored with pytrec_eval.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from app.evaluation.metrics import Qrels, Run, ir_metrics, trec_order
from index.build import Change
from index.embedder import Embedder
from index.search import Retriever, search
from index.settings import FORMAT_VERSION, Config
from index.store import DocEntry, Index, IndexProblem, corpus_fingerprint
from ingest.records import Document, Region

DEPTH = 100  # documents per query in the run
PASSAGES_PER_DOC = 3  # passages fetched per wanted document (abstracts make 1-3 passages)


class BeirError(ValueError):
    """The dataset cannot be read; the message says what is wrong."""


@dataclass
class BeirData:
    name: str
    corpus: dict[str, tuple[str, str]]  # corpus id -> (title, text)
    queries: dict[str, str]  # only the queries judged in the split
    qrels: dict[str, dict[str, int]]


@dataclass
class BeirResult:
    dataset: str
    split: str
    index: str
    index_status: str  # "reused", or what the ingest did
    queries: int
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # retriever -> metric -> mean
    runs: dict[str, str] = field(default_factory=dict)  # retriever -> run file
    seconds: dict[str, float] = field(default_factory=dict)


def default_index(dataset_dir: Path, build: dict | None = None) -> Path:
    """`.docqa/beir/NAME`, with the non-default build settings in the name (each has its own cache)."""
    tail = "".join(f"-{k.replace('_', '')}{v}" for k, v in sorted((build or {}).items()))
    return Path(".docqa/beir") / (dataset_dir.resolve().name + tail)


def load_beir(dataset_dir: Path, split: str) -> BeirData:
    """Read a BEIR dataset; only queries that have judgements in `split` are kept."""
    files = {"corpus": dataset_dir / "corpus.jsonl", "queries": dataset_dir / "queries.jsonl",
             "qrels": dataset_dir / "qrels" / f"{split}.tsv"}
    for what, f in files.items():
        if not f.is_file():
            raise BeirError(f"{what} file {f} not found (expected the BEIR layout: corpus.jsonl, "
                            f"queries.jsonl, qrels/{split}.tsv)")
    corpus = {str(r["_id"]): (r.get("title") or "", r.get("text") or "") for r in _jsonl(files["corpus"])}
    qrels: dict[str, dict[str, int]] = {}
    with open(files["qrels"], encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) < 3 or row[0] == "query-id":
                continue
            try:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
            except ValueError as exc:
                raise BeirError(f"bad relevance {row[2]!r} in {files['qrels']}") from exc
    all_queries = {str(r["_id"]): r.get("text") or "" for r in _jsonl(files["queries"])}
    missing = [q for q in qrels if q not in all_queries]
    if missing:
        raise BeirError(f"{len(missing)} judged queries are not in queries.jsonl (e.g. {missing[0]})")
    return BeirData(dataset_dir.resolve().name, corpus, {q: all_queries[q] for q in qrels}, qrels)


def source_prefix(name: str) -> str:
    return f"beir:{name}/"


def corpus_documents(data: BeirData) -> list[Document]:
    """One document per corpus entry; its source ends in the corpus id.

    The hash covers the id as well as title and text, so two entries with the same
    abstract stay two documents (the index would otherwise keep one and alias the other).
    """
    docs = []
    prefix = source_prefix(data.name)
    for cid, (title, text) in data.corpus.items():
        text = text if text.strip() else title  # a title-only entry is still findable
        if not text.strip():
            continue
        digest = hashlib.sha256(f"{cid}\0{title}\0{text}".encode()).hexdigest()
        docs.append(Document(source=prefix + cid, title=title, text=text, kind="txt", sha256=digest,
                             regions=(Region(0, len(text), None),)))
    return docs


def ensure_index(engine, data: BeirData, progress: bool = False) -> str:  # noqa: ANN001 - app.engine.Engine
    """Bring the dataset's index up to date; "reused" when corpus and settings are unchanged.
    An index of exactly this corpus in an older format is rebuilt (it is a cache)."""
    docs = corpus_documents(data)
    manifest = _manifest(engine)
    same_corpus = manifest.get("corpus_fingerprint") == _fingerprint(docs)
    if same_corpus and manifest.get("format_version") == FORMAT_VERSION \
            and engine.index.settings == engine.build_settings:  # as `load_index` reads them, as a build compares
        return "reused"
    rebuild = same_corpus and manifest.get("format_version") != FORMAT_VERSION
    prefix = source_prefix(data.name)
    old: list[str] = []
    if engine.has_index and not rebuild:
        old = [e.doc.source for e in engine.index.docs]
        foreign = [s for s in old if not s.startswith(prefix)]
        if foreign:
            raise IndexProblem(f"index {engine.root} holds documents that are not from {data.name} "
                               f"(e.g. {foreign[0]}); give another --index")
    wanted = {d.source for d in docs}
    report = engine.apply(Change(docs, {s for s in old if s not in wanted}, {}), progress=progress,
                          rebuild=rebuild)
    return (f"{len(report.added)} added, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed")


def retrieve(index: Index, embedder: Embedder, queries: dict[str, str], retriever: Retriever,
             depth: int = DEPTH, progress: bool = False, qvecs=None) -> Run:  # noqa: ANN001
    """Top `depth` corpus ids per query, each scored by its best passage.

    Each query is encoded on its own, as `ask` does (pass `qvecs` to share them between retrievers).
    """
    qids = list(queries)
    if qvecs is None:
        qvecs = embedder.encode_queries([queries[q] for q in qids], progress=progress)
    corpus_id = _corpus_ids(index)
    run: dict[str, dict[str, float]] = {}
    for qid, qvec in tqdm(list(zip(qids, qvecs)), desc=f"querying ({retriever})", unit="q",
                          disable=not progress, file=sys.stderr):
        k = depth * PASSAGES_PER_DOC
        while True:
            hits = search(index, queries[qid], qvec, k=k, retriever=retriever)
            best: dict[str, float] = {}
            for h in hits:  # hits come best first, so the first passage of a doc is its best
                best.setdefault(corpus_id[h.passage.doc_id], h.score)
            if len(best) >= depth or len(hits) < k:
                break
            k *= 2
        run[qid] = dict(list(best.items())[:depth])
    return run


def write_run(path: Path, run: Run, tag: str) -> None:
    """A TREC run file: `qid Q0 docid rank score tag`, ranked as trec_eval will rank it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for qid, docs in run.items():
            for rank, doc in enumerate(trec_order(docs), 1):
                fh.write(f"{qid} Q0 {doc} {rank} {docs[doc]!r} {tag}\n")


def evaluate_beir(dataset_dir: Path, split: str, retrievers: list[Retriever], index: Path | None = None,
                  run_out: Path | None = None, progress: bool = False, model: str | None = None,
                  build: dict | None = None) -> BeirResult:
    """Index the dataset (or reuse its index), run each retriever, and score the runs.

    `build` overrides BuildSettings fields (e.g. chunk_tokens, bm25_context) to compare configurations.
    """
    from app.engine import Engine

    data = load_beir(dataset_dir, split)
    config = Config.from_env(index, default_index=default_index(dataset_dir, build))
    config = replace(config, model=model) if model else config
    try:
        settings = config.build_settings(**(build or {}))
    except TypeError as exc:
        raise BeirError(f"unknown build setting: {exc}") from None
    engine = Engine(settings=settings, config=config)
    t0 = time.perf_counter()
    status = ensure_index(engine, data, progress)
    result = BeirResult(data.name, split, str(engine.root), status, len(data.queries))
    result.seconds["index"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    qids = list(data.queries)
    embedder = engine.embedder.for_backend(engine.index.settings.backend)  # the one the index was built with
    qvecs = embedder.encode_queries([data.queries[q] for q in qids], progress=progress)
    result.seconds["encode_queries"] = round(time.perf_counter() - t0, 2)
    for r in retrievers:
        t0 = time.perf_counter()
        run = retrieve(engine.index, embedder, data.queries, r, progress=progress, qvecs=qvecs)
        result.seconds[f"search_{r}"] = round(time.perf_counter() - t0, 2)
        result.metrics[r], _ = ir_metrics(data.qrels, run)
        if run_out is not None:
            path = run_out if len(retrievers) == 1 else run_out.with_name(f"{run_out.stem}.{r}{run_out.suffix}")
            write_run(path, run, f"docqa-{r}")
            result.runs[r] = str(path)
    return result


def _manifest(engine) -> dict:  # noqa: ANN001 - app.engine.Engine
    """The live index's manifest; empty when there is none or it cannot be read."""
    try:
        return engine.manifest() or {}
    except IndexProblem:
        return {}


def _fingerprint(docs: list[Document]) -> str:
    return corpus_fingerprint([DocEntry("", d, "", 0) for d in docs])


def _corpus_ids(index: Index) -> dict[str, str]:
    """Index doc id -> corpus id: the doc id is a slug of the source, the corpus id its tail."""
    out = {}
    for e in index.docs:
        prefix, _, cid = e.doc.source.partition(":")
        out[e.doc_id] = cid.split("/", 1)[1] if prefix == "beir" else e.doc.source
    return out


def _jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise BeirError(f"{path}:{n} is not JSON ({exc})") from exc
    return rows


def format_result(result: BeirResult) -> str:
    """The metrics as a table, one row per retriever."""
    from app.evaluation.metrics import IR_METRICS

    lines = [f"{result.dataset} ({result.split}, {result.queries} queries); index {result.index}: "
             f"{result.index_status}",
             f"{'retriever':<10}" + "".join(f"{m:>12}" for m in IR_METRICS)]
    for r, m in result.metrics.items():
        lines.append(f"{r:<10}" + "".join(f"{m[k]:>12.4f}" for k in IR_METRICS))
    lines += [f"run ({r}): {p}" for r, p in result.runs.items()]
    return "\n".join(lines)
