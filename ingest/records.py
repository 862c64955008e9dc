"""The records that flow through docqa: a loaded document and its passages."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Region:
    """A run of body text in a document, under one section heading."""

    start: int
    end: int
    section: str | None = None


@dataclass(frozen=True)
class Document:
    """A loaded source: its full text plus where body text, sections and pages lie."""

    source: str  # absolute path or URL: the document's identity
    title: str
    text: str
    kind: str  # txt, md, html, pdf, docx, odt, pptx (a slide is a page), epub
    sha256: str  # of the raw bytes
    regions: tuple[Region, ...]
    page_starts: tuple[int, ...] = ()  # char offset where each page begins (PDF)
    published: str | None = None  # ISO date, published or last updated
    publisher: str | None = None
    url: str | None = None  # where the document can be read online
    warnings: tuple[str, ...] = ()
    author: str | None = None
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was recognised from a scan

    def __post_init__(self) -> None:
        # read back from JSON as a list; a tuple keeps the record hashable and comparable
        object.__setattr__(self, "ocr_pages", tuple(self.ocr_pages))

    def ocr_between(self, start: int, end: int) -> bool:
        """Whether any page holding chars `start`..`end` was read by OCR."""
        if not self.ocr_pages or not self.page_starts:
            return False
        first, last = self.page_at(start), self.page_at(max(end - 1, start))
        return any(first <= p <= last for p in self.ocr_pages)

    def page_at(self, offset: int) -> int | None:
        """1-based page holding char `offset`, or None for documents without pages."""
        if not self.page_starts:
            return None
        return max(bisect_right(self.page_starts, offset), 1)


@dataclass(frozen=True)
class Passage:
    """A span of a document small enough to embed whole; the unit of retrieval."""

    doc_id: str
    title: str
    source: str
    start: int
    end: int
    text: str
    section: str | None
    page_start: int | None
    page_end: int | None
    sentences: tuple[tuple[int, int], ...]  # absolute spans in the document text

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sentences"] = [list(s) for s in self.sentences]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        return cls(**{**d, "sentences": tuple(tuple(s) for s in d["sentences"])})


@dataclass(frozen=True)
class RelatedSource:
    """A document listed by URL (corpus/related.toml). Its title and publisher win over the
    page's own; its date is used only when the page states none."""

    url: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None  # ISO date


@dataclass
class IngestReport:
    """What one ingest run did, per source."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # source -> reason
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def merge(self, *others: IngestReport) -> IngestReport:
        """One report for a run that ingested in several steps (e.g. files, then URLs)."""
        out = IngestReport()
        for r in (self, *others):
            for name in ("added", "updated", "unchanged", "removed"):
                getattr(out, name).extend(getattr(r, name))
            out.skipped.update(r.skipped)
            out.warnings.update(r.warnings)
        return out
