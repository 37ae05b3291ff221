"""One benchmark at two revisions of tsrnn, alternating in one run: did a change make it slower?

Checks the base revision out into a temporary git worktree and runs the given bench (a script in
`bench/` that prints JSON) against that tree and against this one in turn, `--rounds` times,
alternating which goes first, each in its own process with `PYTHONPATH` pointing at its tree.
Prints every round's JSON and, for each key named by `--keys`, the median of each side and their
ratio (this tree over the base).

    python bench/revisions.py --base 5688caa --bench train_overhead.py --keys seconds.tsrnn_fit \\
        --rounds 2 --out bench/results/train_overhead_revisions.json -- --repeats 3 --windows 50000
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import publish, result_header

REPO = Path(__file__).resolve().parents[1]


def run(tree: Path, bench: str, arguments: list[str]) -> dict:
    """The bench's JSON, run with `tree`'s tsrnn (and `tree`'s copy of the bench)."""
    completed = subprocess.run([sys.executable, str(tree / "bench" / bench), *arguments], cwd=tree, capture_output=True,
                               text=True, check=True, env={**os.environ, "PYTHONPATH": str(tree)})
    return json.loads(completed.stdout[completed.stdout.index("{"):])


def value_at(record: dict, key: str):
    """`record["seconds"]["tsrnn_fit"]` for the key `seconds.tsrnn_fit`; a list is summarised by its median."""
    for part in key.split("."):
        record = record[part]
    return statistics.median(record) if isinstance(record, list) else record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="The revision to compare against (a commit, tag or branch).")
    parser.add_argument("--bench", required=True, help="A script in bench/ that prints JSON.")
    parser.add_argument("--keys", default="", help="Comma-separated dotted keys of its JSON to compare.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=None)
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="After --: the bench's own arguments.")
    args = parser.parse_args()
    arguments = [a for a in args.arguments if a != "--"]
    base_commit = subprocess.run(["git", "rev-parse", args.base], cwd=REPO, capture_output=True, text=True,
                                 check=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        base_tree = Path(folder) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), base_commit], cwd=REPO, check=True,
                       capture_output=True)
        try:
            rounds = []
            for number in range(args.rounds):
                order = [("base", base_tree), ("head", REPO)] if number % 2 == 0 else [("head", REPO), ("base", base_tree)]
                results = {side: run(tree, args.bench, arguments) for side, tree in order}
                rounds.append({"first": order[0][0], **results})
                print(json.dumps({"round": number, "first": order[0][0]}), file=sys.stderr, flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=REPO, capture_output=True)
    compared = {}
    for key in [k for k in args.keys.split(",") if k]:
        base = statistics.median(value_at(r["base"], key) for r in rounds)
        mine = statistics.median(value_at(r["head"], key) for r in rounds)
        compared[key] = {"base_median": base, "head_median": mine, "head_over_base": round(mine / base, 3)}
    publish({**result_header(), "bench": args.bench, "arguments": arguments, "base": base_commit, "head": head,
             "order": "rounds alternate: base first in even rounds, head first in odd", "compared": compared,
             "rounds": rounds}, args.out)


if __name__ == "__main__":
    main()
