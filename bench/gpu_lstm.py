"""Seconds per epoch of the `lstm` preset (IMDB shape) under Keras next to a raw PyTorch cuDNN LSTM.

Same data (token ids `(samples, 200)`, vocab 10,000), same layers (Embedding(10000, 128) +
LSTM(64) + Dense(1)), same batch sizes, in one run; each timing is the second epoch (the first
builds and compiles). The preset is timed twice: fed NumPy arrays (Keras copies every batch to
the device) and fed arrays already on the device (a torch tensor or a JAX array), the first of
the per-step levers to try. With `--npz` it also trains the IMDB preset through `tsrnn.text.sentiment` and
reports test accuracy. Runs on whatever device the backend finds (the H200 via
`bench/gpu_check.sh`, or the CPU here for a check of the script itself):

    KERAS_BACKEND=torch python bench/gpu_lstm.py --samples 20000 --batch-sizes 64,512 --out bench/results
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

import numpy as np


def raw_torch_seconds(tokens: np.ndarray, labels: np.ndarray, batch_size: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    device = "cuda" if torch.cuda.is_available() else "cpu"

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(10000, 128)
            self.lstm = torch.nn.LSTM(128, 64, batch_first=True)
            self.head = torch.nn.Linear(64, 1)

        def forward(self, x):
            _, (hidden, _) = self.lstm(self.embedding(x))
            return self.head(hidden[-1]).squeeze(-1)

    net = Net().to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    x = torch.as_tensor(tokens, dtype=torch.long, device=device)
    y = torch.as_tensor(labels, dtype=torch.float32, device=device)

    def epoch():
        order = torch.randperm(len(x), device=device)
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(net(x[batch]), y[batch]).backward()
            optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()

    epoch()  # warm-up: cuDNN plans, allocator
    started = time.perf_counter()
    epoch()
    return time.perf_counter() - started


def on_device(array: np.ndarray):
    """`array` placed on the backend's accelerator (a lever: no host-to-device copy per step)."""
    import keras

    if keras.backend.backend() == "torch":
        import torch

        return torch.as_tensor(array, device="cuda" if torch.cuda.is_available() else "cpu")
    if keras.backend.backend() == "jax":
        import jax

        return jax.device_put(array)
    return array


def keras_seconds(tokens, labels, batch_size: int) -> float:
    from tsrnn.nn import zoo
    from tsrnn.nn.callbacks import EpochTimer

    model = zoo.build("lstm")
    timer = EpochTimer()
    model.fit(tokens, labels, epochs=2, batch_size=batch_size, callbacks=[timer], verbose=0)
    return timer.seconds[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--batch-sizes", default="64,512")
    parser.add_argument("--npz", default=None, help="imdb.npz-layout file: also train the IMDB preset for accuracy")
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    import keras

    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 10000, size=(args.samples, 200)).astype("int32")
    labels = rng.integers(0, 2, size=args.samples).astype("float32")
    device = "cpu"
    try:
        import torch

        device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    except ImportError:
        pass
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, device: {device}",
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "samples": args.samples,
        "seconds_per_epoch": {},
    }
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        raw = raw_torch_seconds(tokens, labels, batch_size)
        tsrnn_seconds = keras_seconds(tokens, labels, batch_size)
        try:
            device_seconds = keras_seconds(on_device(tokens), on_device(labels), batch_size)
        except Exception as error:  # a lever under test: report, do not stop the run
            device_seconds, device_error = None, f"{type(error).__name__}: {str(error)[:200]}"
        else:
            device_error = None
        report["seconds_per_epoch"][str(batch_size)] = {
            "raw_torch_cudnn": None if raw is None else round(raw, 3),
            "tsrnn_lstm_preset": round(tsrnn_seconds, 3),
            "ratio": None if raw is None else round(tsrnn_seconds / raw, 2),
            "tsrnn_lstm_preset_data_on_device": None if device_seconds is None else round(device_seconds, 3),
            "ratio_data_on_device": None if raw is None or device_seconds is None else round(device_seconds / raw, 2),
            **({"data_on_device_error": device_error} if device_error else {}),
        }
        print(json.dumps({"batch_size": batch_size, **report["seconds_per_epoch"][str(batch_size)]}), flush=True)
    if args.npz:
        from tsrnn.text import sentiment

        result = sentiment.train(sentiment.SentimentConfig(model="lstm", data=args.npz, seed=0), verbose=2)
        report["imdb_lstm"] = {k: result[k] for k in ("test_accuracy", "test_loss", "seconds_per_epoch", "epochs", "best_epoch")}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"gpu_lstm_{report['backend']}.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
