"""What the benchmark scripts share: paths, the machine, timing and appending to RESULTS.md."""

from __future__ import annotations

import os
import platform
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
CACHE = ROOT / ".docqa" / "bench-cache"  # derived data only (embeddings), never committed

HEADER = """# Benchmark results

Figures appended by the scripts in `benchmarks/` (newest last), each with its date,
machine and the exact command. The machine is shared: the load average shows how
busy it was, so compare ratios measured in one run rather than absolute figures.
"""

if str(ROOT) not in sys.path:  # run as `python benchmarks/x.py` from anywhere
    sys.path.insert(0, str(ROOT))


def machine() -> str:
    """Cores, CPU model and Python, e.g. "2 cores, AMD EPYC, Python 3.11.9"."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def load() -> str:
    """The 1-minute load average, to show how busy the shared machine was."""
    return f"{os.getloadavg()[0]:.1f}"


def command() -> str:
    """The command line that ran this script, as it can be pasted."""
    exe = os.path.relpath(sys.executable, Path.cwd()) if sys.executable.startswith(str(ROOT)) else sys.executable
    return " ".join(shlex.quote(a) for a in [exe, *sys.argv])


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table; floats with 4 decimals unless already formatted."""
    def cell(v: object) -> str:
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def record(title: str, body: str, load_start: str, append: bool = True) -> None:
    """Print the figures with date, machine and command; append them to RESULTS.md unless not `append`."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = (f"\n## {title} ({stamp})\n\n"
               f"- machine: {machine()}; load average {load_start} at start, {load()} at end\n"
               f"- command: `{command()}` (from `{ROOT.name}/`)\n\n{body.strip()}\n")
    print(section)
    if not append:
        return
    if not RESULTS.exists():
        RESULTS.write_text(HEADER)
    with open(RESULTS, "a", encoding="utf-8") as fh:  # append: other scripts write here too
        fh.write(section)


class Timer:
    """`with Timer() as t: ...` then `t.seconds`."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
