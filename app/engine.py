"""One place that holds the embedder and the loaded index for the CLI, the app and evaluation."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from app.answer import Answer, AnswerSettings, answer
from index.build import Change, EncodeSpans, ingest_paths, update
from index.embedder import Embedder
from index.milvus_store import MilvusSpec, milvus_models_dir, parse_index
from index.protocol import Store
from index.search import Retriever
from index.settings import DEFAULT_INDEX, BuildSettings, Config
from index.store import IndexProblem, current_version, load_index, read_manifest
from ingest.ocr import OcrSettings
from ingest.records import IngestReport, RelatedSource


class Engine:
    """Loads the index on first use and again whenever an ingest has replaced it.

    `config` defaults to the environment's (`Config.from_env`); `index` overrides its index
    directory. `embedder` (e.g. one already loaded) defaults to the one `config` asks for,
    with exported models beside this index; `settings` (how to build) to `config`'s.
    """

    def __init__(self, index: str | Path | None = None, embedder: Embedder | None = None,
                 settings: BuildSettings | None = None, config: Config | None = None,
                 answer_settings: AnswerSettings = AnswerSettings()) -> None:
        self.config = (config or Config.from_env()).with_index(index)
        self.root = self.config.index
        # a directory (the local index), or a Milvus index (index.milvus_store.parse_index)
        self.milvus: MilvusSpec | None = _milvus_spec(self.root)
        if self.milvus is not None and self.config.models is None:  # no index directory to sit beside
            self.config = replace(self.config, models=milvus_models_dir(self.milvus))
        self.encode: EncodeSpans | None = None  # None: embed here (see use_ray)
        self.embedder = embedder or Embedder.from_config(self.config)
        self.build_settings = settings or self.config.build_settings(model=self.embedder.model_id)
        self.answer_settings = answer_settings
        self._index: Store | None = None
        self._milvus_client = None
        self._version: str | None = None
        self._lock = threading.Lock()

    @property
    def home(self) -> Path:
        """The folder for this index's local files (uploads): beside the index directory or the
        Milvus Lite file; for a Milvus server, `.docqa/` here."""
        if self.milvus is None:
            return self.root.resolve().parent
        return Path(self.milvus.uri).parent if self.milvus.lite else DEFAULT_INDEX.resolve().parent

    @property
    def has_index(self) -> bool:
        """Whether an index has been built at `root`."""
        if self.milvus is not None:
            return self._index is not None or self.manifest(missing_ok=True) is not None
        return current_version(self.root) is not None

    def manifest(self, missing_ok: bool = False) -> dict | None:
        """The index's manifest (model, settings, counts) without loading the index."""
        if self.milvus is None:
            if missing_ok and current_version(self.root) is None:
                return None
            return read_manifest(self.root)
        from index.milvus_store import read_manifest as read_milvus

        found = read_milvus(self._client(), self.milvus)
        if found is None and not missing_ok:
            raise IndexProblem(f"no index at {self.milvus}: run `docqa ingest --index {self.milvus}` first")
        return found

    @property
    def index(self) -> Store:
        if self.milvus is not None:
            return self._milvus_index()
        version = current_version(self.root)
        with self._lock:
            if self._index is None or version != self._version:
                self._index = load_index(self.root, self.build_settings)
                self._version = version
            return self._index

    def ask(self, question: str, k: int | None = None, retriever: Retriever = "hybrid") -> Answer:
        index = self.index  # the live version, read once
        # load the index's embedding backend first, so latency_ms measures the answer alone
        self.embedder.for_backend(index.settings.backend).load()
        settings = self.answer_settings if k is None else replace(self.answer_settings, k=k)
        return answer(index, self.embedder, question, settings, retriever)

    def ingest(self, paths: list[Path], rebuild: bool = False, progress: bool = False,
               max_bytes: int | None = None, ocr: OcrSettings = OcrSettings()) -> IngestReport:
        """Ingest files and folders; scanned PDF pages are OCR'd as `ocr` says, cached beside the index."""
        kw = {"max_bytes": max_bytes} if max_bytes else {}
        ocr = ocr.beside(self.home, progress)
        if self.milvus is not None:
            from index.milvus_build import ingest_paths_milvus

            return self._wrote(ingest_paths_milvus(paths, self.milvus, self.embedder, self.build_settings,
                                                   rebuild=rebuild, progress=progress, encode=self.encode,
                                                   ocr=ocr, **kw))
        return ingest_paths(paths, self.root, self.embedder, self.build_settings,
                            rebuild=rebuild, progress=progress, encode=self.encode, ocr=ocr, **kw)

    def apply(self, change: Change, progress: bool = False, rebuild: bool = False) -> IngestReport:
        if self.milvus is not None:
            from index.milvus_build import apply_change_milvus

            return self._wrote(apply_change_milvus(self.milvus, change, self.embedder, self.build_settings,
                                                   rebuild=rebuild, progress=progress, encode=self.encode))
        return update(self.root, change, self.embedder, self.build_settings, progress=progress,
                      rebuild=rebuild, encode=self.encode)

    def use_ray(self, address: str | None = None, workers: int = 2) -> None:
        """Embed ingests on Ray (`address`: a cluster; None: a local instance with `workers` CPUs),
        `workers` actors each with one ONNX session. Ray starts now: a bad address fails before
        anything is read or written."""
        from index.ray_embed import ray_encode_spans, start_ray

        self.encode = ray_encode_spans(self.embedder.for_backend(self.build_settings.backend), workers, address)
        start_ray(address, workers)

    def _client(self):  # noqa: ANN202 - pymilvus.MilvusClient, one per engine
        from index.milvus_store import connect

        if self._milvus_client is None:
            self._milvus_client = connect(self.milvus)
        return self._milvus_client

    def _milvus_index(self) -> Store:
        from index.milvus_store import MilvusIndex

        with self._lock:
            if self._index is None:
                index = MilvusIndex(self.milvus, self._client())
                if index.manifest["model"] != self.build_settings.model:
                    raise IndexProblem(f"index was built with model {index.manifest['model']!r} but "
                                       f"{self.build_settings.model!r} is configured; set DOCQA_MODEL="
                                       f"{index.manifest['model']}, or ingest with --rebuild")
                self._index = index
            return self._index

    def _wrote(self, report: IngestReport) -> IngestReport:
        """After an ingest into Milvus: read the manifest again on next use (a rebuild may change it)."""
        with self._lock:
            self._index = None
        return report

    def ingest_urls(self, urls: list[str | RelatedSource], timeout: float | None = None,
                    max_bytes: int | None = None, rebuild: bool = False) -> IngestReport:
        """Fetch web pages and PDFs (URLs or `RelatedSource`s) and add them (`rebuild`: instead of
        what the index held); failures are reported per URL, and when nothing could be fetched
        the index is not touched."""
        from ingest.fetch import fetch_all

        kw = {k: v for k, v in (("timeout", timeout), ("max_bytes", max_bytes)) if v}
        docs, skipped = fetch_all(urls, **kw)
        return self.apply(Change(docs, set(), skipped), rebuild=rebuild) if docs else IngestReport(skipped=skipped)

    def ingest_sources(self, sources: list[str | Path] | None = None, related: bool = False,
                       rebuild: bool = False, progress: bool = False, max_bytes: int | None = None,
                       timeout: float | None = None, ocr: OcrSettings = OcrSettings()) -> IngestReport:
        """`docqa ingest`: files and folders, and http(s) URLs, in one report. `related` adds the
        documents the default corpus's related.toml lists; with no sources and no `related`, the
        default corpus is ingested; scanned PDF pages among the files are read as `ocr` says.
        `rebuild` starts from an empty index (once, for the files when there are any). Raises
        IndexProblem, or RelatedError for a bad related list."""
        from ingest.discover import default_corpus
        from ingest.fetch import is_url
        from ingest.related import read_related

        names = [str(s) for s in sources or []]
        urls: list[str | RelatedSource] = [s for s in names if is_url(s)]
        files = [Path(s) for s in names if not is_url(s)]
        urls += read_related() if related else []
        reports = []
        if files or not (urls or related):
            reports.append(self.ingest(files or [default_corpus()], rebuild=rebuild, progress=progress,
                                       max_bytes=max_bytes, ocr=ocr))
        if urls:
            reports.append(self.ingest_urls(urls, timeout=timeout, max_bytes=max_bytes,
                                            rebuild=rebuild and not reports))
        return IngestReport().merge(*reports)


def _milvus_spec(root: Path) -> MilvusSpec | None:
    target = parse_index(root)
    return target if isinstance(target, MilvusSpec) else None
