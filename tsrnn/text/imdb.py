"""Labelled texts in: the IMDB reviews (Keras's download or a local `imdb.npz`) or any review CSV,
turned into padded token-id matrices for the zoo's Embedding front end.

Conventions follow `keras.datasets.imdb.load_data`: reviews shuffled with a fixed seed, each
sequence starts with `start_char=1`, word ranks are shifted by `index_from=3`, and any shifted
index `>= num_words` becomes `oov_char=2`. Sequences are padded and truncated at the front
(`pad_sequences`' defaults), so the end of a long review, nearest the verdict, is kept.

Examples:
    >>> encode_ranked([[1, 5, 20000]], num_words=10)[0].tolist()
    [1, 4, 8, 2]
    >>> pad([[1, 2, 3]], maxlen=5).tolist()
    [[0, 0, 1, 2, 3]]
"""
from __future__ import annotations

import json
import os
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import DataError

START_CHAR = 1
OOV_CHAR = 2
INDEX_FROM = 3
KERAS_SEED = 113
# Keras's Tokenizer filter characters, replaced by spaces; `<br />` tags removed first.
_FILTERS = re.compile(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~\t\n]")
_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass
class TextSplits:
    """Token-id sequences and labels for training and test, and how they were encoded.

    Attributes:
        x_train, y_train: the training sequences and 0/1 labels.
        x_test, y_test: the test sequences and labels.
        source: where they came from.
        vocabulary: the `TextVectorization` vocabulary (CSV data).
        word_index: word to rank (the imdb.npz layout).

    Examples:
        >>> splits = TextSplits([[1, 2]], np.array([1]), [[3]], np.array([0]), source="example")
        >>> len(splits.x_train), splits.vocabulary is None
        (1, True)
    """

    x_train: list
    y_train: np.ndarray
    x_test: list
    y_test: np.ndarray
    source: str
    vocabulary: list[str] | None = None  # TextVectorization vocabulary (CSV data)
    word_index: dict[str, int] | None = None  # word -> rank (imdb.npz layout)


def encode_ranked(sequences, num_words: int, start_char: int = START_CHAR, oov_char: int = OOV_CHAR,
                  index_from: int = INDEX_FROM) -> list[np.ndarray]:
    """Apply Keras's IMDB conventions to sequences of word ranks (1 = most frequent word)."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    flat = np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences]) if len(sequences) else np.zeros(0, np.int64)
    flat = flat + index_from
    flat = np.where(flat < num_words, flat, oov_char)
    pieces = np.split(flat, np.cumsum(lengths)[:-1])
    return [np.concatenate(([start_char], piece)) if start_char is not None else piece for piece in pieces]


def load_imdb_npz(path: str | os.PathLike, num_words: int = 10000, seed: int = KERAS_SEED) -> TextSplits:
    """Load a file in Keras's `imdb.npz` layout (x_train, y_train, x_test, y_test), without downloading.

    Shuffles like Keras (one `RandomState(seed)` for train, then test), then encodes with
    `encode_ranked`. An `imdb_word_index.json` beside the file is kept for scoring raw texts.

    Args:
        path: the `.npz` file.
        num_words: ids at or above it become the out-of-vocabulary id.
        seed: the shuffling's seed (Keras's default).

    Returns:
        The `TextSplits`.

    Raises:
        DataError: a missing or unreadable file.

    Examples:
        >>> load_imdb_npz("no/such/imdb.npz")
        Traceback (most recent call last):
        ...
        tsrnn.errors.DataError: no/such/imdb.npz: file not found; pass the path of an imdb.npz-layout file
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found; pass the path of an imdb.npz-layout file")
    try:
        x_train, y_train, x_test, y_test = _load_npz_safely(path)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        raise DataError(f"{path}: not a readable .npz file ({error}); expected Keras's imdb.npz layout") from None
    rng = np.random.RandomState(seed)
    train_order = np.arange(len(x_train))
    rng.shuffle(train_order)
    test_order = np.arange(len(x_test))
    rng.shuffle(test_order)
    word_index = _read_word_index(path.with_name("imdb_word_index.json"))
    return TextSplits(
        x_train=encode_ranked(x_train[train_order], num_words),
        y_train=np.asarray(y_train[train_order], dtype=np.int64),
        x_test=encode_ranked(x_test[test_order], num_words),
        y_test=np.asarray(y_test[test_order], dtype=np.int64),
        source=str(path),
        word_index=word_index,
    )


