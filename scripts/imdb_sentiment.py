#!/usr/bin/env python
"""IMDB sentiment with the tsrnn zoo: train any preset or body behind the Embedding front end.

    python scripts/imdb_sentiment.py                                  # Keras's IMDB download
    python scripts/imdb_sentiment.py --data ../shared/datasets/imdb/imdb.npz --out runs/imdb
    python scripts/imdb_sentiment.py --data train.csv.gz --test test.csv.gz --model gru
    python scripts/imdb_sentiment.py --predict runs/imdb "a wonderful film" "a waste of time"

Prints the results as JSON (test loss and accuracy, epochs, seconds per epoch, parameter count,
configuration); `--out DIR` also saves the model and its text encoder there, atomically.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from tsrnn.cli import OneLineCommand, parse_units
from tsrnn.errors import ConfigError
from tsrnn.nn.backend import load_keras_quietly
from tsrnn.text.sentiment import SentimentConfig  # no Keras at import
from tsrnn.utils.validation import POOLINGS

DEFAULTS = {field.name: field.default for field in dataclasses.fields(SentimentConfig)}


def _option(flag: str, **kwargs):
    """A click option whose default is SentimentConfig's."""
    name = flag.split("/")[0].lstrip("-").replace("-", "_")
    return click.option(flag, name, default=DEFAULTS[name], show_default=True, **kwargs)


@click.command(cls=OneLineCommand, context_settings={"help_option_names": ["-h", "--help"]})
@_option("--model", help="Zoo preset (tsrnn zoo).")
@_option("--vocab-size", type=int)
@_option("--maxlen", type=int, help="Pad/truncate (at the front) to this length.")
@_option("--embedding-dim", type=int)
@_option("--epochs", type=int)
@_option("--batch-size", type=int)
@_option("--validation-split", type=float)
@click.option("--seed", default=None, type=int)
@_option("--restore-best/--no-restore-best", help="Keep the weights of the epoch with the lowest validation loss.")
@_option("--patience", type=int, help="Stop after N epochs without improvement (0: never).")
@click.option("--units", default=None, help="Override the body's units, e.g. 64,32.")
@click.option("--bidirectional/--no-bidirectional", default=None)
@click.option("--dropout", default=None, type=float)
@click.option("--recurrent-dropout", default=None, type=float)
@click.option("--pooling", default=None, type=click.Choice(POOLINGS),
              help="Summarise the body's states by the last one, or their max or mean over time [default: last].")
@click.option("--learning-rate", default=None, type=float, help="Optimizer learning rate [default: 0.001].")
@click.option("--data", default=None, help="imdb.npz-layout file, or a training CSV (text,label) [default: Keras download].")
@click.option("--test", default=None, help="Test CSV, with a training CSV in --data.")
@click.option("--out", default=None, help="Directory to save the model, encoder and results.")
@click.option("--results", default=None, type=click.Path(dir_okay=False), help="Also write the results JSON here.")
@click.option("--predict", "predict_dir", default=None, help="Score TEXTS with the model saved in this directory.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("texts", nargs=-1)
def main(predict_dir, texts, units, bidirectional, dropout, recurrent_dropout, pooling, learning_rate, results, quiet,
         **options) -> None:
    """Train (or, with --predict, apply) a sentiment classifier from the tsrnn zoo."""
    load_keras_quietly()
    from tsrnn.text import sentiment

    if predict_dir:
        if not texts:
            raise ConfigError("give the texts to score after --predict DIR")
        scores = sentiment.predict(predict_dir, list(texts))
        for sentence, score in zip(texts, scores):
            click.echo(f"{score:.3f}\t{'positive' if score >= 0.5 else 'negative'}\t{sentence}")
        return
    model_options = {
        "units": parse_units(units),
        "bidirectional": bidirectional,
        "dropout": dropout,
        "recurrent_dropout": recurrent_dropout,
        "pooling": pooling,
        "learning_rate": learning_rate,
    }
    config = sentiment.SentimentConfig(model_options={k: v for k, v in model_options.items() if v is not None}, **options)
    outcome = sentiment.train(config, verbose=0 if quiet else 1)
    report = {k: v for k, v in outcome.items() if k != "history"}
    click.echo(json.dumps(report, indent=1))
    if results:
        Path(results).write_text(json.dumps(outcome, indent=1) + "\n")


if __name__ == "__main__":
    main()
