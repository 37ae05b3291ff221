"""IMDB sentiment accuracy and speed of the zoo presets, with the reference settings.

Trains each preset behind the Embedding front end (vocab 10,000, maxlen 200, embedding 128,
batch 64, 5 epochs, validation split 0.2) on the real data set and writes one JSON record per run
to `--out` (rewritten after every run, so a long benchmark keeps what it finished):

    python bench/imdb.py                                  # the six presets
    python bench/imdb.py --runs '{"name": "gru_maxlen400", "model": "gru", "maxlen": 400}'
    KERAS_BACKEND=torch python bench/imdb.py --presets lstm --out bench/results/imdb_torch.json

Each run keeps the weights of its epoch with the lowest validation loss (`restore_best`). Never
tuned on the test split: candidates are compared on validation accuracy, the test accuracy is
reported for each as measured.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _machine import result_header

from tsrnn.nn import zoo
from tsrnn.text import sentiment

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "imdb" / "imdb.npz"
REFERENCE = dict(vocab_size=10000, maxlen=200, embedding_dim=128, epochs=5, batch_size=64, validation_split=0.2,
                 restore_best=True)


def run_one(name: str, data: str, seed: int, **settings) -> dict:
    model = settings.pop("model", name)
    model_options = settings.pop("model_options", {})
    config = sentiment.SentimentConfig(model=model, data=data, seed=seed, model_options=model_options, **{**REFERENCE, **settings})
    started = time.perf_counter()
    result = sentiment.train(config, verbose=2)
    history = result.pop("history")
    return {
        "name": name,
        "test_accuracy": round(result["test_accuracy"], 4),
        "test_loss": round(result["test_loss"], 4),
        "best_val_accuracy": round(max(history.get("val_accuracy", [0.0])), 4),
        "restored_epoch": result["best_epoch"],
        "val_accuracy": [round(v, 4) for v in history.get("val_accuracy", [])],
        "seconds_per_epoch": round(result["seconds_per_epoch"], 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "parameters": result["parameters"],
        "backend": result["backend"],
        "layers": zoo.ModelSpec.from_dict(result["model_spec"]).describe(),
        "config": {k: v for k, v in result["config"].items() if k not in ("data", "test", "out")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--presets", default=",".join(zoo.PRESETS), help="comma-separated; empty for none")
    parser.add_argument("--runs", nargs="*", default=[], help="extra runs as JSON objects with a name")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench/results/imdb.json")
    args = parser.parse_args()
    if not Path(args.data).is_file():
        raise SystemExit(f"{args.data}: not found; pass --data PATH/imdb.npz")
    plans = [(name, {}) for name in args.presets.split(",") if name]
    plans += [(spec.pop("name"), spec) for spec in (json.loads(text) for text in args.runs)]
    out = Path(args.out)
    report = {
        **result_header(),
        "data": "shared/datasets/imdb/imdb.npz (25,000 train / 25,000 test)",
        "reference": REFERENCE,
        "runs": [],
    }
    for name, settings in plans:
        record = run_one(name, args.data, args.seed, **settings)
        report["runs"].append(record)
        print(json.dumps(record), flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