_IMDB_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


class _ArraysOnly(pickle.Unpickler):
    """Unpickles the object arrays of Keras's imdb.npz (NumPy arrays of Python lists of integers)
    and refuses every other global, so a crafted file cannot run code on load.
    """

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused to unpickle {module}.{name}: only NumPy arrays of integer lists are read")
        return super().find_class(module, name)


def _load_npz_safely(path: Path) -> tuple[np.ndarray, ...]:
    """The four arrays of an imdb.npz, object arrays unpickled by `_ArraysOnly` only."""
    arrays = []
    with zipfile.ZipFile(path) as archive:
        names = {Path(name).stem: name for name in archive.namelist()}
        missing = [name for name in _IMDB_ARRAYS if name not in names]
        if missing:
            raise DataError(f"{path}: missing array(s) {', '.join(missing)}; expected Keras's imdb.npz layout")
        for name in _IMDB_ARRAYS:
            with archive.open(names[name]) as member:
                try:
                    arrays.append(np.lib.format.read_array(member, allow_pickle=False))
                    continue
                except ValueError:  # an object array: only the restricted unpickler may read it
                    pass
            with archive.open(names[name]) as member:
                version = np.lib.format.read_magic(member)
                read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                read_header(member)
                arrays.append(_read_object_array(member, name))
    return tuple(arrays)


def _read_object_array(member, name: str) -> np.ndarray:
    array = _ArraysOnly(member).load()
    if not isinstance(array, np.ndarray) or not all(
            type(item) is int or isinstance(item, list) and all(type(v) is int for v in item) for item in array.ravel()):
        raise pickle.UnpicklingError(f"{name} is not an array of integer lists")
    return array


def _read_word_index(path: Path) -> dict | None:
    """`imdb_word_index.json` beside an npz (word -> rank), or None when absent; a damaged one is one line."""
    if not path.is_file():
        return None
    try:
        word_index = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not valid JSON ({error}); remove it or replace it with Keras's imdb_word_index.json") from None
    if not isinstance(word_index, dict) or not all(isinstance(v, int) for v in word_index.values()):
        raise DataError(f"{path}: not a word -> rank mapping; remove it or replace it with Keras's imdb_word_index.json")
    return word_index


def load_imdb_keras(num_words: int = 10000, seed: int = KERAS_SEED) -> TextSplits:
    """`keras.datasets.imdb.load_data` (downloads once, then Keras's cache), as `TextSplits`.

    Args:
        num_words: the vocabulary kept.
        seed: Keras's shuffling seed.

    Returns:
        The `TextSplits`.

    Raises:
        DataError: the download or the cache failed (offline, say).

    Examples:
        >>> load_imdb_keras  # doctest: +ELLIPSIS
        <function load_imdb_keras at ...>
    """
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=num_words, seed=seed)
    except Exception as error:  # urllib, OSError, hash mismatch: all mean "no data here"
        reason = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
        raise DataError(
            f"could not download the IMDB data set ({reason}); offline, pass --data PATH/imdb.npz "
            "or --data train.csv --test test.csv"
        ) from None
    return TextSplits(list(x_train), np.asarray(y_train), list(x_test), np.asarray(y_test), source="keras.datasets.imdb")


def read_reviews(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels from a CSV (optionally .gz) with `text` and `label` columns.

    Args:
        path: the CSV.

    Returns:
        `(texts, labels)`.

    Raises:
        DataError: a missing or unreadable file, missing columns, or labels other than 0 and 1.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "reviews.csv"
        >>> pd.DataFrame({"text": ["great", "dull"], "label": [1, 0]}).to_csv(path, index=False)
        >>> texts, labels = read_reviews(path)
        >>> texts, labels.tolist()
        (['great', 'dull'], [1, 0])
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found; pass a CSV with text and label columns")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable CSV ({str(error).splitlines()[0][:120]})") from None
    missing = [c for c in ("text", "label") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: column(s) {', '.join(missing)} not found; available: {', '.join(map(str, frame.columns))}"
        )
    if frame.empty:
        raise DataError(f"{path}: no rows; give one review per row")
    labels = pd.to_numeric(frame["label"], errors="coerce")
    bad = ~labels.isin([0, 1])
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:5])
        raise DataError(f"{path}: column 'label' must be 0 or 1; bad value(s) on line(s) {rows}")
    texts = frame["text"].fillna("").astype(str).tolist()
    return texts, labels.to_numpy(dtype=np.int64)


