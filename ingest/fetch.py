"""Fetch web pages and PDFs over HTTP(S) and load them as Documents whose source is the URL.

Re-fetching is always a full GET: an unchanged page has the same sha256, so the index
reports it unchanged and re-embeds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace

import httpx

from ingest.decode import DecodeError
from ingest.discover import DEFAULT_MAX_BYTES
from ingest.loaders import LoadError, load_bytes
from ingest.reasons import first_line, too_large
from ingest.records import Document, RelatedSource

DEFAULT_TIMEOUT = 20.0  # seconds, for connecting, each read, and the whole body
MAX_REDIRECTS = 5
USER_AGENT = "docqa/0.1 (document question answering; fetches pages a user names)"

_KINDS = {"text/html": "html", "application/xhtml+xml": "html", "application/pdf": "pdf",
          "application/x-pdf": "pdf", "text/plain": "txt", "text/markdown": "md",
          "text/x-markdown": "md"}
_UNLABELLED = {"", "application/octet-stream", "binary/octet-stream"}  # kind decided by content


class FetchError(Exception):
    """The URL could not be fetched as a document; the message says why, in one line."""


def is_url(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://"))


def fetch_all(targets: Iterable[str | RelatedSource], *, timeout: float = DEFAULT_TIMEOUT,
              max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[Document], dict[str, str]]:
    """Fetch each URL once; returns the documents and, per URL that failed, the reason."""
    wanted: dict[str, RelatedSource] = {}
    for t in targets:
        listed = t if isinstance(t, RelatedSource) else RelatedSource(t.strip())
        wanted.setdefault(listed.url, listed)
    docs: list[Document] = []
    skipped: dict[str, str] = {}
    with _client(timeout) as client:
        for url, listed in wanted.items():
            try:
                docs.append(fetch(url, listed, client=client, timeout=timeout, max_bytes=max_bytes))
            except FetchError as exc:
                skipped[url] = str(exc)
    return docs, skipped


def fetch(url: str, listed: RelatedSource | None = None, *, client: httpx.Client | None = None,
          timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """GET `url` (following redirects) and load it; raises FetchError with a one-line reason."""
    if not is_url(url):
        raise FetchError("not an http(s) URL")
    if client is None:
        with _client(timeout) as own:
            return fetch(url, listed, client=own, timeout=timeout, max_bytes=max_bytes)
    try:
        data, kind, final = _get(client, url, timeout, max_bytes)
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise FetchError(f"invalid URL ({exc})") from None
    except (httpx.ConnectError, httpx.ProxyError) as exc:
        raise FetchError(f"unreachable (network error: {first_line(exc)})") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"network error: {first_line(exc)}") from None
    listed = listed or RelatedSource(url)
    meta = {"title": listed.title, "publisher": listed.publisher, "url": final}
    try:
        doc = load_bytes(data, url, kind, meta)
    except (LoadError, DecodeError) as exc:
        raise FetchError(str(exc)) from None
    if doc.published is None and listed.published:  # the page states no date: use the list's
        doc = replace(doc, published=listed.published)
    return doc


def _client(timeout: float) -> httpx.Client:
    return httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout,
                        headers={"User-Agent": USER_AGENT,
                                 "Accept": "text/html, application/xhtml+xml, application/pdf, "
                                           "text/plain;q=0.8, */*;q=0.1"})


def _get(client: httpx.Client, url: str, timeout: float, max_bytes: int) -> tuple[bytes, str, str]:
    """(body, kind, final URL); the size and a total time limit are enforced while streaming."""
    deadline = time.monotonic() + timeout  # httpx's timeout is per read: a trickle could last forever
    with client.stream("GET", url) as r:
        if r.status_code >= 400:
            raise FetchError(f"HTTP {r.status_code} {r.reason_phrase}".strip())
        ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
        kind = _KINDS.get(ctype)
        if kind is None and ctype not in _UNLABELLED:
            raise FetchError(f"not a text document (content type {ctype})")
        length = r.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchError(too_large(int(length), max_bytes))
        body = bytearray()
        for chunk in r.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(too_large(None, max_bytes))
            if time.monotonic() > deadline:
                raise FetchError(f"timed out after {timeout:g} s (body still arriving)")
        data = bytes(body)
        if kind is None:
            kind = _sniff(data, ctype)
        return data, kind, str(r.url)


def _sniff(data: bytes, ctype: str) -> str:
    """Servers often label PDFs and pages as generic binary: trust the content's own signature."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    raise FetchError(f"not a text document (content type {ctype or 'missing'})")
