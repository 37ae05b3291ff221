"""What tells the series of a panel apart: static covariates (one value per series, fed at every
step) and the ids of a learned series embedding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsrnn.errors import DataError


@dataclass(frozen=True)
class SeriesIdentity:
    """What a panel's network knows of each series besides its rows: its static covariates (one
    value per series and column, standardised across the training series) and, with a series
    embedding, its slot (1..n for the training series; 0, a series never seen).

    Attributes:
        static_columns: the static covariates' names.
        static: `{series: raw values}`.
        mean, scale: the standardisation fitted across the training series.
        slots: `{training series: embedding slot}`.
        embedding_dim: the series embedding's size (0: none).

    Examples:
        >>> frames = {"a": pd.DataFrame({"size": [2.0, 2.0]}), "b": pd.DataFrame({"size": [4.0, 4.0]})}
        >>> identity = SeriesIdentity.fit(frames, ["size"], embedding_dim=3)
        >>> identity.with_id("b", identity.values_of("b", np.zeros((2, 1), np.float32))).tolist()
        [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]
    """

    static_columns: tuple[str, ...] = ()
    static: dict | None = None  # {series: [raw values]}
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    slots: dict | None = None  # {training series: slot}
    embedding_dim: int = 0

    @classmethod
    def fit(cls, frames: dict[str, pd.DataFrame], static_columns=None, table=None, embedding_dim: int = 0) -> SeriesIdentity:
        """The identity of the training series.

        Args:
            frames: the training series, `{name: frame}`.
            static_columns: the static covariates' names (None: none).
            table: a DataFrame indexed by series name, or a CSV whose first column names them
                (None: read from columns constant within each series).
            embedding_dim: the size of the series embedding (0: none).

        Returns:
            The `SeriesIdentity`.

        Raises:
            DataError: an invalid size, or a series whose static covariates are missing or vary.
        """
        if not isinstance(embedding_dim, (int, np.integer)) or isinstance(embedding_dim, bool) or embedding_dim < 0:
            raise DataError(f"series_embedding must be a size >= 0 (0: none), got {embedding_dim!r}")
        columns = tuple(static_columns or ())
        static = {name: static_values(name, frame, columns, read_static_table(table)) for name, frame in frames.items()} \
            if columns else {}
        matrix = np.array(list(static.values()), dtype=np.float64).reshape(len(static), len(columns))
        mean = matrix.mean(axis=0) if len(matrix) else np.zeros(len(columns))
        scale = matrix.std(axis=0) if len(matrix) else np.ones(len(columns))
        scale[scale == 0] = 1.0
        return cls(columns, static, tuple(mean.tolist()), tuple(scale.tolist()),
                   {name: slot for slot, name in enumerate(frames, start=1)} if embedding_dim else {}, int(embedding_dim))

    @property
    def extra_columns(self) -> int:
        """Columns added to every window: one per static covariate, one for the series id."""
        return len(self.static_columns) + (1 if self.embedding_dim else 0)

    def with_unseen(self, frames: dict[str, pd.DataFrame], table=None) -> SeriesIdentity:
        """A copy that also knows the static covariates of series training did not see.

        Args:
            frames: the series to forecast, `{name: frame}`.
            table: their static covariate table, as in `fit`.

        Returns:
            The identity (self where nothing is new).
        """
        unseen = [name for name in frames if name not in (self.static or {})]
        if not self.static_columns or not unseen:
            return self
        table = read_static_table(table)
        static = {**self.static, **{name: static_values(name, frames[name], self.static_columns, table) for name in unseen}}
        return SeriesIdentity(self.static_columns, static, self.mean, self.scale, self.slots, self.embedding_dim)

    def joined(self, other: SeriesIdentity) -> SeriesIdentity:
        """A copy that also knows the static covariates `other` knows (`with_unseen` of the same
        fitted identity for other series).

        Args:
            other: the other identity.

        Returns:
            The identity (self where `other` adds nothing).

        Examples:
            >>> identity = SeriesIdentity.fit({"a": pd.DataFrame({"size": [2.0, 2.0]})}, ["size"])
            >>> new = identity.with_unseen({"z": pd.DataFrame({"size": [5.0, 5.0]})})
            >>> sorted(identity.joined(new).static), identity.joined(identity) is identity
            (['a', 'z'], True)
        """
        if other is self or not other.static or other.static == self.static:
            return self
        return SeriesIdentity(self.static_columns, {**(self.static or {}), **other.static}, self.mean, self.scale, self.slots,
                              self.embedding_dim)

    def values_of(self, name: str, scaled: np.ndarray) -> np.ndarray:
        """The rows of one series followed by its standardised static covariates on every row.

        Args:
            name: the series.
            scaled: its scaled rows `(rows, inputs)`.

        Returns:
            `(rows, inputs + static covariates)`.

        Raises:
            DataError: a series without static covariates.
        """
        if not self.static_columns:
            return scaled
        if name not in self.static:
            raise DataError(f"series {name}: no static covariates ({', '.join(self.static_columns)}); give them as "
                            "constant columns of its rows or in the static table")
        vector = (np.asarray(self.static[name]) - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.hstack([scaled, np.broadcast_to(vector.astype(scaled.dtype), (len(scaled), len(vector)))])

    def with_id(self, name: str, values: np.ndarray) -> np.ndarray:
        """The rows of one series followed by a column holding its embedding slot.

        Args:
            name: the series.
            values: its rows.

        Returns:
            The rows with the slot (0 for a series never seen) last; unchanged without an embedding.
        """
        if not self.embedding_dim:
            return values
        return np.hstack([values, np.full((len(values), 1), float(self.slots.get(name, 0)), dtype=values.dtype)])

    def to_dict(self) -> dict:
        """The identity as `run.json` stores it.

        Returns:
            A JSON-ready dict.
        """
        return {"static_columns": list(self.static_columns), "static": self.static or {}, "mean": list(self.mean),
                "scale": list(self.scale), "slots": self.slots or {}, "embedding_dim": self.embedding_dim}

    @classmethod
    def from_dict(cls, values: dict) -> SeriesIdentity:
        """The identity `to_dict` wrote.

        Args:
            values: the stored fields.

        Returns:
            The `SeriesIdentity`.
        """
        return cls(tuple(values.get("static_columns", ())), values.get("static", {}), tuple(values.get("mean", ())),
                   tuple(values.get("scale", ())), values.get("slots", {}), int(values.get("embedding_dim", 0)))


def read_static_table(table) -> pd.DataFrame | None:
    """A static covariate table as a DataFrame indexed by series name (a CSV: its first column)."""
    if table is None or isinstance(table, pd.DataFrame):
        return None if table is None else table.set_axis(table.index.astype(str))
    try:
        frame = pd.read_csv(table, index_col=0)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise DataError(f"{table}: cannot read the static covariate table ({error})") from None
    return frame.set_axis(frame.index.astype(str))


def static_values(name: str, frame: pd.DataFrame, columns: tuple[str, ...], table: pd.DataFrame | None) -> list[float]:
    """The static covariates of series `name`: its row of `table`, or its columns constant over time."""
    where = f"series {name}"
    if table is not None:
        if name not in table.index:
            raise DataError(f"the static table has no row for series {name}; add one (first column: the series name)")
        row, where = table.loc[name], f"the static table's row {name}"
    else:
        row = {}
        for column in columns:
            if column not in frame.columns:
                continue
            values = pd.to_numeric(frame[column], errors="coerce").dropna().unique()
            if len(values) != 1:
                raise DataError(f"series {name}: static covariate '{column}' takes {len(values)} values over time; "
                                "a static covariate is one number per series")
            row[column] = values[0]
    missing = [c for c in columns if c not in row]
    if missing:
        raise DataError(f"{where}: static covariate(s) {', '.join(missing)} not found; give them as constant columns "
                        "of each series or in a static table (--static FILE)")
    try:
        values = [float(row[c]) for c in columns]
    except (TypeError, ValueError):
        raise DataError(f"{where}: static covariates {', '.join(columns)} must be numbers") from None
    if not np.isfinite(values).all():
        raise DataError(f"{where}: static covariates {', '.join(columns)} must be finite numbers")
    return values
