"""One place that holds the embedder and the loaded index for the CLI, the app and evaluation."""

from __future__ import annotations

import threading
from pathlib import Path

from app.answer import Answer, AnswerSettings, answer
from index.build import Change, ingest_paths, update
from index.embedder import Embedder, model_cache_dir
from index.search import Retriever
from index.settings import BuildSettings, index_dir
from index.store import Index, load_index
from ingest.ocr import OcrSettings
from ingest.records import IngestReport
from ingest.related import RelatedSource


class Engine:
    """Loads the index on first use and again whenever an ingest has replaced it."""

    def __init__(self, index: str | Path | None = None, model: str | None = None,
                 answer_settings: AnswerSettings = AnswerSettings()) -> None:
        self.root = index_dir(index)
        self.embedder = Embedder(model, cache_dir=model_cache_dir(self.root))  # beside this index
        self.build_settings = BuildSettings(model=self.embedder.model_id)
        self.answer_settings = answer_settings
        self._index: Index | None = None
        self._version: str | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> Index:
        current = self.root / "CURRENT"
        version = current.read_text().strip() if current.is_file() else None
        with self._lock:
            if self._index is None or version != self._version:
                self._index = load_index(self.root, self.build_settings)
                self._version = version
            return self._index

    def ask(self, question: str, k: int | None = None, retriever: Retriever = "hybrid") -> Answer:
        # load the index's embedding backend first, so latency_ms measures the answer alone
        self.embedder.for_settings(self.index.settings).load()
        settings = self.answer_settings
        if k is not None:
            from dataclasses import replace

            settings = replace(settings, k=k)
        return answer(self.index, self.embedder, question, settings, retriever)

    def ingest(self, paths: list[Path], rebuild: bool = False, progress: bool = False,
               max_bytes: int | None = None, ocr: OcrSettings = OcrSettings()) -> IngestReport:
        """Ingest files and folders; scanned PDF pages are OCR'd as `ocr` says, cached beside the index."""
        kw = {"max_bytes": max_bytes} if max_bytes else {}
        return ingest_paths(paths, self.root, self.embedder, self.build_settings, rebuild=rebuild,
                            progress=progress, ocr=ocr.beside(self.root, progress), **kw)

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
