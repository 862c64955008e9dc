"""Cold start: from launching `docqa ask` to its first line of answer, on the article index.

The index of `corpus/` is built first (not timed) in a temporary directory; then
`docqa ask --index DIR QUESTION` runs as a fresh process several times.

    .venv/bin/python benchmarks/cold_start.py --runs 3
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, load, percentile, record, table

QUESTION = "When did Norway and the EU sign the security and defence partnership?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_start = load()
    docqa = str(Path(sys.executable).with_name("docqa"))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([docqa, "ingest", "--index", tmp, str(ROOT / "corpus")], check=True,
                       capture_output=True, cwd=ROOT)
        rows, firsts = [], []
        for n in range(1, args.runs + 1):
            t0 = time.perf_counter()
            proc = subprocess.Popen([docqa, "ask", "--index", tmp, QUESTION], cwd=ROOT, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            first_line = proc.stdout.readline()
            first = time.perf_counter() - t0
            rest, err = proc.communicate()
            total = time.perf_counter() - t0
            if proc.returncode != 0 or not first_line.strip():
                raise SystemExit(f"docqa ask failed ({proc.returncode}): {err.strip()}")
            firsts.append(first)
            rows.append([n, f"{first:.2f}", f"{total:.2f}", first_line.strip()[:60]])
    body = (f"Cold start of `docqa ask` on the article index ({args.runs} fresh processes).\n\n"
            + table(["run", "s to first answer line", "s to exit", "first line"], rows)
            + f"\n\n- median to first answer: {percentile(firsts, 50):.2f} s")
    record("Cold start", body, load_start)


if __name__ == "__main__":
    main()
