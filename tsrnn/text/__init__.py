"""Sequence classification of text: the IMDB reviews (Keras's npz or the raw CSVs), vectorised and
padded, and the sentiment classifier trained on the zoo's Embedding front end.

Public names load from their modules when first used (`tsrnn._lazy`).
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {
    "SentimentConfig": "sentiment",
    "TextSplits": "imdb",
    "load_imdb_keras": "imdb",
    "load_imdb_npz": "imdb",
    "load_review_csvs": "imdb",
    "pad": "imdb",
    "read_reviews": "imdb",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
