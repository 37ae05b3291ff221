"""Draw the README's fan chart: the default forecaster on the shipped prices, one step ahead, with
its 80 and 95 % conformal bands over the last 120 test days. Run from the repository root:

    python bench/fan_chart.py [--out bench/results/fan_sp500.png]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from tsrnn import Forecaster
from tsrnn.forecasting.plots import forecast_plot
from tsrnn.io.tables import read_series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="datasets/sp500.csv")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--out", default="bench/results/fan_sp500.png")
    args = parser.parse_args()
    series = read_series(args.data)
    forecaster = Forecaster(seed=0).fit(series)
    start = series.index[-args.days]
    frame = forecaster.forecast_frame(series, start=start, level=[80, 95])
    forecast_plot(frame, Path(args.out), "Close", title=f"S&P 500, one day ahead with 80 and 95 % bands, last {args.days} test days")
    print(f"{args.out}: {len(frame)} days, 80% band covered {((frame.actual >= frame.lo_80) & (frame.actual <= frame.hi_80)).mean():.3f}")


if __name__ == "__main__":
    main()
