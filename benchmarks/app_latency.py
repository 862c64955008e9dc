"""Start-up time of `docqa serve` and per-question latency: in the browser, and through the API.

    .venv/bin/python benchmarks/app_latency.py [--index DIR] [-n 10]

Without --index it builds a fresh index of corpus/ in a temporary folder first (not timed).
Latency is measured from pressing Enter to the answer being on the page, in headless Chromium,
and as the round trip of `gradio_client`'s `/ask` (the first question of a fresh client apart).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCQA = str(Path(sys.executable).with_name("docqa"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path)
    ap.add_argument("-n", type=int, default=10, help="questions to ask")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    index = args.index or Path(tmp.name) / "index"
    if args.index is None:
        subprocess.run([DOCQA, "ingest", str(ROOT / "corpus"), "--index", str(index)], check=True,
                       capture_output=True)
    questions = [json.loads(line)["question"]
                 for line in (ROOT / "benchmarks/questions/article-dev.jsonl").open()][:args.n]

    port = free_port()
    t0 = time.perf_counter()
    server = subprocess.Popen([DOCQA, "serve", "--index", str(index), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "is ready at" in line:
                break
        startup = time.perf_counter() - t0
        seconds, server_ms = measure(f"http://127.0.0.1:{port}/", questions)
        api = measure_api(f"http://127.0.0.1:{port}/", questions)
    finally:
        server.terminate()
        server.wait(30)
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load:.1f}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"docqa serve: {startup:.1f} s from launch to ready (model loaded, index loaded, port open)")
    ms = sorted(s * 1000 for s in seconds)
    print(f"browser, Enter to answer on the page, {len(ms)} questions: median {statistics.median(ms):.0f} ms, "
          f"p90 {ms[int(0.9 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms "
          f"(server-side answer: median {statistics.median(server_ms):.0f} ms)")
    rest = sorted(s * 1000 for s in api[1:])
    print(f"gradio_client /ask round trip, {len(api)} questions: first {api[0] * 1000:.0f} ms, "
          f"then median {statistics.median(rest):.0f} ms, max {rest[-1]:.0f} ms")


def measure_api(url: str, questions: list[str]) -> list[float]:
    """Round-trip seconds of each question through a fresh `gradio_client` on the `/ask` endpoint."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    seconds = []
    for q in questions:
        t = time.perf_counter()
        client.predict(q, api_name="/ask")
        seconds.append(time.perf_counter() - t)
    return seconds


def measure(url: str, questions: list[str]) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    seconds, server_ms = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea")
        for q in questions:
            page.fill("#question textarea", q)
            t = time.perf_counter()
            page.press("#question textarea", "Enter")
            page.wait_for_function(
                "q => [...document.querySelectorAll('#answer .dq-result')].some(r => r.dataset.q === q)",
                arg=q, timeout=60_000)
            seconds.append(time.perf_counter() - t)
            meta = page.locator("#answer .dq-meta").first.inner_text()
            server_ms.append(float(re.search(r"(\d+) ms", meta).group(1)))
        browser.close()
    return seconds, server_ms


if __name__ == "__main__":
    main()
