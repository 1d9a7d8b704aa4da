"""The resale model on real ended eBay MacBook listings and on small synthetic frames."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.pricing.model import (
    ResaleModel,
    fit_file,
    fit_model,
    format_report,
    predict_file,
    read_table,
)

MACBOOK_CSV = Path("ebay_finding_api") / "macbook_completed_items_2016.csv"


@pytest.fixture(scope="module")
def sold(shared_fixtures: Path) -> pl.DataFrame:
    """Sold MacBook listings with price and listed_at, oldest first."""
    frame = read_table(shared_fixtures / MACBOOK_CSV)
    frame = frame.filter(pl.col("sellingState") == "EndedWithSales")
    return frame.rename({"value": "price", "endTime": "listed_at"}).sort("listed_at")


@pytest.fixture(scope="module")
def split(sold: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Older 80% to train on, newer 20% to check against."""
    cut = int(sold.height * 0.8)
    return sold[:cut], sold[cut:]


@pytest.fixture(scope="module")
def model(split: tuple[pl.DataFrame, pl.DataFrame]) -> ResaleModel:
    return fit_model(split[0])


def _tiny() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "title": ["iphone 12 64gb", "iphone 12 128gb", None, "ipad air 2020", "  ", "x"] * 5,
            "price": [300.0, 350.0, 200.0, 400.0, None, -1.0] * 5,
            "currency": ["EUR"] * 30,
            "condition": ["good", "like_new", None, "fair", "good", "new"] * 5,
            "weight_kg": [0.2, None, 0.2, 0.5, 0.3, 1.0] * 5,
            "colour": ["black", "white", "black", None, "red", "blue"] * 5,
        }
    )


