"""Forecast from raw rows with an exported tsrnn forecaster, using onnxruntime and NumPy alone.

`tsrnn export RUN --format onnx --out SERVING` writes `SERVING/model.onnx` and
`SERVING/serving.json`; this file needs neither tsrnn nor TensorFlow (copy it next to a server):

    python scripts/serve_onnx.py SERVING prices.csv      # prints the forecast beyond the last row
    python scripts/serve_onnx.py SERVING AAPL.csv AAPL   # a panel's run: name the series

In code:

    served = ExportedForecaster("SERVING")           # a panel's run: ExportedForecaster("SERVING", series="AAPL")
    inputs = served.input_rows(columns)             # {column: raw values, oldest first} -> the inputs' rows
    forecasts = served.forecast(inputs, targets)   # raw rows, oldest first: every window's forecast
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class ExportedForecaster:
    """An exported forecaster: `serving.json` and the ONNX network, run with onnxruntime."""

    def __init__(self, directory: str | Path, series: str | None = None) -> None:
        import onnxruntime

        directory = Path(directory)
        self.spec = json.loads((directory / "serving.json").read_text())
        if "series" in self.spec:  # a panel's run: one network, each series' own scalers
            if series not in self.spec["series"]:
                raise SystemExit(f"error: this export serves the series {', '.join(self.spec['series'])}; name one "
                                 f"(got {series!r})")
            self.spec = {**self.spec, **self.spec["series"][series]}
        self.session = onnxruntime.InferenceSession(str(directory / self.spec["model_file"]),
                                                    providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def input_rows(self, columns) -> np.ndarray:
        """`(rows, len(spec["inputs"]))`: the raw values of every input, from the data's columns
        (`{name: values, oldest first}`); a lagged target (`spec["lagged_inputs"]`, e.g. `value@t-120`)
        is its column that many rows back, the column's first value before its start.
        """
        lagged = self.spec.get("lagged_inputs", {})
        found = []
        for column in self.spec["inputs"]:
            if column not in lagged:
                found.append(np.asarray(columns[column], dtype=np.float64))
                continue
            source, rows = np.asarray(columns[lagged[column]["column"]], dtype=np.float64), lagged[column]["rows_back"]
            found.append(np.concatenate([np.full(min(rows, len(source)), source[0]), source[: max(len(source) - rows, 0)]]))
        return np.column_stack(found)

    def forecast(self, inputs: np.ndarray, targets: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """Forecasts `(windows, horizon, targets)` in the data's units for every window of the raw rows.

        `inputs`: `(rows, len(spec["inputs"]))` raw values of the input columns, oldest first (see
        `input_rows`);
        `targets`: `(rows, len(spec["targets"]))` raw values of the target columns. Window k ends at
        row `spec["first_end"] + k`; the last one forecasts beyond the data.
        """
        spec = self.spec
        steps = np.column_stack([_changes(np.asarray(inputs[:, i], dtype=np.float64), transform)
                                 for i, transform in enumerate(spec["input_transforms"])])
        scaled = (np.nan_to_num(steps, nan=0.0) * spec["input_scaling"]["multiply"]
                  + spec["input_scaling"]["add"]).astype(np.float32)
        constants = np.asarray(spec.get("series_columns", []), dtype=np.float32)  # static covariates, embedding slot
        scaled = np.hstack([scaled, np.broadcast_to(constants, (len(scaled), len(constants)))])
        lookback, first = spec["lookback"], spec["first_end"]
        windows = np.lib.stride_tricks.sliding_window_view(scaled, lookback, axis=0).transpose(0, 2, 1)
        windows = windows[first - lookback + 1 :]
        outputs = np.concatenate([self.session.run(None, {self.input_name: np.ascontiguousarray(windows[i : i + batch_size])})[0]
                                  for i in range(0, len(windows), batch_size)])
        transformed = (outputs.astype(np.float64) - spec["target_scaling"]["add"]) / spec["target_scaling"]["multiply"]
        transformed = transformed * spec.get("forecast_weight", 1.0)  # the series' shrinkage toward its anchor
        ends = np.arange(first, first + len(windows))
        targets = np.asarray(targets, dtype=np.float64)
        anchors = targets[ends[:, None] + np.asarray(spec["anchor_offsets"])]
        if spec.get("long_season_weight"):  # plus the longer season's naive change (0 where the rows start too late)
            rows = ends[:, None] + np.asarray(spec["long_season_offsets"])
            naive = targets[np.clip(rows, 0, None)]
            change = naive - anchors if spec["target_transform"] == "difference" else np.log(naive) - np.log(anchors)
            transformed = transformed + spec["long_season_weight"] * np.where((rows >= 0)[..., None], change, 0.0)
        if spec.get("drift_weight"):  # plus the seasonal naive's drift: last season's mean over the one before
            season = spec["drift_season"]
            sums = np.vstack([np.zeros((1, targets.shape[1])), np.cumsum(targets, axis=0)])
            known = ends - 2 * season + 1 >= 0
            last = np.clip(np.where(known, ends, 2 * season - 1), 0, len(targets) - 1) + 1
            latest = (sums[last] - sums[np.clip(last - season, 0, None)]) / season
            before = (sums[np.clip(last - season, 0, None)] - sums[np.clip(last - 2 * season, 0, None)]) / season
            with np.errstate(divide="ignore", invalid="ignore"):
                growth = latest - before if spec["target_transform"] == "difference" else np.log(latest) - np.log(before)
            drift = np.asarray(spec["drift_seasons_ahead"], dtype=np.float64)[None, :, None] * np.nan_to_num(growth)[:, None, :]
            transformed = transformed + spec["drift_weight"] * np.where(known[:, None, None], drift, 0.0)
        if spec["target_transform"] == "log_return":
            return anchors * np.exp(transformed)
        if spec["target_transform"] == "difference":
            return anchors + transformed
        return transformed


def _changes(values: np.ndarray, transform: str) -> np.ndarray:
    """The step changes of one column, as `tsrnn.features.windowing.step_changes` computes them (restated on
    purpose: this file must run without tsrnn; tests/test_export.py holds the two equal)."""
    if transform == "level":
        return values
    if transform == "log_return":
        values = np.log(values)
    elif transform == "log1p_difference":
        values = np.log1p(values)
    return np.concatenate([[np.nan], np.diff(values)])


def main(directory: str, csv_path: str, series: str | None = None) -> None:
    served = ExportedForecaster(directory, series)
    table = np.genfromtxt(csv_path, delimiter=",", names=True, dtype=None, encoding="utf-8-sig",
                          deletechars="", replace_space=" ")
    names = {name.strip(): name for name in table.dtype.names}
    read = {*served.spec["targets"], *served.spec["inputs"]} - set(served.spec.get("lagged_inputs", {}))
    inputs = served.input_rows({column: table[names[column]].astype(float) for column in read})
    targets = np.column_stack([table[names[column]].astype(float) for column in served.spec["targets"]])
    last = served.forecast(inputs, targets)[-1]
    for step in range(served.spec["horizon"]):
        for column, value in zip(served.spec["targets"], last[step]):
            print(f"{column}_t+{served.spec['gap'] + step + 1},{value:.6f}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Forecast beyond the last row of a CSV with an exported tsrnn forecaster "
                                                 "(onnxruntime and NumPy only).")
    parser.add_argument("serving", help="The folder `tsrnn export` wrote (model.onnx and serving.json).")
    parser.add_argument("csv", help="Raw rows, oldest first, with the columns serving.json names.")
    parser.add_argument("series", nargs="?", default=None, help="For a panel's export: the series to forecast.")
    arguments = parser.parse_args()
    main(arguments.serving, arguments.csv, arguments.series)
