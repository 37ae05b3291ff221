"""Run one `tsrnn` command and record what it printed, with the date, machine and library versions,
so every CLI output quoted in the README comes from a result file. Run from the repository root:

    python bench/cli_output.py quickstart_fit fit datasets/sp500.csv -q
    python bench/cli_output.py backtest_sp500 backtest datasets/sp500.csv --folds 5 --test-size 250 --seed 0 -q

writes `bench/results/<name>.json`. Run directories go to a temporary folder (`--out` is added for
fit and backtest) and their paths are replaced by `runs/<name>` in the recorded output.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import publish, result_header


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    name, arguments = sys.argv[1], sys.argv[2:]
    out = Path(tempfile.mkdtemp()) / name
    if arguments[0] in ("fit", "backtest") and "--out" not in arguments:
        arguments = [*arguments, "--out", str(out)]
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "tsrnn.cli", *arguments], capture_output=True, text=True)
    shown = [a for a in arguments if a != str(out)]
    if "--out" in shown:
        shown.remove("--out")
    publish({**result_header(), "command": "tsrnn " + " ".join(shown), "seconds": round(time.perf_counter() - started, 1),
             "exit_code": completed.returncode, "stdout": completed.stdout.replace(str(out), f"runs/{name}")},
            f"bench/results/{name}.json")


if __name__ == "__main__":
    main()