def test_newer_prices_fall_in_interval_and_beat_median(
    model: ResaleModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    train, test = split
    pred = model.predict(test)
    price = test["price"]
    coverage = ((pred["pred_p10"] <= price) & (price <= pred["pred_p90"])).mean()
    assert 0.7 <= coverage <= 0.9
    assert (pred["pred_p10"] <= pred["pred_p50"]).all()
    assert (pred["pred_p50"] <= pred["pred_p90"]).all()
    model_rmsle = ((pred["pred_p50"].log1p() - price.log1p()) ** 2).mean() ** 0.5
    median = pl.lit(train["price"].median()).log1p()
    median_rmsle = test.select(((median - pl.col("price").log1p()) ** 2).mean().sqrt()).item()
    assert model_rmsle < median_rmsle


def test_evaluate_splits_by_time_and_reports_baselines(
    model: ResaleModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    report = model.card["metrics"]  # fit_model's evaluate() of its training rows, as defaulted
    assert report["split"] == "time"
    assert report["test_rows"] == pytest.approx(0.2 * split[0].height, abs=1)
    assert 0.7 <= report["model"]["coverage_p10_p90"] <= 0.9
    assert report["model"]["rmsle"] < report["baseline_global_median"]["rmsle"]
    assert set(report["baseline_tfidf_ridge"]) == {"rmsle", "mae", "median_ape", "coverage_p10_p90"}
    assert report["baseline_group_median"]["rmsle"] > report["model"]["rmsle"]
    # the trees must earn their place: clearly better than a ridge over the same columns
    assert report["model"]["rmsle"] <= 0.97 * report["baseline_ridge_all_columns"]["rmsle"]


def test_rows_without_categoricals_get_their_own_wider_interval(
    model: ResaleModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    test = split[1].head(50)
    bare = test.select("title", "price")  # a marketplace that shows only a title
    full, title_only = model.predict(test), model.predict(bare)
    width = (pl.col("pred_p90") / pl.col("pred_p10")).log()
    # row by row (a title-only row may land in another price tercile, whose width differs)
    wider = title_only.select(width).to_series() > full.select(width).to_series()
    assert wider.mean() >= 0.8


def test_predict_keeps_row_order_and_count(
    model: ResaleModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    test = split[1]
    forward = model.predict(test)
    backward = model.predict(test.reverse())
    assert forward.height == test.height
    assert backward["pred_p50"].to_list() == forward["pred_p50"].reverse().to_list()
    assert set(forward["currency"]) == {"USD"}


def test_rows_without_title_still_get_a_prediction(
    model: ResaleModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    rows = (
        split[1]
        .head(3)
        .with_columns(
            pl.Series("title", [None, "   ", "Apple MacBook Pro 13in 2015 8GB 256GB SSD"])
        )
    )
    pred = model.predict(rows)
    assert pred["no_title"].to_list() == [True, True, False]
    assert pred["pred_p50"].null_count() == 0
    assert (pred["pred_p50"] > 0).all()


def test_model_card_records_training_and_holdout(model: ResaleModel) -> None:
    card = model.card
    assert card["currency"] == "USD"
    assert card["training_rows"] > 4000
    assert "conditionDisplayName" in card["feature_columns"]["categorical"]
    assert (
        "itemId" not in card["feature_columns"]["categorical"] + card["feature_columns"]["numeric"]
    )
    assert card["metrics"]["model"]["rmsle"] < card["metrics"]["baseline_global_median"]["rmsle"]


def test_tiny_frame_with_extra_columns_and_gaps() -> None:
    model = fit_model(_tiny())
    new = pl.DataFrame({"title": ["iphone 12 256gb", None], "weight_kg": [None, 9.0]})
    pred = model.predict(new)
    assert pred.height == 2
    assert pred["currency"].to_list() == ["EUR", "EUR"]
    assert pred["no_title"].to_list() == [False, True]
    assert (pred["pred_p10"] <= pred["pred_p50"]).all()
    assert (pred["pred_p50"] <= pred["pred_p90"]).all()
    assert model.card["training_rows"] == 20
    assert model.card["feature_columns"]["numeric"] == ["weight_kg"]
    assert set(model.card["feature_columns"]["categorical"]) == {"condition", "colour"}


def test_save_load_round_trip(
    model: ResaleModel, split: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path
) -> None:
    model.save(tmp_path / "model")
    loaded = ResaleModel.load(tmp_path / "model")
    rows = split[1].head(200)
    assert loaded.predict(rows).equals(model.predict(rows))
    card = json.loads((tmp_path / "model" / "model_card.json").read_text())
    assert card["training_rows"] == model.card["training_rows"]
    assert {"currency", "feature_columns", "metrics"} <= set(card)


def test_fit_file_and_predict_file(tmp_path: Path) -> None:
    train = tmp_path / "train.csv"
    _tiny().write_csv(train)
    card = fit_file(train, tmp_path / "model")
    assert card["currency"] == "EUR"
    new = tmp_path / "new.parquet"
    pl.DataFrame({"title": ["ipad air 2020", None, "iphone 12"], "extra": [1, 2, 3]}).write_parquet(
        new
    )
    out = tmp_path / "out" / "pred.csv"
    assert predict_file(tmp_path / "model", new, out) == 3
    written = pl.read_csv(out)
    assert written.columns == ["title", "extra", "pred_p10", "pred_p50", "pred_p90", "no_title"]
    assert written["no_title"].to_list() == [False, True, False]


def test_read_table_rejects_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "listings.txt"
    path.write_text("title,price\na,1\n")
    with pytest.raises(ValueError, match="listings.txt"):
        read_table(path)
    with pytest.raises(ValueError, match="missing.csv"):
        read_table(tmp_path / "missing.csv")


def _two_exits() -> pl.DataFrame:
    """Sold comps of four phones: 600 on eBay, 30 on Mercari where they fetch 20% more."""
    import numpy as np

    rng = np.random.default_rng(1)
    products = {"iphone 13 128gb": 430.0, "galaxy s22": 330.0, "pixel 7": 290.0, "ps5": 430.0}
    rows = []
    for exit_marketplace, count, level in (("ebay", 600, 1.0), ("mercari", 30, 1.2)):
        for i in range(count):
            title = list(products)[i % 4]
            price = products[title] * level * float(np.exp(rng.normal(0, 0.1)))
            rows.append({"title": title, "price": price, "marketplace": exit_marketplace})
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def two_exit_model() -> ResaleModel:
    return fit_model(_two_exits())


def test_each_exit_is_priced_and_an_exit_with_few_comps_gets_a_wider_interval(
    two_exit_model: ResaleModel,
) -> None:
    model = two_exit_model
    listing = pl.DataFrame({"title": ["iphone 13 128gb"], "marketplace": ["craigslist"]})
    exits = model.predict_exits(listing, ["ebay", "mercari", "vinted"])
    assert exits["exit_marketplace"].to_list() == ["ebay", "mercari", "vinted"]
    assert exits["row"].to_list() == [0, 0, 0]
    p50 = dict(zip(exits["exit_marketplace"], exits["pred_p50"], strict=True))
    assert p50["mercari"] > 1.1 * p50["ebay"]  # learned from 30 sales at Mercari
    width = dict(
        zip(exits["exit_marketplace"], (exits["pred_p90"] / exits["pred_p10"]).log(), strict=True)
    )
    assert width["ebay"] < width["mercari"] <= width["vinted"]  # vinted: never seen
    groups = model.card["interval"]["groups"]
    assert groups["exit_comps"] == {"ebay": 600, "mercari": 30}


def test_coverage_is_reported_per_tercile_and_exit(two_exit_model: ResaleModel) -> None:
    report = two_exit_model.card["metrics"]  # evaluate() with no listed_at: a random split
    assert report["split"] == "random"
    assert set(report["coverage_by_exit"]) == {"ebay", "mercari"}
    assert len(report["coverage_by_tercile"]["predicted"]) == 3
    assert 0.7 <= report["model"]["coverage_p10_p90"] <= 0.9


def test_a_column_that_is_the_price_in_disguise_is_left_out_unless_allowed(
    tmp_path: Path,
) -> None:
    frame = _two_exits().with_columns(
        # the listing's own earlier asking price: the sale price plus a little
        asking_price=pl.col("price") * 1.05,
        screen_inches=pl.Series([6.1, 6.1, 6.3, 0.0] * 157 + [6.1, 6.1]),
    )
    model = fit_model(frame)
    leaks = model.card["excluded_leaky_columns"]
    assert [leak["column"] for leak in leaks] == ["asking_price"]
    assert leaks[0]["out_of_fold_r2"] > 0.9
    assert "asking_price" not in model.card["feature_columns"]["numeric"]
    assert "screen_inches" in model.card["feature_columns"]["numeric"]
    assert "asking_price" in format_report(model.card["metrics"])

    allowed = fit_model(frame, allow_features=("asking_price",))
    assert allowed.card["excluded_leaky_columns"] == []
    assert "asking_price" in allowed.card["feature_columns"]["numeric"]
