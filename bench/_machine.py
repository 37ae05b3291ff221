"""What every benchmark records about where it ran."""
from __future__ import annotations

import os
import platform


def machine() -> str:
    """CPU model and core count, e.g. 'Intel(R) Xeon(R) Processor, 2 cores'."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores"
