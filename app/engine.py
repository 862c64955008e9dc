"""One place that holds the embedder and the loaded index for the CLI, the app and evaluation."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from app.answer import Answer, AnswerSettings, answer
from index.build import Change, ingest_paths, update
from index.embedder import Embedder
from index.search import Retriever
from index.settings import BuildSettings, Config
from index.store import Index, current_version, load_index
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
        self.embedder = embedder or Embedder.from_config(self.config)
        self.build_settings = settings or self.config.build_settings(model=self.embedder.model_id)
        self.answer_settings = answer_settings
        self._index: Index | None = None
        self._version: str | None = None
        self._lock = threading.Lock()

    @property
    def has_index(self) -> bool:
        """Whether an index has been built at `root`."""
        return current_version(self.root) is not None

    @property
    def index(self) -> Index:
        version = current_version(self.root)
        with self._lock:
            if self._index is None or version != self._version:
                self._index = load_index(self.root, self.build_settings)
                self._version = version
            return self._index

    def ask(self, question: str, k: int | None = None, retriever: Retriever = "hybrid") -> Answer:
        # load the index's embedding backend first, so latency_ms measures the answer alone
        self.embedder.for_backend(self.index.settings.backend).load()
        settings = self.answer_settings if k is None else replace(self.answer_settings, k=k)
        return answer(self.index, self.embedder, question, settings, retriever)

    def ingest(self, paths: list[Path], rebuild: bool = False, progress: bool = False,
               max_bytes: int | None = None) -> IngestReport:
        kw = {"max_bytes": max_bytes} if max_bytes else {}
        return ingest_paths(paths, self.root, self.embedder, self.build_settings,
                            rebuild=rebuild, progress=progress, **kw)

    def apply(self, change: Change, progress: bool = False, rebuild: bool = False) -> IngestReport:
        return update(self.root, change, self.embedder, self.build_settings, progress=progress,
                      rebuild=rebuild)

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
                       timeout: float | None = None) -> IngestReport:
        """`docqa ingest`: files and folders, and http(s) URLs, in one report. `related` adds the
        documents the default corpus's related.toml lists; with no sources and no `related`, the
        default corpus is ingested. `rebuild` starts from an empty index (once, for the files
        when there are any). Raises IndexProblem, or RelatedError for a bad related list."""
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
                                       max_bytes=max_bytes))
        if urls:
            reports.append(self.ingest_urls(urls, timeout=timeout, max_bytes=max_bytes,
                                            rebuild=rebuild and not reports))
        return IngestReport().merge(*reports)
