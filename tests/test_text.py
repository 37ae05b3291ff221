"""IMDB and review-CSV loading with Keras's conventions, padding, the sentiment script end to end,
raw-text scoring with the saved encoder, and the offline error."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn.errors import ConfigError, DataError
from tsrnn.text import imdb as text
from tsrnn.text import sentiment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import imdb_sentiment  # noqa: E402

POSITIVE = ["great", "wonderful", "moving", "superb", "loved"]
NEGATIVE = ["awful", "boring", "dull", "waste", "hated"]
FILLER = ["the", "film", "plot", "actor", "scene", "story", "was", "and", "it", "a"]


def make_reviews(count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(count):
        label = i % 2
        words = list(rng.choice(FILLER, size=12)) + list(rng.choice(POSITIVE if label else NEGATIVE, size=2))
        rng.shuffle(words)
        rows.append({"id": i, "text": " ".join(words).capitalize() + ".<br /><br />The end!", "label": label})
    return pd.DataFrame(rows)


@pytest.fixture
def review_csvs(tmp_path):
    train, test = tmp_path / "train.csv.gz", tmp_path / "test.csv"
    make_reviews(300, 0).to_csv(train, index=False, compression="gzip")
    make_reviews(100, 1).to_csv(test, index=False)
    return train, test


@pytest.fixture
def imdb_npz(tmp_path):
    """A small file in Keras's imdb.npz layout, with a word index beside it."""
    vocabulary = FILLER + POSITIVE + NEGATIVE
    word_index = {word: rank for rank, word in enumerate(vocabulary, start=1)}

    def encode(frame):
        return np.array([[word_index[w] for w in text.tokenize_like_imdb(t) if w in word_index] for t in frame["text"]], dtype=object)

    train, test = make_reviews(300, 0), make_reviews(100, 1)
    path = tmp_path / "imdb.npz"
    np.savez(path, x_train=encode(train), y_train=train["label"].to_numpy(), x_test=encode(test), y_test=test["label"].to_numpy())
    (tmp_path / "imdb_word_index.json").write_text(json.dumps(word_index))
    return path


def test_encode_ranked_follows_keras_conventions():
    # ranks shift by 3, sequences start with 1, shifted ids >= num_words become 2
    assert text.encode_ranked([[1, 2, 6, 7, 500]], num_words=10)[0].tolist() == [1, 4, 5, 9, 2, 2]
    assert text.encode_ranked([[], [1]], num_words=10)[1].tolist() == [1, 4]


def test_npz_is_shuffled_like_keras_and_encoded(tmp_path):
    x_train = np.array([[1], [2, 3], [4], [5, 6, 7]], dtype=object)
    x_test = np.array([[8], [9]], dtype=object)
    path = tmp_path / "tiny.npz"
    np.savez(path, x_train=x_train, y_train=np.array([0, 1, 0, 1]), x_test=x_test, y_test=np.array([1, 0]))
    splits = text.load_imdb_npz(path, num_words=10)
    rng = np.random.RandomState(113)
    train_order = np.arange(4)
    rng.shuffle(train_order)
    test_order = np.arange(2)
    rng.shuffle(test_order)
    expected_train = [[1] + [w + 3 if w + 3 < 10 else 2 for w in x_train[i]] for i in train_order]
    assert [s.tolist() for s in splits.x_train] == expected_train
    assert splits.y_train.tolist() == [[0, 1, 0, 1][i] for i in train_order]
    assert [s.tolist() for s in splits.x_test] == [[1, 2] if x_test[i][0] + 3 >= 10 else [1, x_test[i][0] + 3] for i in test_order]


def test_pad_is_pre_padding_and_pre_truncation():
    padded = text.pad([[1, 2, 3], [1, 2, 3, 4, 5, 6]], maxlen=4)
    assert padded.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6]]
    assert padded.dtype == np.int32