def make_vectorizer(train_texts: list[str], vocab_size: int):
    """A Keras `TextVectorization` adapted on the training texts only (ids: 0 pad, 1 unknown)."""
    import keras

    vectorizer = keras.layers.TextVectorization(max_tokens=vocab_size, output_mode="int")
    vectorizer.adapt(np.asarray([_clean(t) for t in train_texts], dtype=object), batch_size=512)
    return vectorizer


def vectorize(vectorizer, texts: list[str], batch_size: int = 2048) -> list[np.ndarray]:
    """Token ids of each text, unpadded (TextVectorization pads batches with trailing zeros)."""
    sequences = []
    for start in range(0, len(texts), batch_size):
        batch = np.asarray([_clean(t) for t in texts[start : start + batch_size]], dtype=object)
        ids = np.asarray(vectorizer(batch))
        sequences.extend(row[row != 0] for row in ids)
    return sequences


def vocabulary_vectorizer(vocabulary: list[str]):
    """Rebuild a saved `TextVectorization` from its vocabulary."""
    import keras

    return keras.layers.TextVectorization(vocabulary=vocabulary[2:], output_mode="int")


def load_review_csvs(train: str | os.PathLike, test: str | os.PathLike, vocab_size: int = 10000, seed: int = 0) -> TextSplits:
    """Review CSVs vectorised with a `TextVectorization` adapted on `train` only; train is shuffled.

    Args:
        train: the training CSV (`text`, `label`).
        test: the test CSV.
        vocab_size: the vocabulary kept.
        seed: the shuffling's seed.

    Returns:
        The `TextSplits`, with the vocabulary.

    Raises:
        DataError: as `read_reviews`.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> pd.DataFrame({"text": ["good film", "bad film"], "label": [1, 0]}).to_csv(folder / "train.csv", index=False)
        >>> splits = load_review_csvs(folder / "train.csv", folder / "train.csv", vocab_size=10)
        >>> len(splits.x_train), "film" in splits.vocabulary
        (2, True)
    """
    train_texts, train_labels = read_reviews(train)
    test_texts, test_labels = read_reviews(test)
    order = np.random.RandomState(seed).permutation(len(train_texts))
    train_texts = [train_texts[i] for i in order]
    train_labels = train_labels[order]
    vectorizer = make_vectorizer(train_texts, vocab_size)
    return TextSplits(
        x_train=vectorize(vectorizer, train_texts),
        y_train=train_labels,
        x_test=vectorize(vectorizer, test_texts),
        y_test=test_labels,
        source=f"{train} + {test}",
        vocabulary=[str(v) for v in vectorizer.get_vocabulary()],
    )


def tokenize_like_imdb(text: str) -> list[str]:
    """Lower-case, `<br />` removed, Keras's filter characters replaced by spaces, split on whitespace."""
    return _FILTERS.sub(" ", _BREAKS.sub(" ", text).lower()).split()


def encode_with_word_index(texts: list[str], word_index: dict[str, int], num_words: int) -> list[np.ndarray]:
    """Raw texts to ids under the IMDB conventions, given a word -> rank index; unseen words are OOV."""
    ranks = [[word_index.get(word, num_words) for word in tokenize_like_imdb(text)] for text in texts]
    return encode_ranked(ranks, num_words)


def pad(sequences, maxlen: int) -> np.ndarray:
    """Pad and truncate at the front to `maxlen` (Keras `pad_sequences` defaults), as int32.

    Args:
        sequences: the token-id sequences.
        maxlen: the length of every row.

    Returns:
        `(len(sequences), maxlen)` int32 ids.

    Examples:
        >>> pad([[1, 2], [3, 4, 5, 6]], maxlen=3).tolist()
        [[0, 1, 2], [4, 5, 6]]
    """
    import keras

    return keras.utils.pad_sequences(list(sequences), maxlen=maxlen, padding="pre", truncating="pre", dtype="int32")


def _clean(text: str) -> str:
    return _BREAKS.sub(" ", text)
