"""Model versions: the first model is promoted, a worse one is kept on disk but not promoted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from arb_pipeline.pricing.model import read_table
from arb_pipeline.pricing.versions import PromotionDecision, current_version, train_version

MACBOOK_CSV = Path("ebay_finding_api") / "macbook_completed_items_2016.csv"


@pytest.fixture(scope="module")
def sold(shared_fixtures: Path) -> pl.DataFrame:
    """The newest 3000 sold MacBook listings with price and listed_at, oldest first."""
    frame = read_table(shared_fixtures / MACBOOK_CSV)
    frame = frame.filter(pl.col("sellingState") == "EndedWithSales").sort("endTime").tail(3000)
    return frame.select("title", "conditionDisplayName", price="value", listed_at="endTime")


@pytest.fixture(scope="module")
def older(sold: pl.DataFrame) -> pl.DataFrame:
    """The older 80% of the sold listings: the first model's training window."""
    return sold[: int(sold.height * 0.8)]


@pytest.fixture(scope="module")
def first(
    older: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, PromotionDecision]:
    """A models folder holding one version, trained on the older 80%."""
    models = tmp_path_factory.mktemp("models")
    version, _, decision = train_version(models, older)
    return models, version, decision


@pytest.fixture
def models(first: tuple[Path, str, PromotionDecision], tmp_path: Path) -> Path:
    """A copy of the first model's folder for one test to add versions to."""
    return Path(shutil.copytree(first[0], tmp_path / "models"))


def test_first_model_is_promoted_with_a_card(
    first: tuple[Path, str, PromotionDecision], older: pl.DataFrame
) -> None:
    models, version, decision = first
    assert decision.promoted
    assert "first model" in decision.reason
    assert current_version(models) == version
    card = json.loads((models / version / "model_card.json").read_text())
    window = card["data_window"]
    assert window["rows"] == older.height == 2400
    assert (
        window["min_listed_at"].startswith("2016-")
        and window["max_listed_at"] > window["min_listed_at"]
    )
    assert card["promotion"]["promoted"] is True
    assert {"baseline_global_median", "baseline_tfidf_ridge"} <= set(card["baselines"])


def test_model_trained_on_shuffled_prices_is_not_promoted(
    first: tuple[Path, str, PromotionDecision], models: Path, sold: pl.DataFrame
) -> None:
    prices = np.random.default_rng(1).permutation(sold["price"].to_numpy())
    garbage = sold.with_columns(price=pl.Series(prices))
    new_version, _, decision = train_version(models, garbage)
    assert not decision.promoted
    assert decision.reason.startswith("rejected: new RMSLE")
    assert decision.new_metrics is not None and decision.new_metrics["rmsle"] > 0.5
    assert current_version(models) == first[1]
    card = json.loads((models / new_version / "model_card.json").read_text())
    assert card["promotion"]["reason"] == decision.reason


def test_model_trained_on_noisy_prices_loses_to_current_on_unseen_rows(
    first: tuple[Path, str, PromotionDecision], models: Path, sold: pl.DataFrame
) -> None:
    """Current model trained on the older 80%; the new one on noisy prices plus the real newest
    20%, which it is compared on (rows the current model never saw)."""
    cut = int(sold.height * 0.8)
    noise = np.exp(np.random.default_rng(2).normal(0, 1.0, cut))
    prices = np.concatenate(
        [sold["price"].to_numpy()[:cut] * noise, sold["price"].to_numpy()[cut:]]
    )
    _, _, decision = train_version(models, sold.with_columns(price=pl.Series(prices)))
    assert not decision.promoted
    assert "worse than current" in decision.reason
    assert f"on the newest {sold.height - cut} rows" in decision.reason
    assert decision.current_metrics is not None and decision.new_metrics is not None
    assert decision.new_metrics["rmsle"] > decision.current_metrics["rmsle"]
    assert current_version(models) == first[1]


def test_retraining_on_the_same_rows_is_not_blocked_by_in_sample_scores(
    first: tuple[Path, str, PromotionDecision], models: Path, older: pl.DataFrame
) -> None:
    """The current model saw the whole holdout: compare both models' own holdout scores."""
    new_version, _, decision = train_version(models, older)
    assert decision.promoted, decision.reason
    assert "own newest-20% holdout" in decision.reason
    assert current_version(models) == new_version != first[1]
