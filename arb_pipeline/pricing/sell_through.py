"""Sell-through model: calibrated probability that a listing sells, from ended listings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from arb_pipeline.pricing.artifacts import load_artifact, save_artifact
from arb_pipeline.pricing.features import WORD_TOKENS
from arb_pipeline.pricing.model import ResaleModel, one_blas_thread, time_order

CATEGORICAL = ("source", "condition", "category", "brand")
NUMERIC = ("log_price", "log_price_vs_p50")
MODEL_FILE = "sell_through.joblib"
CARD_FILE = "sell_through_card.json"
SEED = 0


@dataclass
class SellThroughModel:
    """A fitted, calibrated classifier of whether an ended listing sold."""

    pipeline: CalibratedClassifierCV
    categorical: list[str]
    card: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, frame: pl.DataFrame) -> pl.Series:
        """Probability of a sale per input row, in order, named sell_probability."""
        if frame.height == 0:
            return pl.Series("sell_probability", [], dtype=pl.Float64)
        proba = self.pipeline.predict_proba(_features(frame, self.categorical))[:, 1]
        return pl.Series("sell_probability", proba, dtype=pl.Float64)

    def save(self, directory: Path) -> None:
        """Write the model (joblib) and its sell_through_card.json into directory."""
        save_artifact(self, self.card, directory, MODEL_FILE, CARD_FILE)

    @classmethod
    def load(cls, directory: Path) -> SellThroughModel:
        """Read a model written by save()."""
        return load_artifact(cls, directory, MODEL_FILE)


def fit_sell_through(
    frame: pl.DataFrame,
    resale: ResaleModel | None = None,
    test_fraction: float = 0.2,
    out_of_fold: pl.DataFrame | None = None,
    key: str = "listing_key",
) -> SellThroughModel:
    """Fit on ended listings (title, price, sold: bool, ...); card holds a holdout AUC/Brier.

    With a resale model, `log_price_vs_p50` compares each price with the resale p50. A sold
    listing the resale model trained on must get its out-of-fold p50 (`out_of_fold`: `key`,
    `pred_p50`), never the fitted model's in-sample one: sold rows would sit closer to their
    p50 than unsold ones for no reason but having been trained on, and the classifier would
    learn the label from it."""
    if resale is not None and out_of_fold is None:
        raise ValueError(
            "a resale model needs its out-of-fold predictions (out_of_fold=): in-sample "
            "predictions for the sold comps it trained on leak the sold label"
        )
    data = ended_rows(frame, resale, out_of_fold, key)
    categorical = [
        c for c in CATEGORICAL if c in data.columns and data[c].null_count() < data.height
    ]
    if data["sold"].n_unique() < 2:
        raise ValueError("need both sold and unsold ended listings to fit a sell-through model")
    metrics = None
    order = time_order(data, "listed_at")
    split = "time" if order is not None else "random"
    if order is None:
        order = np.random.default_rng(SEED).permutation(data.height)
    n_test = math.ceil(test_fraction * data.height)
    train, test = data[order[:-n_test]], data[order[-n_test:]]
    if min(train["sold"].n_unique(), test["sold"].n_unique()) == 2 and train.height >= 20:
        proba = _fit(train, categorical).predict_proba(_features(test, categorical))[:, 1]
        y, base = test["sold"].to_numpy(), float(train["sold"].mean())
        metrics = {
            "split": split,
            "train_rows": train.height,
            "test_rows": test.height,
            "auc": round(float(roc_auc_score(y, proba)), 4),
            "brier": round(float(brier_score_loss(y, proba)), 4),
            "baseline_brier_base_rate": round(float(brier_score_loss(y, np.full(len(y), base))), 4),
        }
    card = {
        "training_rows": data.height,
        "sold_share": round(float(data["sold"].mean()), 4),
        "features": {"text": ["title"], "categorical": categorical, "numeric": list(NUMERIC)},
        "classifier": "LogisticRegression, sigmoid-calibrated (3-fold CalibratedClassifierCV)",
        "uses_resale_p50": resale is not None,
        "resale_p50_for_trained_comps": "out-of-fold" if resale is not None else None,
        "metrics": metrics,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
    }
    return SellThroughModel(_fit(data, categorical), categorical, card)


def out_of_fold_p50(resale: ResaleModel, training: pl.DataFrame, key: str) -> pl.DataFrame:
    """`key` and the out-of-fold pred_p50 of each training row the resale model fitted on
    (training is the frame it was fitted on, in the same order)."""
    oof = resale.out_of_fold_log_price
    if oof is None or len(oof) != training.height:
        raise ValueError("the resale model holds no out-of-fold predictions for these rows")
    frame = training.select(key).with_columns(pred_p50=np.round(np.expm1(oof), 2))
    return frame.filter(pl.col("pred_p50").is_not_nan()).unique(key, keep="first")


def ended_rows(
    frame: pl.DataFrame,
    resale: ResaleModel | None,
    out_of_fold: pl.DataFrame | None = None,
    key: str = "listing_key",
) -> pl.DataFrame:
    """The ended listings a sell-through model learns from (a positive price and a sold flag),
    with the resale pred_p50 when a resale model is given: out of fold (`out_of_fold` by
    `key`) for the comps it trained on."""
    missing = {"title", "price", "sold"} - set(frame.columns)
    if missing:
        raise ValueError(f"sell-through training data lacks columns {sorted(missing)}")
    price = pl.col("price").cast(pl.Float64, strict=False)
    data = frame.with_columns(price, pl.col("sold").cast(pl.Boolean))
    data = data.filter(price.is_finite() & (price > 0) & pl.col("sold").is_not_null())
    if resale is not None and data.height:
        data = data.with_columns(resale.predict(data)["pred_p50"])
        if out_of_fold is not None and out_of_fold.height and key in data.columns:
            oof = out_of_fold.select(key, oof_p50=pl.col("pred_p50"))
            data = data.join(oof, on=key, how="left", maintain_order="left")
            data = data.with_columns(pl.coalesce("oof_p50", "pred_p50").alias("pred_p50"))
            data = data.drop("oof_p50")
    return data


def _features(frame: pl.DataFrame, categorical: list[str]) -> pl.DataFrame:
    frame = frame.with_columns(
        pl.lit(None).alias(c) for c in ("price", "pred_p50", *categorical) if c not in frame
    )
    log_price = pl.col("price").cast(pl.Float64, strict=False).log1p()
    p50 = pl.col("pred_p50").cast(pl.Float64, strict=False)
    return frame.select(
        pl.col("title").cast(pl.String).fill_null("").str.to_lowercase().alias("_title")
        if "title" in frame
        else pl.lit("").alias("_title"),
        *(pl.col(c).cast(pl.String).fill_null("").alias(c) for c in categorical),
        log_price.fill_nan(None).alias("log_price"),
        (log_price - p50.log1p()).fill_nan(None).alias("log_price_vs_p50"),
    )


def _fit(data: pl.DataFrame, categorical: list[str]) -> CalibratedClassifierCV:
    words = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=WORD_TOKENS
    )
    numeric = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
    )
    transformers: list[tuple[str, Any, Any]] = [("title", words, "_title")]
    if categorical:
        onehot = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)
        transformers.append(("categorical", onehot, categorical))
    transformers.append(("numeric", numeric, list(NUMERIC)))
    pipeline = Pipeline(
        [
            ("features", ColumnTransformer(transformers)),
            ("logistic", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )
    calibrated = CalibratedClassifierCV(pipeline, method="sigmoid", cv=3)
    with one_blas_thread():
        return calibrated.fit(_features(data, categorical), data["sold"].to_numpy())
