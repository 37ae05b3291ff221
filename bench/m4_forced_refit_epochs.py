"""`bench/m4.py` with the refit's epochs forced to N: how much the refit's epoch count weighs, the
validated network (and every choice made on it) unchanged.

A diagnostic, not a lever: the fit runs as `bench/m4.py` runs it (same arguments), except that the
networks trained again on every row train for N epochs whatever validation read off its losses
(stderr says which count it replaced). The result file's `choices` still record the epochs that
validation read, so name the file after N:

    python bench/m4_forced_refit_epochs.py 8 --validation --out bench/results/m4_forced_refit_epochs_8_validation.json
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main() -> None:
    import tsrnn.forecasting.fitting as fitting

    epochs, arguments = int(sys.argv[1]), sys.argv[2:]
    refit_networks = fitting.refit_networks

    def forced(start, every_row, spec, train, chosen, *rest, **keywords):
        print(f"refit: validation read {chosen} epochs, forced to {epochs}", file=sys.stderr, flush=True)
        return refit_networks(start, every_row, spec, train, epochs, *rest, **keywords)

    fitting.refit_networks = forced
    bench = Path(__file__).resolve().parent
    sys.argv = [str(bench / "m4.py"), *arguments]
    runpy.run_path(str(bench / "m4.py"), run_name="__main__")


if __name__ == "__main__":
    main()