def test_csv_vectoriser_is_adapted_on_training_texts_only(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    pd.DataFrame({"text": ["good good film", "bad film"], "label": [1, 0]}).to_csv(train, index=False)
    pd.DataFrame({"text": ["unseenword film"], "label": [1]}).to_csv(test, index=False)
    splits = text.load_review_csvs(train, test, vocab_size=100)
    assert splits.vocabulary[:2] == ["", "[UNK]"]
    assert "unseenword" not in splits.vocabulary
    film = splits.vocabulary.index("film")
    assert splits.x_test[0].tolist() == [1, film]  # 1 is the out-of-vocabulary id
    rebuilt = text.vocabulary_vectorizer(splits.vocabulary)
    assert [s.tolist() for s in text.vectorize(rebuilt, ["unseenword film", "good bad"])] == [
        [1, film],
        [splits.vocabulary.index("good"), splits.vocabulary.index("bad")],
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ("body,label\nhello,1\n", "column(s) text not found; available: body, label"),
        ("text,label\nhello,3\n", "column 'label' must be 0 or 1; bad value(s) on line(s) 2"),
        ("text,label\n", "no rows"),
    ],
)
def test_review_csv_errors(tmp_path, content, message):
    path = tmp_path / "reviews.csv"
    path.write_text(content)
    with pytest.raises(DataError) as caught:
        text.read_reviews(path)
    assert message in str(caught.value)


def test_offline_without_data_says_how_to_pass_it(monkeypatch):
    import keras

    def offline(**kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.imdb, "load_data", offline)
    with pytest.raises(DataError, match=r"could not download the IMDB data set \(Temporary failure.*pass data"):
        sentiment.load(sentiment.SentimentConfig())
    result = CliRunner().invoke(imdb_sentiment.main, ["-q"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "pass --data PATH/imdb.npz" in result.output


def test_config_validation():
    with pytest.raises(ConfigError, match="needs its test CSV"):
        sentiment.SentimentConfig(data="train.csv")
    with pytest.raises(ConfigError, match="maxlen must be an integer >= 1"):
        sentiment.SentimentConfig(maxlen=0)


TINY = ["--learning-rate", "0.01", "--vocab-size", "40", "--maxlen", "20", "--embedding-dim", "8", "--units", "8", "--epochs", "6",
        "--batch-size", "32", "--seed", "0", "-q"]


def test_script_on_review_csvs_then_scores_raw_strings(review_csvs, tmp_path):
    train, test = review_csvs
    out = tmp_path / "model"
    result = CliRunner().invoke(imdb_sentiment.main, ["--data", str(train), "--test", str(test), "--out", str(out), "--model", "gru", *TINY])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["test_accuracy"] > 0.75
    assert report["epochs"] == 6 and report["seconds_per_epoch"] > 0
    assert report["config"]["maxlen"] == 20 and report["model_spec"]["body"] == "gru"
    assert report["parameters"] == 40 * 8 + 3 * (8 * (8 + 8) + 2 * 8) + 9
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.keras", "results.json", "vocabulary.json"]
    scores = sentiment.predict(out, ["a wonderful superb film, loved it", "awful boring waste, hated it"])
    assert scores[0] > 0.5 > scores[1]
    result = CliRunner().invoke(imdb_sentiment.main, ["--predict", str(out), "superb and moving"])
    assert result.exit_code == 0 and "positive" in result.output


def test_script_on_imdb_npz_with_word_index(imdb_npz, tmp_path):
    out = tmp_path / "model"
    result = CliRunner().invoke(imdb_sentiment.main, ["--data", str(imdb_npz), "--out", str(out), "--model", "lstm", *TINY])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["test_accuracy"] > 0.75
    assert (out / "word_index.json").is_file()
    scores = sentiment.predict(out, ["great wonderful film", "dull awful film"])
    assert scores[0] > 0.5 > scores[1]


def test_script_errors_are_one_line_and_leave_nothing(tmp_path):
    out = tmp_path / "model"
    result = CliRunner().invoke(imdb_sentiment.main, ["--data", str(tmp_path / "missing.npz"), "--out", str(out)])
    assert result.exit_code == 2 and "missing.npz: file not found" in result.output
    assert not out.exists() and not list(tmp_path.iterdir())
    result = CliRunner().invoke(imdb_sentiment.main, ["--model", "cnn", "--data", str(tmp_path / "x.npz")])
    assert result.exit_code == 2
