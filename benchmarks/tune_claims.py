"""Choose the claim checker's contradiction threshold on a claim set (the tune part only): grid search.

The support threshold is trained with the support model (benchmarks/train_claims.py); this grid
searches `contradicted` (and may try other support thresholds beside the trained one).

Each claim's candidate spans are found and read once (`app.claims.gather`); every setting is
then judged on them (`app.claims.judge`, the code `docqa check` runs). A setting scores the
share of true claims supported, of altered claims contradicted with the source's value named
in the reason, and of unaddressed claims not supported and not contradicted; settings that
call any altered or unaddressed claim supported, or more than 10% of unaddressed claims
contradicted, are ruled out.

    .venv/bin/python benchmarks/tune_claims.py benchmarks/claims/claims-tune.jsonl benchmarks/claims/claims-tune2.jsonl --index IDX
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pickle  # noqa: E402

from app.claims import CONTRADICTED, SUPPORTED, CheckSettings, gather, judge, reread  # noqa: E402
from app.engine import Engine  # noqa: E402
from app.evaluation.claims import UNADDRESSED, is_correct, load_claims  # noqa: E402

GRID = {
    "supported": [None],  # the trained threshold (app/claim_weights.json)
    "contradicted": [round(0.9 + 0.05 * i, 3) for i in range(15)],  # 0.9 .. 1.6
}


def score(rows: list[tuple], settings: CheckSettings, index) -> tuple[float, dict]:  # noqa: ANN001
    """(objective, figures) of `settings` on the gathered claims; objective -1 when ruled out."""
    right = {"supported": 0, "contradicted": 0, "named": 0, "unaddressed": 0}
    total = {"supported": 0, "contradicted": 0, "unaddressed": 0}
    false_supported = unaddressed_contradicted = 0
    for claim, cands in rows:
        check = judge(index, cands, settings)
        total[claim.expect] += 1
        right[claim.expect] += bool(is_correct(claim.expect, check.verdict))
        if claim.expect == CONTRADICTED and check.verdict == CONTRADICTED and claim.source_value in check.reason:
            right["named"] += 1
        false_supported += claim.expect != SUPPORTED and check.verdict == SUPPORTED
        unaddressed_contradicted += claim.expect == UNADDRESSED and check.verdict == CONTRADICTED
    figures = {"supported": right["supported"] / total["supported"],
               "contradicted_named": right["named"] / total["contradicted"],
               "unaddressed": right["unaddressed"] / total["unaddressed"],
               "false_supported": false_supported, "unaddressed_contradicted": unaddressed_contradicted}
    if false_supported or unaddressed_contradicted > 0.1 * total["unaddressed"]:
        return -1.0, figures
    return figures["supported"] + figures["contradicted_named"] + figures["unaddressed"], figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=Path, nargs="+", help="the tune parts of claim sets (JSONL with expect)")
    parser.add_argument("--index", type=Path, required=True, help="an index of the set's documents")
    parser.add_argument("--top", type=int, default=10, help="settings to print")
    parser.add_argument("--cache", type=Path, help="keep the found spans here; later runs read them again")
    args = parser.parse_args()
    engine = Engine(args.index)
    base = CheckSettings()
    claims = [c for path in args.claims for c in load_claims(path) if c.expect in ("supported", "contradicted", UNADDRESSED)]
    if args.cache and args.cache.exists():  # the same spans and support, read by today's rules
        rows = pickle.loads(args.cache.read_bytes())
        for _, cands in rows:
            reread(engine.index, cands)
    else:
        rows = [(c, gather(engine.index, engine.embedder, c.claim, base)) for c in claims]
        if args.cache:
            args.cache.write_bytes(pickle.dumps(rows))
    print(f"{len(rows)} claims gathered; {len(list(itertools.product(*GRID.values())))} settings", flush=True)
    results = []
    for values in itertools.product(*GRID.values()):
        settings = replace(base, **dict(zip(GRID, values)))
        objective, figures = score(rows, settings, engine.index)
        results.append((objective, values, figures))
    results.sort(key=lambda r: (-r[0], [-(v or 0) for v in r[1]]))  # ties: the strictest setting first
    print("default:", score(rows, base, engine.index), asdict(base))
    for objective, values, figures in results[:args.top]:
        print(f"{objective:.3f}", dict(zip(GRID, values)), {k: round(v, 3) for k, v in figures.items()})


if __name__ == "__main__":
    main()
