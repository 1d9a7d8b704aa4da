"""The sell-through model on real ended eBay MacBook listings (sold and unsold)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from arb_pipeline.pricing.model import read_table
from arb_pipeline.pricing.sell_through import SellThroughModel, fit_sell_through

MACBOOK_CSV = Path("ebay_finding_api") / "macbook_completed_items_2016.csv"


@pytest.fixture(scope="module")
def ended(shared_fixtures: Path) -> pl.DataFrame:
    """Ended listings, oldest first: title, price, condition, category, listed_at, sold."""
    frame = read_table(shared_fixtures / MACBOOK_CSV).sort("endTime").tail(4000)
    return frame.select(
        "title",
        price="value",
        condition="conditionDisplayName",
        category="categoryName",
        listed_at="endTime",
        sold=pl.col("sellingState") == "EndedWithSales",
    )


@pytest.fixture(scope="module")
def model(ended: pl.DataFrame) -> SellThroughModel:
    return fit_sell_through(ended[: int(ended.height * 0.8)])


def test_newer_listings_rank_above_chance(model: SellThroughModel, ended: pl.DataFrame) -> None:
    test = ended[int(ended.height * 0.8) :]
    proba = model.predict_proba(test)
    assert proba.name == "sell_probability"
    assert proba.len() == test.height
    assert proba.is_between(0.0, 1.0).all()
    assert roc_auc_score(test["sold"].to_numpy(), proba.to_numpy()) > 0.6
    metrics = model.card["metrics"]
    assert metrics["split"] == "time"
    assert metrics["auc"] > 0.6
    assert metrics["brier"] < metrics["baseline_brier_base_rate"]


def test_missing_columns_still_predict(model: SellThroughModel) -> None:
    proba = model.predict_proba(pl.DataFrame({"title": ["macbook pro 13 2015", None]}))
    assert proba.len() == 2
    assert proba.is_between(0.0, 1.0).all()
    assert model.predict_proba(pl.DataFrame({"title": []}, schema={"title": pl.String})).len() == 0


def test_save_load_round_trip(model: SellThroughModel, ended: pl.DataFrame, tmp_path: Path) -> None:
    model.save(tmp_path)
    loaded = SellThroughModel.load(tmp_path)
    rows = ended.tail(100)
    assert loaded.predict_proba(rows).equals(model.predict_proba(rows))
    card = json.loads((tmp_path / "sell_through_card.json").read_text())
    assert {"auc", "brier"} <= set(card["metrics"])


def test_needs_both_outcomes(ended: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="sold and unsold"):
        fit_sell_through(ended.filter(pl.col("sold")))
