"""Second stage of the resale model: gradient-boosted trees over the ridge's log-price and the
structured columns (years, mileages, sizes, conditions...), where effects are not linear."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.preprocessing import OrdinalEncoder
from threadpoolctl import threadpool_limits

from arb_pipeline.pricing.features import FeatureSpec

MIN_ROWS = 200  # fewer training rows: the ridge alone (trees would only add variance)
MAX_ROWS = 30_000  # trees learn from a seeded sample of at most this many rows
MAX_CATEGORIES = 250  # HistGradientBoosting takes at most 255 category codes a column
MIN_CATEGORY_ROWS = 5
SEED = 0
PARALLEL_PREDICT_ROWS = 50_000  # fewer rows to score: one OpenMP thread (see predict)


def _booster(categorical: list[bool]) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        learning_rate=0.08,
        max_iter=200,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,  # the rows and their blanked copies would share a validation split
        categorical_features=categorical,
        random_state=SEED,
    )


@dataclass
class TreeStage:
    """Which prepared columns the trees read, how categoricals are coded, and the fitted trees."""

    categorical: list[str]
    numeric: list[str]
    encoder: OrdinalEncoder | None
    trees: HistGradientBoostingRegressor | None = None

    @classmethod
    def learn_columns(cls, features: pl.DataFrame, spec: FeatureSpec) -> TreeStage:
        """Keep the categorical and numeric columns that vary in the training rows."""
        categorical = [
            c for c in spec.categorical if _blank_to_null(features[c]).drop_nulls().n_unique() > 1
        ]
        numeric = [
            c
            for c in spec.numeric_features
            if features[c].fill_nan(None).drop_nulls().n_unique() > 1
        ]
        encoder = None
        if categorical:
            encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                encoded_missing_value=np.nan,
                min_frequency=MIN_CATEGORY_ROWS,
                max_categories=MAX_CATEGORIES,
            ).fit(_categorical_values(features, categorical))
        return cls(categorical, numeric, encoder)

    def matrix(self, ridge_log_price: np.ndarray, features: pl.DataFrame) -> np.ndarray:
        """The trees' input: the ridge's log-price, category codes, then the numeric columns."""
        parts = [np.asarray(ridge_log_price, dtype=np.float64).reshape(-1, 1)]
        if self.encoder is not None:
            parts.append(self.encoder.transform(_categorical_values(features, self.categorical)))
        numbers = features.select(pl.col(self.numeric).cast(pl.Float64).fill_nan(None))
        parts.append(numbers.to_numpy().astype(np.float64).reshape(features.height, -1))
        return np.hstack(parts)

    def categorical_mask(self) -> list[bool]:
        """Which columns of matrix() hold category codes."""
        return [False] + [True] * len(self.categorical) + [False] * len(self.numeric)

    def fit(self, inputs: np.ndarray, target: np.ndarray) -> HistGradientBoostingRegressor:
        """Fit trees on (a seeded sample of at most MAX_ROWS of) the rows; return them."""
        if len(target) > MAX_ROWS:
            rows = np.sort(np.random.default_rng(SEED).choice(len(target), MAX_ROWS, replace=False))
            inputs, target = inputs[rows], target[rows]
        # one thread: at most MAX_ROWS rows and a dozen columns, each split is too small to share
        # (2 threads took 2-13x the CPU of one, no sooner on a 2-core host; same trees)
        with threadpool_limits(1, user_api="openmp"):
            return _booster(self.categorical_mask()).fit(inputs, target)

    def predict(self, ridge_log_price: np.ndarray, features: pl.DataFrame) -> np.ndarray:
        """The fitted trees' log-price for prepared rows, given the ridge's."""
        return predict(self.trees, self.matrix(ridge_log_price, features))


def predict(trees: HistGradientBoostingRegressor, inputs: np.ndarray) -> np.ndarray:
    """Fitted trees' log-price for rows of matrix(): on as many threads as the host can give
    for PARALLEL_PREDICT_ROWS rows or more, else on one (the same values either way)."""
    many = len(inputs) >= PARALLEL_PREDICT_ROWS
    with threadpool_limits(threads() if many else 1, user_api="openmp"):
        return trees.predict(inputs)


def threads() -> int:
    """Every core on an idle host; one when other work keeps the cores busy (OpenMP threads
    that wait for each other on an oversubscribed host run several times slower than one)."""
    cores = os.cpu_count() or 1
    return cores if os.getloadavg()[0] < cores - 0.5 else 1


def _blank_to_null(values: pl.Series) -> pl.Series:
    return values.cast(pl.String).replace("", None)


def _categorical_values(features: pl.DataFrame, columns: list[str]) -> np.ndarray:
    frame = features.select(_blank_to_null(features[c]) for c in columns)
    return frame.to_numpy().astype(object)
