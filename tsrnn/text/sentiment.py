"""Sentiment classification of reviews with the zoo's Embedding front end: train, report, score.

`train(SentimentConfig(...))` loads the data (Keras's IMDB download, a local `imdb.npz`, or review
CSVs), pads to `maxlen`, builds the zoo model, trains with a validation split, evaluates on the
test set and writes a model directory: `model.keras`, `config.json`, `results.json` and the
text encoder (`vocabulary.json` or `word_index.json`), so `predict(model_dir, texts)` scores raw
strings later. `scripts/imdb_sentiment.py` is a thin command line over this module.

Usage:
    result = train(SentimentConfig(model="gru", data="imdb.npz", epochs=1, out="runs/imdb"))
    predict("runs/imdb", ["a wonderful, moving film", "dull and far too long"])
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tsrnn.errors import ConfigError, DataError, RunDirError
from tsrnn.io.run_dir import keras_backend, read_sentiment_run, write_sentiment_run
from tsrnn.nn import training, zoo
from tsrnn.text import imdb as text
from tsrnn.utils.atomic import atomic_directory


@dataclass(frozen=True)
class SentimentConfig:
    """Settings of one sentiment run; the defaults are the reference IMDB model's.

    `data`: None (Keras's download), a `.npz` in Keras's imdb layout, or a training CSV
    (`text`, `label` columns; then `test` names the test CSV). Any `ModelSpec` field can be
    overridden through `model_options` (e.g. `{"units": [64, 32], "bidirectional": True}`).
    `restore_best` keeps the weights of the epoch with the lowest validation loss (Keras's
    `EarlyStopping(restore_best_weights=True)`); `patience` > 0 also stops after that many epochs
    without improvement.

    Attributes:
        model: a zoo preset.
        vocab_size, maxlen, embedding_dim: the vocabulary, the ids per review, the embedding's size.
        epochs, batch_size, validation_split, seed: training.
        restore_best, patience: early stopping (see above).
        data, test: where the reviews come from (see above).
        out: the run directory to write (None: none).
        model_options: `ModelSpec` fields to override.

    Examples:
        >>> SentimentConfig(model="gru").maxlen
        200
    """

    model: str = "lstm"
    vocab_size: int = 10000
    maxlen: int = 200
    embedding_dim: int = 128
    epochs: int = 5
    batch_size: int = 64
    validation_split: float = 0.2
    seed: int | None = None
    restore_best: bool = True
    patience: int = 0
    data: str | None = None
    test: str | None = None
    out: str | None = None
    model_options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("vocab_size", "maxlen", "embedding_dim", "epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
        if self.vocab_size < 4:
            raise ConfigError(f"vocab_size must be at least 4 (ids 0-2 are reserved), got {self.vocab_size}")
        if not 0 <= self.validation_split < 1:
            raise ConfigError(f"validation_split must be in [0, 1), got {self.validation_split!r}")
        if self.patience < 0:
            raise ConfigError(f"patience must be >= 0, got {self.patience!r}")
        if self.data is not None and _is_csv(self.data) and self.test is None:
            raise ConfigError("a training CSV needs its test CSV too: pass --test PATH.csv")
        if self.data is not None and not (_is_csv(self.data) or str(self.data).endswith(".npz")):
            raise ConfigError(f"--data must be an imdb.npz-layout .npz or a .csv/.csv.gz of reviews, got {self.data}")

    def to_dict(self) -> dict:
        """The settings as `run.json` stores them.

        Returns:
            Every field.
        """
        return dataclasses.asdict(self)


def load(config: SentimentConfig) -> text.TextSplits:
    """The data the config names, as token-id sequences (unpadded)."""
    if config.data is None:
        return text.load_imdb_keras(config.vocab_size)
    if _is_csv(config.data):
        return text.load_review_csvs(config.data, config.test, config.vocab_size, seed=config.seed or 0)
    return text.load_imdb_npz(config.data, config.vocab_size)


def train(config: SentimentConfig, verbose: int = 1) -> dict:
    """Train and evaluate; writes the model directory when `config.out` is set. Returns the results."""
    model_spec = zoo.resolve(config.model, vocab_size=config.vocab_size, sequence_length=config.maxlen,
                             embedding_dim=config.embedding_dim, head="binary", **config.model_options)
    splits = load(config)
    x_train, x_test = text.pad(splits.x_train, config.maxlen), text.pad(splits.x_test, config.maxlen)
    if len(x_train) < 2 or len(x_test) < 1:
        raise DataError(f"{splits.source}: need at least 2 training and 1 test review, got {len(x_train)} and {len(x_test)}")
    training.seed_everything(config.seed)
    # The last `validation_split` of the training reviews validates, as Keras's `validation_split` does.
    validation_rows = int(len(x_train) * config.validation_split)
    fit_rows = len(x_train) - validation_rows
    train_part = (x_train[:fit_rows], splits.y_train[:fit_rows])
    validation = (x_train[fit_rows:], splits.y_train[fit_rows:]) if validation_rows else None

    def fit_and_score(staging: Path | None) -> dict:
        model = zoo.build(model_spec)
        from tsrnn.nn.callbacks import EpochTimer  # Keras loads only when training starts

        timer = EpochTimer()
        history = training.fit_model(
            model, train_part, validation, epochs=config.epochs, batch_size=config.batch_size,
            validation_batch_size=512,  # validation only predicts: large batches, as for the test split
            patience=config.patience, restore_best=config.restore_best, callbacks=[timer], verbose=verbose,
        ).history
        test_loss, test_accuracy = model.evaluate(x_test, splits.y_test, batch_size=512, verbose=0)
        results = {
            "test_loss": float(test_loss),
            "test_accuracy": float(test_accuracy),
            "epochs": len(timer.seconds),
            "best_epoch": int(np.argmin(history["val_loss"])) + 1 if "val_loss" in history else None,
            "seconds_per_epoch": float(np.mean(timer.seconds)),
            "epoch_seconds": [round(s, 2) for s in timer.seconds],
            "parameters": int(model.count_params()),
            "train_reviews": int(len(x_train)),
            "test_reviews": int(len(x_test)),
            "history": history,
            "data": splits.source,
            "backend": keras_backend(),
            "model_spec": model_spec.to_dict(),
            "config": config.to_dict(),
        }
        if staging is not None:
            write_sentiment_run(staging, model, config.to_dict(), results, vocabulary=splits.vocabulary,
                                word_index=splits.word_index)
        return results

    if config.out is None:
        return fit_and_score(None)
    with atomic_directory(config.out) as staging:
        return fit_and_score(staging)


def predict(model_dir: str | os.PathLike, texts: list[str]) -> np.ndarray:
    """Probability that each raw text is positive, with the model and text encoder saved in `model_dir`."""
    saved, encoder, model = read_sentiment_run(model_dir)
    try:
        config = SentimentConfig(**{k: v for k, v in saved.items() if k in {f.name for f in dataclasses.fields(SentimentConfig)}})
    except (TypeError, ConfigError) as error:
        raise RunDirError(f"{Path(model_dir) / 'config.json'}: invalid ({error}); re-run the training") from None
    if "vocabulary" in encoder:
        sequences = text.vectorize(text.vocabulary_vectorizer(encoder["vocabulary"]), list(texts))
    else:
        sequences = text.encode_with_word_index(list(texts), encoder["word_index"], config.vocab_size)
    return np.asarray(model.predict(text.pad(sequences, config.maxlen), batch_size=256, verbose=0))[:, 0]


def _is_csv(path: str) -> bool:
    return str(path).endswith((".csv", ".csv.gz"))
