"""Split one document's questions at random into a test and a tune part, or check that a split was made so.

The questions (the union of the input files) are sorted by id and shuffled with
`random.Random(seed)`; the first half goes to test, the rest to tune. When either
part would hold fewer than `--min-unanswerable` unanswerable questions (answer null),
the split is redone stratified: a fresh `random.Random(seed)` shuffles the answerable
questions (sorted by id), then the unanswerable ones (sorted by id); test takes the
first ceil(u/2) unanswerable and fills up to half the set with the first answerable
ones, tune takes the rest. Each part is written sorted by id.

    python benchmarks/questions/split_set.py ALL.jsonl --seed 13 --write article-test.jsonl article-tune.jsonl
    python benchmarks/questions/split_set.py article-test.jsonl article-tune.jsonl --seed 13 --check
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

Row = dict[str, object]


def _unanswerable(rows: list[Row]) -> int:
    return sum(r["answer"] is None for r in rows)


def split(rows: list[Row], seed: int, min_unanswerable: int) -> tuple[list[Row], list[Row], str]:
    """(test, tune, how) for `rows`: plain shuffle, or stratified when a part is short of unanswerable ones."""
    ordered = sorted(rows, key=lambda r: str(r["id"]))
    half = len(ordered) // 2
    shuffled = list(ordered)
    random.Random(seed).shuffle(shuffled)
    test, tune = shuffled[:half], shuffled[half:]
    if min(_unanswerable(test), _unanswerable(tune)) >= min_unanswerable:
        return _by_id(test), _by_id(tune), "plain"
    rng = random.Random(seed)
    answerable = [r for r in ordered if r["answer"] is not None]
    unanswerable = [r for r in ordered if r["answer"] is None]
    rng.shuffle(answerable)
    rng.shuffle(unanswerable)
    n_un = (len(unanswerable) + 1) // 2
    test = unanswerable[:n_un] + answerable[: half - n_un]
    tune = unanswerable[n_un:] + answerable[half - n_un :]
    return _by_id(test), _by_id(tune), "stratified"


def _by_id(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: str(r["id"]))


def read(paths: list[Path]) -> list[Row]:
    """Every question in the JSONL files."""
    return [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(rows: list[Row], path: Path) -> None:
    """One JSON object per line, non-ASCII kept as is (answers are exact document text)."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="JSONL question files (their union is split)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--min-unanswerable", type=int, default=10, help="per part, else split stratified")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", nargs=2, type=Path, metavar=("TEST", "TUNE"), help="write the two parts")
    mode.add_argument("--check", action="store_true", help="the two input files (test, tune) are this split")
    args = parser.parse_args()
    test, tune, how = split(read(args.sets), args.seed, args.min_unanswerable)
    for name, part in (("test", test), ("tune", tune)):
        print(f"{name}: {len(part)} questions, {_unanswerable(part)} unanswerable ({how} split, seed {args.seed})")
    if args.write:
        write(test, args.write[0])
        write(tune, args.write[1])
        return
    if len(args.sets) != 2:
        sys.exit("--check takes exactly two files: test, tune")
    same = [read([p]) == part for p, part in zip(args.sets, (test, tune))]
    print("split reproduced" if all(same) else "split does NOT match the files")
    sys.exit(0 if all(same) else 1)


if __name__ == "__main__":
    main()
