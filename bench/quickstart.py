"""Run the README's quickstart command (`tsrnn fit datasets/sp500.csv`) and record its output with the
date, machine and library versions, so the README quotes a result file. Run from the repository root:

    python bench/quickstart.py [--out bench/results/quickstart_fit.json]
"""
from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import machine

from tsrnn.runs import library_versions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/quickstart_fit.json")
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp()) / "sp500"
    command = ["tsrnn", "fit", "datasets/sp500.csv", "-q", "--out", str(run_dir)]
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "tsrnn.cli", *command[1:]], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    result = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": library_versions(),
        "command": " ".join(command[:3]) + " -q",
        "seconds": round(seconds, 1),
        "exit_code": completed.returncode,
        "stdout": completed.stdout.replace(str(run_dir), "runs/sp500-lstm-<time>"),
        "epochs_trained": json.loads((run_dir / "run.json").read_text())["epochs_trained"] if run_dir.is_dir() else None,
    }
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(result["stdout"])


if __name__ == "__main__":
    main()
