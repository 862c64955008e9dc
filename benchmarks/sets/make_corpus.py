"""Write the documents a question or claim set is about into one folder, ready for `docqa ingest`.

Each line of a set file names its document by `doc_id`: the shipped article
(`cooperation-on-foreign-and-security-policy`) or a SciFact abstract
(`scifact-<corpus id>`, written as Markdown with its title in the front matter).

    python benchmarks/sets/make_corpus.py benchmarks/questions/answers-tune.jsonl --out /tmp/qa-corpus
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "cooperation-on-foreign-and-security-policy"
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact" / "corpus.jsonl"


def doc_ids(set_files: list[Path]) -> set[str]:
    """Every `doc_id` named in the JSONL set files (an unanswerable question may name none)."""
    ids: set[str] = set()
    for path in set_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and json.loads(line).get("doc_id"):
                ids.add(json.loads(line)["doc_id"])
    return ids


def write_corpus(ids: set[str], out: Path, scifact: Path = SCIFACT) -> list[Path]:
    """Write the documents `ids` into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if ARTICLE in ids:
        for f in (ROOT / "corpus").glob(f"{ARTICLE}.*"):
            written.append(Path(shutil.copy(f, out / f.name)))
    wanted = {i.removeprefix("scifact-") for i in ids if i.startswith("scifact-")}
    with scifact.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["_id"] in wanted:
                title = row["title"].replace('"', "'")
                path = out / f"scifact-{row['_id']}.md"
                path.write_text(f'---\ntitle: "{title}"\n---\n\n{row["text"]}\n', encoding="utf-8")
                written.append(path)
                wanted.discard(row["_id"])
    unknown = sorted(wanted) + sorted(i for i in ids if i != ARTICLE and not i.startswith("scifact-"))
    if unknown:
        raise SystemExit(f"unknown doc_id(s): {', '.join(unknown)}")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="JSONL question or claim sets")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the documents into")
    args = parser.parse_args()
    files = write_corpus(doc_ids(args.sets), args.out)
    print(f"wrote {len(files)} files to {args.out}")


if __name__ == "__main__":
    main()
