"""What every benchmark records about where it ran."""
from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path


def machine() -> str:
    """CPU model and core count, e.g. 'Intel(R) Xeon(R) Processor, 2 cores'."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores"


def cpu(machine: str) -> str:
    """The processor's maker and family from a result's `machine` ("Intel(R) Xeon(R) Processor, 2 cores": "Intel Xeon")."""
    return " ".join(machine.split(",")[0].replace("(R)", "").replace("Processor", "").split())


def result_header() -> dict:
    """Date, machine, Keras backend and library versions, read from this process."""
    from tsrnn.io.run_dir import keras_backend, library_versions

    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
            "backend": keras_backend(), "versions": library_versions()}


def publish(summary: dict, out: str | None) -> None:
    """Print the result JSON and, with `out`, write it there too."""
    text = json.dumps(summary, indent=1)
    print(text)
    if out:
        Path(out).write_text(text + "\n")


def revision() -> str:
    """The git commit of the code measured, with "+changes" when the work tree differs from it."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")
