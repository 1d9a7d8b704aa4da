"""Resale-value model on log1p(price): a ridge over TF-IDF, one-hot and numeric features, then
gradient-boosted trees over the ridge's output and the structured columns, blended by
out-of-fold error; p10/p90 split-conformal from the blend's out-of-fold residuals, per exit
marketplace and predicted-price tercile (Mondrian), wider where an exit has few comps.

Before fitting, a target-leakage guard leaves out any numeric column that alone predicts log
price with out-of-fold R^2 above LEAK_R2 (the listing's own earlier or converted price)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sklearn
from scipy import sparse
from scipy.sparse.linalg import LinearOperator, cg
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from arb_pipeline.pricing import trees as tree_stage
from arb_pipeline.pricing.artifacts import load_artifact, save_artifact
from arb_pipeline.pricing.features import (
    TITLE_FEATURES,
    FeatureSpec,
    NgramTfidf,
    infer_spec,
    missing_title,
    prepare,
)

PREDICTION_COLUMNS = ("pred_p10", "pred_p50", "pred_p90", "no_title")
DEFAULT_CURRENCY = "USD"
RIDGE_ALPHA = 3.0
GROUP_KEYS = ("product_id", "category", "brand")  # the group-median baseline's key, first present
RIDGE_BASELINES = ("baseline_tfidf_ridge", "baseline_ridge_all_columns")
BLEND_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # share of the trees in the centre prediction
CV_FOLDS = 5
CV_FOLDS_MANY_ROWS = 3  # above MANY_ROWS training rows, 3 folds give plenty of residuals
MANY_ROWS = 20_000
MAX_WORD_FEATURES = 200_000
MAX_CHAR_FEATURES = 300_000
PREDICT_CHUNK_ROWS = 100_000
RIDGE_TOL = 3e-4
RIDGE_MAX_ITER = 1000
SEED = 0
EXIT_COLUMN = "marketplace"  # where a comp sold / where a listing would be resold
LEAK_R2 = 0.85  # alone this good on log price: a leak (Mercari originalPrice scores 0.87)
LEAK_MAX_BINS = 200
MIN_CELL_RESIDUALS = 40  # fewer out-of-fold residuals in an exit x tercile: the tercile's own
MIN_EXIT_COMPS = 100  # an exit with fewer comps gets its interval widened, up to EXIT_WIDEN
EXIT_WIDEN = 1.5  # an exit never seen in training: the pooled offsets x 1.5
MODEL_FILE = "model.joblib"
CARD_FILE = "model_card.json"
_NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]


@dataclass
class ResaleModel:
    """A fitted resale-value model with calibrated p10/p50/p90 intervals."""

    pipeline: Pipeline
    spec: FeatureSpec
    currency: str
    residual_p10: float
    residual_p90: float
    card: dict[str, Any] = field(default_factory=dict)
    trees: tree_stage.TreeStage | None = None
    tree_weight: float = 0.0
    blank_residuals: tuple[float, float] | None = None  # p10/p90 for rows without categoricals
    intervals: GroupIntervals | None = None
    # the blend's out-of-fold log price per row of the training frame (NaN for rows not
    # trained on); kept in memory for the sell-through model, never saved
    out_of_fold_log_price: np.ndarray | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "out_of_fold_log_price": None}

    def predict_exits(self, frame: pl.DataFrame, exits: list[str]) -> pl.DataFrame:
        """One row per input row and exit marketplace (row order, then exits' order): the input
        row index (`row`), `exit_marketplace` and predict()'s columns with that exit as
        the `marketplace` column."""
        parts = []
        for exit_marketplace in exits:
            rows = frame.with_columns(pl.lit(exit_marketplace, pl.String).alias(EXIT_COLUMN))
            parts.append(
                self.predict(rows).with_columns(
                    row=pl.int_range(frame.height, dtype=pl.UInt32),
                    exit_marketplace=pl.lit(exit_marketplace, pl.String),
                )
            )
        if not parts:
            raise ValueError("predict_exits needs at least one exit marketplace")
        return pl.concat(parts).sort("row", maintain_order=True)

    def predict(self, frame: pl.DataFrame) -> pl.DataFrame:
        """One row per input row, in order: pred_p10/p50/p90, no_title, currency."""
        center, low, high = np.empty(0), np.empty(0), np.empty(0)
        for start in range(0, frame.height, PREDICT_CHUNK_ROWS):
            prepared = prepare(frame[start : start + PREDICT_CHUNK_ROWS], self.spec)
            chunk_center = self._center(prepared)
            center = np.concatenate([center, chunk_center])
            chunk_low, chunk_high = self._residuals(prepared, chunk_center)
            low, high = np.concatenate([low, chunk_low]), np.concatenate([high, chunk_high])
        return pl.DataFrame(
            {
                "pred_p10": _to_price(center + low),
                "pred_p50": _to_price(center),
                "pred_p90": _to_price(center + high),
                "no_title": missing_title(frame),
                "currency": [self.currency] * frame.height,
            },
            schema={
                "pred_p10": pl.Float64,
                "pred_p50": pl.Float64,
                "pred_p90": pl.Float64,
                "no_title": pl.Boolean,
                "currency": pl.String,
            },
        )

    def ridge_log_price(self, frame: pl.DataFrame) -> np.ndarray:
        """The first stage alone (a ridge over every column), for comparison."""
        return self._ridge(prepare(frame, self.spec))

    def _ridge(self, prepared: pl.DataFrame) -> np.ndarray:
        """The ridge's log-price, block by block, without stacking one wide feature matrix."""
        columns, ridge = self.pipeline.named_steps["features"], self.pipeline.named_steps["ridge"]
        total = np.full(prepared.height, float(ridge.intercept_))
        for name, transformer, selected in columns.transformers_:
            block = columns.output_indices_[name]
            if block.stop == block.start:
                continue
            data = prepared[selected] if isinstance(selected, str) else prepared.select(selected)
            total += transformer.transform(data) @ ridge.coef_[block]
        return total

    def _residuals(
        self, prepared: pl.DataFrame, center: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Interval offsets: per exit and price tercile; wider for rows whose marketplace gave
        no categorical column."""
        if self.intervals is not None:
            low, high = self.intervals.offsets(center, _exits(prepared, self.spec))
        else:
            low = np.full(prepared.height, self.residual_p10)
            high = np.full(prepared.height, self.residual_p90)
        described = [c for c in self.spec.categorical if c != EXIT_COLUMN]
        if self.blank_residuals and described:
            blank = (
                prepared.select(pl.all_horizontal(pl.col(c) == "" for c in described))
                .to_series()
                .to_numpy()
            )
            if self.intervals is None:
                low[blank], high[blank] = self.blank_residuals
            else:  # the row's own group offsets, stretched as much as title-only rows need
                pooled = self.residual_p90 - self.residual_p10
                stretch = (self.blank_residuals[1] - self.blank_residuals[0]) / max(pooled, 1e-9)
                low[blank], high[blank] = low[blank] * stretch, high[blank] * stretch
        return low, high

    def _center(self, prepared: pl.DataFrame) -> np.ndarray:
        ridge = self._ridge(prepared)
        if self.trees is None or self.trees.trees is None:
            return ridge
        boosted = self.trees.predict(ridge, prepared)
        return self.tree_weight * boosted + (1 - self.tree_weight) * ridge

    def save(self, directory: Path) -> None:
        """Write the model (joblib) and its model_card.json into directory."""
        save_artifact(self, self.card, directory, MODEL_FILE, CARD_FILE)

    @classmethod
    def load(cls, directory: Path) -> ResaleModel:
        """Read a model written by save()."""
        return load_artifact(cls, directory, MODEL_FILE)


@dataclass
class GroupIntervals:
    """Split-conformal p10/p90 log offsets per (exit marketplace, predicted-price tercile),
    from out-of-fold residuals; cells with few residuals use their tercile's, widened when
    the exit itself has few comps."""

    tercile_edges: tuple[float, float]
    terciles: list[tuple[float, float]]
    cells: dict[tuple[str, int], tuple[float, float]]
    exit_comps: dict[str, int]

    @classmethod
    def fit(cls, centre: np.ndarray, residuals: np.ndarray, exits: np.ndarray) -> GroupIntervals:
        """Learn the offsets from out-of-fold centres, residuals and the rows' exits."""
        edges = tuple(float(e) for e in np.quantile(centre, [1 / 3, 2 / 3]))
        tercile = np.searchsorted(edges, centre)
        terciles = [
            _conformal(residuals[tercile == t]) if (tercile == t).any() else _conformal(residuals)
            for t in range(3)
        ]
        cells = {}
        names, counts = np.unique(exits, return_counts=True)
        for name in names:
            for t in range(3):
                rows = (exits == name) & (tercile == t)
                if rows.sum() >= MIN_CELL_RESIDUALS:
                    cells[(str(name), t)] = _conformal(residuals[rows])
        comps = {str(n): int(c) for n, c in zip(names, counts, strict=True)}
        return cls(edges, terciles, cells, comps)

    def offsets(self, centre: np.ndarray, exits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """p10 and p90 log offsets for rows with these centres and exits ('' = none given)."""
        tercile = np.searchsorted(self.tercile_edges, centre)
        low, high = np.empty(len(centre)), np.empty(len(centre))
        for t in range(3):
            low[tercile == t], high[tercile == t] = self.terciles[t]
        for name in np.unique(exits):
            rows = exits == name
            for t in range(3):
                cell = self.cells.get((str(name), t))
                if cell is not None:
                    low[rows & (tercile == t)], high[rows & (tercile == t)] = cell
            if name != "":
                widen = self.widening(str(name))
                low[rows], high[rows] = low[rows] * widen, high[rows] * widen
        return low, high

    def widening(self, exit_marketplace: str) -> float:
        """1 for an exit with MIN_EXIT_COMPS comps or more, up to EXIT_WIDEN for an unseen one:
        the model knows little about the price level of an exit it has few sales from."""
        if not self.exit_comps or set(self.exit_comps) == {""}:
            return 1.0  # the data has no exit column at all: nothing to widen for
        seen = min(self.exit_comps.get(exit_marketplace, 0), MIN_EXIT_COMPS)
        return 1 + (EXIT_WIDEN - 1) * (1 - seen / MIN_EXIT_COMPS)

    def describe(self) -> dict[str, Any]:
        """Plain dict for the model card."""
        return {
            "tercile_edges_log_price": list(self.tercile_edges),
            "tercile_offsets": [list(t) for t in self.terciles],
            "exit_tercile_offsets": {f"{e}|{t}": list(v) for (e, t), v in self.cells.items()},
            "exit_comps": self.exit_comps,
            "min_exit_comps_before_widening": MIN_EXIT_COMPS,
        }


def _conformal(residuals: np.ndarray) -> tuple[float, float]:
    """Split-conformal p10/p90 offsets: the floor((n+1)/10)-th and ceil(9(n+1)/10)-th order
    statistics, so that a new residual falls between them with probability >= 0.8."""
    ordered, n = np.sort(residuals), len(residuals)
    low = ordered[max(int(np.floor((n + 1) * 0.1)), 1) - 1]
    high = ordered[min(int(np.ceil((n + 1) * 0.9)), n) - 1]
    return min(float(low), 0.0), max(float(high), 0.0)


def _exits(prepared: pl.DataFrame, spec: FeatureSpec) -> np.ndarray:
    if EXIT_COLUMN not in spec.categorical:
        return np.full(prepared.height, "", dtype=object)
    return prepared[EXIT_COLUMN].to_numpy().astype(object)


def find_leaks(
    frame: pl.DataFrame, allow: tuple[str, ...] | list[str] = ()
) -> list[dict[str, Any]]:
    """Numeric columns that alone predict log price with out-of-fold R^2 > LEAK_R2 (binned
    means, 5 folds): the listing's own price in another guise. Columns in `allow` are kept.
    String columns are not checked: a product key legitimately determines the price."""
    data = training_rows(frame)
    if data.height < 20:
        return []
    target = np.log1p(data["price"].to_numpy())
    leaks = []
    for name in infer_spec(data).numeric:
        if name in allow:
            continue
        values = data[name].cast(pl.Float64, strict=False).fill_nan(None).to_numpy()
        r2 = _single_column_r2(values, target)
        if r2 > LEAK_R2:
            leaks.append({"column": name, "out_of_fold_r2": round(r2, 4)})
    return leaks


def _single_column_r2(values: np.ndarray, target: np.ndarray) -> float:
    """Out-of-fold R^2 of log price from quantile bins of one column (nulls are one bin)."""
    known = ~np.isnan(values)
    if known.sum() < 10:
        return 0.0
    bins = int(np.clip(len(values) // 20, 10, LEAK_MAX_BINS))
    edges = np.unique(np.quantile(values[known], np.linspace(0, 1, bins + 1)[1:-1]))
    codes = np.where(known, np.searchsorted(edges, np.nan_to_num(values)), len(edges) + 1)
    n_codes = len(edges) + 2
    predicted = np.empty(len(target))
    for train_idx, test_idx in KFold(5, shuffle=True, random_state=SEED).split(target):
        sums = np.bincount(codes[train_idx], target[train_idx], n_codes)
        counts = np.bincount(codes[train_idx], minlength=n_codes)
        mean = float(target[train_idx].mean())
        means = np.where(counts > 0, sums / np.maximum(counts, 1), mean)
        predicted[test_idx] = means[codes[test_idx]]
    total = float(np.sum((target - target.mean()) ** 2))
    return 1 - float(np.sum((target - predicted) ** 2)) / total if total > 0 else 0.0


def guard_leaks(
    frame: pl.DataFrame, allow: tuple[str, ...] | list[str] = ()
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The frame without its leaking columns (find_leaks), and those columns with their R^2."""
    leaks = find_leaks(frame, allow)
    return frame.drop([leak["column"] for leak in leaks]), leaks


def read_table(path: Path) -> pl.DataFrame:
    """Read a CSV or Parquet file (by suffix); ValueError naming the file otherwise."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise ValueError(f"{path}: unsupported table format {suffix!r} (expected .csv or .parquet)")
    try:
        if suffix == ".csv":
            return pl.read_csv(path, null_values=_NULLS, infer_schema_length=10_000)
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ValueError(f"{path}: cannot read table: {error}") from error


def fit_model(frame: pl.DataFrame, allow_features: tuple[str, ...] = ()) -> ResaleModel:
    """Fit on rows with a positive price in the main currency; card holds a holdout evaluation
    and the columns left out as target leaks (unless named in allow_features)."""
    frame, leaks = guard_leaks(frame, allow_features)
    metrics = evaluate(frame, allow_features=allow_features) if _enough(frame) else None
    if metrics is not None:
        metrics["excluded_leaky_columns"] = leaks  # found before the split, on every row
    model = fit_as_given(frame)
    model.card["metrics"] = metrics
    model.card["excluded_leaky_columns"] = leaks
    return model


def evaluate(
    frame: pl.DataFrame,
    time_column: str | None = "listed_at",
    test_fraction: float = 0.2,
    allow_features: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Holdout metrics (newest rows by time_column, else a seeded random split) vs baselines."""
    return evaluate_holdout(frame, time_column, test_fraction, allow_features)[0]


def _enough(frame: pl.DataFrame) -> bool:
    return training_rows(frame).height >= 20


def evaluate_holdout(
    frame: pl.DataFrame,
    time_column: str | None = "listed_at",
    test_fraction: float = 0.2,
    allow_features: tuple[str, ...] = (),
) -> tuple[dict[str, Any], pl.DataFrame]:
    """evaluate(), plus the holdout rows with the held-out model's pred_p10/p50/p90.
    Leaking columns (find_leaks) are left out first."""
    frame, leaks = guard_leaks(frame, allow_features)
    data = training_rows(frame)
    if data.height < 2:
        raise ValueError(f"need at least 2 rows with a positive price, got {data.height}")
    order = time_order(data, time_column)
    split = "time" if order is not None else "random"
    if order is None:
        order = np.random.default_rng(SEED).permutation(data.height)
    n_test = min(max(1, math.ceil(test_fraction * data.height)), data.height - 1)
    train, test = data[order[:-n_test]], data[order[-n_test:]]
    y_test = test["price"].to_numpy()

    started = time.perf_counter()
    model = fit_as_given(train)
    fit_seconds = time.perf_counter() - started
    pred = model.predict(test)
    median = float(train["price"].median())
    low, high = np.quantile(train["price"].to_numpy(), [0.1, 0.9])
    baseline_ridge = make_pipeline(NgramTfidf("word", (1, 2)), Ridge(alpha=RIDGE_ALPHA))
    with one_blas_thread():
        baseline_ridge.fit(_titles(train), np.log1p(train["price"].to_numpy()))
    ridge_pred = _to_price(baseline_ridge.predict(_titles(test)))
    report = {
        "split": split,
        "train_rows": train.height,
        "test_rows": test.height,
        "fit_seconds": round(fit_seconds, 3),
        "model": prediction_metrics(
            y_test, pred["pred_p50"].to_numpy(), pred["pred_p10"], pred["pred_p90"]
        ),
        "baseline_global_median": prediction_metrics(
            y_test,
            np.full(test.height, median),
            np.full(test.height, low),
            np.full(test.height, high),
        ),
        "baseline_group_median": prediction_metrics(y_test, _group_median(train, test, median)),
        "baseline_tfidf_ridge": prediction_metrics(y_test, ridge_pred),
        "baseline_ridge_all_columns": prediction_metrics(
            y_test, _to_price(model.ridge_log_price(test))
        ),
        "coverage_by_tercile": _coverage_by_tercile(y_test, pred),
        "coverage_by_exit": _coverage_by_exit(test, y_test, pred),
        "excluded_leaky_columns": leaks,
    }
    return report, test.hstack(pred.select("pred_p10", "pred_p50", "pred_p90"))


def _coverage_by_tercile(y: np.ndarray, pred: pl.DataFrame) -> dict[str, Any]:
    """p10-p90 coverage within terciles of the predicted p50 and of the actual price."""
    covered = (pred["pred_p10"].to_numpy() <= y) & (y <= pred["pred_p90"].to_numpy())
    result: dict[str, Any] = {}
    for by, values in (("predicted", pred["pred_p50"].to_numpy()), ("actual", y)):
        tercile = np.searchsorted(np.quantile(values, [1 / 3, 2 / 3]), values)
        result[by] = [
            round(float(covered[tercile == t].mean()), 4) if (tercile == t).any() else None
            for t in range(3)
        ]
    return result


def _coverage_by_exit(test: pl.DataFrame, y: np.ndarray, pred: pl.DataFrame) -> dict[str, Any]:
    """p10-p90 coverage and rows per exit marketplace of the holdout (when it has one)."""
    if EXIT_COLUMN not in test.columns:
        return {}
    covered = (pred["pred_p10"].to_numpy() <= y) & (y <= pred["pred_p90"].to_numpy())
    exits = test[EXIT_COLUMN].cast(pl.String).fill_null("").to_numpy()
    return {
        str(name): {
            "rows": int((exits == name).sum()),
            "coverage": round(float(covered[exits == name].mean()), 4),
        }
        for name in np.unique(exits)
    }


def format_report(report: dict[str, Any]) -> str:
    """evaluate()'s report as a table, with the model's gain over the better ridge baseline."""
    lines = [
        f"split={report['split']} train={report['train_rows']} test={report['test_rows']} "
        f"fit={report['fit_seconds']:.1f}s",
        f"  {'':26} {'RMSLE':>7} {'MAE':>9} {'medAPE':>7} {'cov80':>6}",
    ]
    for name, m in report.items():
        if isinstance(m, dict) and "rmsle" in m:
            cov = "-" if m["coverage_p10_p90"] is None else f"{m['coverage_p10_p90']:.3f}"
            lines.append(
                f"  {name:26} {m['rmsle']:7.4f} {m['mae']:9.2f} {m['median_ape']:7.3f} {cov:>6}"
            )
    ridge = min(report[name]["rmsle"] for name in RIDGE_BASELINES)
    gain = 100 * (1 - report["model"]["rmsle"] / ridge)
    lines.append(f"  model vs the better ridge baseline: {gain:.1f}% lower RMSLE")
    terciles = report.get("coverage_by_tercile") or {}
    if terciles:
        lines.append(f"  coverage by predicted-price tercile {terciles['predicted']}")
        lines.append(f"  coverage by actual-price tercile {terciles['actual']}")
    for name, cell in (report.get("coverage_by_exit") or {}).items():
        lines.append(
            f"  coverage at exit {name or '(none)'}: {cell['coverage']} ({cell['rows']} rows)"
        )
    for leak in report.get("excluded_leaky_columns") or []:
        lines.append(
            f"  left out as a target leak: {leak['column']} "
            f"(alone predicts log price with out-of-fold R2 {leak['out_of_fold_r2']})"
        )
    return "\n".join(lines)


def _group_median(train: pl.DataFrame, test: pl.DataFrame, fallback: float) -> np.ndarray:
    """Median training price of the test row's product key (else category, else brand)."""
    key = next((c for c in GROUP_KEYS if c in train.columns and c in test.columns), None)
    if key is None:
        return np.full(test.height, fallback)
    medians = train.group_by(pl.col(key).cast(pl.String)).agg(pl.col("price").median())
    keys = test.select(pl.col(key).cast(pl.String))
    joined = keys.join(medians, on=key, how="left", maintain_order="left")
    return joined["price"].fill_null(fallback).to_numpy()


def fit_file(train: Path, out: Path, allow_features: tuple[str, ...] = ()) -> dict[str, Any]:
    """Read a training table, fit, save the model into out, return the model card."""
    model = fit_model(read_table(train), allow_features)
    model.save(out)
    return model.card


def predict_file(model_dir: Path, input_path: Path, out_path: Path) -> int:
    """Write input rows plus pred_p10/p50/p90 and no_title to CSV or Parquet; return row count."""
    out_path = Path(out_path)
    if out_path.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise ValueError(f"{out_path}: unsupported output format (expected .csv or .parquet)")
    model = ResaleModel.load(model_dir)
    frame = read_table(input_path)
    predictions = model.predict(frame).select(PREDICTION_COLUMNS)
    result = frame.drop(PREDICTION_COLUMNS, strict=False).hstack(predictions)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix.lower() == ".csv":
        result.write_csv(out_path)
    else:
        result.write_parquet(out_path)
    return result.height


def fit_as_given(frame: pl.DataFrame) -> ResaleModel:
    """Fit the resale model on the frame's columns as given: no leak guard and no holdout
    evaluation (fit_model adds both); only training_rows are learnt from."""
    currency = _training_currency(frame)
    data = training_rows(frame.with_row_index("_input_row"))
    input_rows = data["_input_row"].to_numpy()
    data = data.drop("_input_row")
    if data.height == 0:
        raise ValueError("no training rows: need a positive `price` on at least one row")
    spec = infer_spec(data)
    features = prepare(data, spec)
    target = np.log1p(data["price"].to_numpy())

    # Vectorise once (text features are unsupervised); only the ridge is refitted per fold.
    columns = _columns(spec, data.height * (2 if spec.categorical else 1))
    matrix, blank = _augmented_matrices(columns, features, spec)
    residuals, coefs, splits = np.zeros(1), [], []
    oof = oof_blank = np.empty(0)
    folds = min(CV_FOLDS if data.height <= MANY_ROWS else CV_FOLDS_MANY_ROWS, data.height)
    if folds >= 2:
        oof, oof_blank = np.empty(data.height), np.empty(data.height)
        splits = list(KFold(folds, shuffle=True, random_state=SEED).split(matrix))
        for train_idx, test_idx in splits:
            start = coefs[-1] if coefs else None  # folds overlap: warm start from the last
            fold = _fit_augmented(matrix[train_idx], blank[train_idx], target[train_idx], start)
            oof[test_idx] = fold.predict(matrix[test_idx])
            oof_blank[test_idx] = fold.predict(blank[test_idx])
            coefs.append(fold.coef_)
    trees, weight = None, 0.0
    if splits and data.height >= tree_stage.MIN_ROWS:
        trees, weight, oof, oof_blank = _fit_trees(features, spec, target, oof, oof_blank, splits)
    blank_low = blank_high = None
    intervals, out_of_fold = None, None
    if splits:
        residuals = target - oof
        if spec.categorical:
            blank_low, blank_high = _interval(target - oof_blank)
        intervals = GroupIntervals.fit(oof, residuals, _exits(features, spec))
        out_of_fold = np.full(frame.height, np.nan)
        out_of_fold[input_rows] = oof
    low, high = _interval(residuals)
    start = np.mean(coefs, axis=0) if coefs else None  # warm start from the folds
    ridge = _fit_augmented(matrix, blank, target, start)
    pipeline = Pipeline([("features", columns), ("ridge", ridge)])
    card = {
        "training_rows": data.height,
        "currency": currency,
        "target": "log1p(price)",
        "regressor": f"Ridge(alpha={RIDGE_ALPHA})"
        + (f" blended with gradient-boosted trees (weight {weight})" if trees else ""),
        "feature_columns": {
            "text": ["title"] + (["description"] if spec.has_description else []),
            "categorical": spec.categorical,
            "numeric": spec.numeric,
            "title_derived": list(TITLE_FEATURES),
        },
        "interval": {
            "method": f"split-conformal on {folds}-fold out-of-fold residuals, per exit "
            "marketplace and predicted-price tercile",
            "groups": intervals.describe() if intervals else None,
            "log_residual_p10": low,
            "log_residual_p90": high,
            "log_residual_p10_without_categoricals": blank_low,
            "log_residual_p90_without_categoricals": blank_high,
        },
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
    }
    blank = None if blank_low is None else (blank_low, blank_high)
    return ResaleModel(
        pipeline, spec, currency, low, high, card, trees, weight, blank, intervals, out_of_fold
    )


def _interval(residuals: np.ndarray) -> tuple[float, float]:
    """Log-price offsets of p10 and p90 (p10 <= p50 <= p90 always)."""
    low, high = np.quantile(residuals, [0.1, 0.9])
    return min(float(low), 0.0), max(float(high), 0.0)


def _fit_trees(
    features: pl.DataFrame,
    spec: FeatureSpec,
    target: np.ndarray,
    oof: np.ndarray,
    oof_blank: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[tree_stage.TreeStage | None, float, np.ndarray, np.ndarray]:
    """Trees over the ridge's out-of-fold log-prices, on the ridge's folds; the blend weight
    with the lowest out-of-fold error; the blend's out-of-fold centres (rows, blanked rows)."""
    stage = tree_stage.TreeStage.learn_columns(features, spec)
    inputs = stage.matrix(oof, features)
    inputs_blank = stage.matrix(oof_blank, _blank_categoricals(features, spec))
    boosted, boosted_blank = np.empty(len(target)), np.empty(len(target))
    both = spec.categorical != []
    for train_idx, test_idx in splits:
        fitted = stage.fit(*_rows_and_blanked(inputs, inputs_blank, target, train_idx, both))
        boosted[test_idx] = tree_stage.predict(fitted, inputs[test_idx])
        boosted_blank[test_idx] = tree_stage.predict(fitted, inputs_blank[test_idx])

    def blend(weight: float) -> tuple[np.ndarray, np.ndarray]:
        return (
            weight * boosted + (1 - weight) * oof,
            weight * boosted_blank + (1 - weight) * oof_blank,
        )

    def error(weight: float) -> float:
        centre, centre_blank = blend(weight)
        return float(np.mean((target - centre) ** 2) + both * np.mean((target - centre_blank) ** 2))

    weight = min(BLEND_WEIGHTS, key=error)
    if weight == 0:
        return None, 0.0, oof, oof_blank
    everything = np.arange(len(target))
    stage.trees = stage.fit(*_rows_and_blanked(inputs, inputs_blank, target, everything, both))
    return (stage, weight, *blend(weight))


def _rows_and_blanked(
    inputs: np.ndarray, inputs_blank: np.ndarray, target: np.ndarray, rows: np.ndarray, both: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Training rows, plus their categorical-blanked copies when there are categoricals."""
    if not both:
        return inputs[rows], target[rows]
    return np.vstack([inputs[rows], inputs_blank[rows]]), np.concatenate([target[rows]] * 2)


def _blank_categoricals(features: pl.DataFrame, spec: FeatureSpec) -> pl.DataFrame:
    return features.with_columns(pl.lit("").alias(name) for name in spec.categorical)


def _augmented_matrices(
    columns: ColumnTransformer, features: pl.DataFrame, spec: FeatureSpec
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Fit the feature columns on the rows plus their categorical-blanked copies; both matrices."""
    if not spec.categorical:
        matrix = sparse.csr_matrix(columns.fit_transform(features))
        return matrix, matrix
    both = sparse.csr_matrix(
        columns.fit_transform(pl.concat([features, _blank_categoricals(features, spec)]))
    )
    return both[: features.height], both[features.height :]


def _fit_augmented(
    matrix: sparse.csr_matrix,
    blank: sparse.csr_matrix,
    target: np.ndarray,
    start: np.ndarray | None = None,
) -> Ridge:
    """Fit on the rows twice, once without their categoricals, so that listings whose
    marketplace shows no condition, category or brand are priced from the title alone.

    A ridge with intercept by Jacobi-preconditioned conjugate gradients on the stacked rows
    [matrix; blank], where blank = matrix + diff and diff only touches the categorical columns,
    so each iteration multiplies by the (large) text matrix once instead of twice.
    """
    copies = 1 if blank is matrix else 2
    diff = sparse.csr_matrix(matrix.shape) if blank is matrix else (blank - matrix).tocsr()
    rows, cols = copies * matrix.shape[0], matrix.shape[1]
    transposed, diff_t = matrix.T.tocsr(), diff.T.tocsr()
    mean = np.asarray(copies * matrix.sum(axis=0) + diff.sum(axis=0)).ravel() / rows
    squares = matrix.multiply(matrix).sum(axis=0)
    if copies == 2:
        squares = squares + blank.multiply(blank).sum(axis=0)
    jacobi = sparse.diags(
        1.0 / (np.maximum(np.asarray(squares).ravel() - rows * mean**2, 0) + RIDGE_ALPHA)
    )

    def normal(w: np.ndarray) -> np.ndarray:  # A'A w + alpha w for the column-centred stack A
        shift, xw = mean @ w, matrix @ w
        first = xw - shift
        if copies == 1:
            return transposed @ first - mean * first.sum() + RIDGE_ALPHA * w
        second = first + diff @ w
        both = first + second
        return transposed @ both + diff_t @ second - mean * both.sum() + RIDGE_ALPHA * w

    centred = target - target.mean()
    rhs = transposed @ (copies * centred) + (diff_t @ centred if copies == 2 else 0.0)
    operator = LinearOperator((cols, cols), normal, dtype=np.float64)
    with one_blas_thread():
        coef, _ = cg(operator, rhs, x0=start, rtol=RIDGE_TOL, maxiter=RIDGE_MAX_ITER, M=jacobi)
    ridge = Ridge(alpha=RIDGE_ALPHA)
    ridge.coef_, ridge.intercept_ = coef, float(target.mean() - mean @ coef)
    ridge.n_features_in_ = cols
    return ridge


def one_blas_thread() -> threadpool_limits:
    """BLAS on one thread for the solvers: their vector products (one entry per feature) are
    too short to share, and on a busy host OpenBLAS's waiting threads spin (a 25,000-long dot
    product took 0.1-0.8 ms of a core instead of 4 us; the fit's CPU halved)."""
    return threadpool_limits(1, user_api="blas")


def _columns(spec: FeatureSpec, rows: int) -> ColumnTransformer:
    min_df = 2 if rows >= 200 else 1
    text = [
        ("title_word", NgramTfidf("word", (1, 2), min_df, MAX_WORD_FEATURES)),
        ("title_char", NgramTfidf("char_wb", (3, 5), min_df, MAX_CHAR_FEATURES)),
    ]
    transformers: list[tuple[str, Any, Any]] = [(name, vec, "_title") for name, vec in text]
    if spec.has_description:
        vec = NgramTfidf("word", (1, 2), min_df, MAX_WORD_FEATURES)
        transformers.append(("description", vec, "_description"))
    if spec.categorical:
        onehot = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)
        transformers.append(("categorical", onehot, spec.categorical))
    numeric = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        StandardScaler(),
    )
    transformers.append(("numeric", numeric, spec.numeric_features))
    return ColumnTransformer(transformers, sparse_threshold=1.0)


def training_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows a model learns from: a positive finite price (cast to float) in the frame's
    most common currency (or none); ValueError without a `price` column."""
    if "price" not in frame.columns:
        raise ValueError("training data needs a `price` column")
    price = pl.col("price").cast(pl.Float64, strict=False)
    keep = price.is_not_null() & price.is_finite() & (price > 0)
    if "currency" in frame.columns:
        currency = pl.col("currency").cast(pl.String)
        keep &= currency.is_null() | (currency == _training_currency(frame))
    return frame.with_columns(price).filter(keep)


def _training_currency(frame: pl.DataFrame) -> str:
    if "currency" not in frame.columns:
        return DEFAULT_CURRENCY
    counts = frame["currency"].cast(pl.String).drop_nulls().value_counts(sort=True)
    return str(counts[0, 0]) if counts.height else DEFAULT_CURRENCY


def time_order(frame: pl.DataFrame, column: str | None) -> np.ndarray | None:
    """Row indices oldest first by `column` (nulls first, ISO strings parsed), or None when
    the column is missing or all null."""
    if not column or column not in frame.columns:
        return None
    values = frame[column]
    if values.dtype == pl.String:
        parsed = values.str.to_datetime(strict=False, time_zone="UTC")
        values = parsed if parsed.null_count() < values.len() else values
    if values.null_count() == values.len():
        return None
    return values.arg_sort(nulls_last=False).to_numpy()


def _titles(frame: pl.DataFrame) -> list[str]:
    return prepare(frame, FeatureSpec())["_title"].to_list()


def _to_price(log_values: np.ndarray) -> np.ndarray:
    return np.round(np.clip(np.expm1(log_values), 0.0, None), 2)


def prediction_metrics(
    y: np.ndarray, p50: np.ndarray, p10: Any = None, p90: Any = None
) -> dict[str, float | None]:
    """RMSLE, MAE and median APE of the p50 predictions against the prices y, and the share of
    y inside p10-p90 when both are given (else None)."""
    p50 = np.asarray(p50, dtype=float)
    coverage = None
    if p10 is not None and p90 is not None:
        p10, p90 = np.asarray(p10, dtype=float), np.asarray(p90, dtype=float)
        coverage = round(float(np.mean((p10 <= y) & (y <= p90))), 4)
    return {
        "rmsle": round(float(np.sqrt(np.mean((np.log1p(p50) - np.log1p(y)) ** 2))), 4),
        "mae": round(float(np.mean(np.abs(p50 - y))), 2),
        "median_ape": round(float(np.median(np.abs(p50 - y) / y)), 4),
        "coverage_p10_p90": coverage,
    }
