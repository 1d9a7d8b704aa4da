"""The same model on other marketplaces' real data: clearly better than the TF-IDF ridge on
Craigslist cars (year in the title), no worse on Mercari clothing once the listing's own
earlier price is out, and that earlier price is caught as a target leak."""

import importlib.util
from pathlib import Path

import pytest

from arb_pipeline.pricing.model import evaluate, find_leaks

BENCH = Path(__file__).resolve().parents[2] / "bench" / "model_generalisation.py"


@pytest.fixture(scope="module")
def bench(shared_fixtures):
    spec = importlib.util.spec_from_file_location("model_generalisation", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cars_beat_ridge_by_ten_percent_with_honest_intervals(bench) -> None:
    result = evaluate(bench.craigslist_cars(), time_column=None)
    assert result["model"]["rmsle"] <= 0.9 * result["baseline_tfidf_ridge"]["rmsle"]
    assert 0.65 <= result["model"]["coverage_p10_p90"] <= 1.0


def test_mercari_without_its_earlier_price_is_no_worse_than_ridge(bench) -> None:
    # 293 rows of clothing: without the leak the title ridge is about as good as it gets
    result = evaluate(bench.mercari_clothing(), time_column=None)
    assert result["model"]["rmsle"] <= 1.05 * result["baseline_tfidf_ridge"]["rmsle"]
    assert 0.65 <= result["model"]["coverage_p10_p90"] <= 0.95


def test_mercari_original_price_is_left_out_as_a_leak(bench) -> None:
    frame = bench.mercari_clothing(original_price=True)
    assert [leak["column"] for leak in find_leaks(frame)] == ["original_price"]
    report = evaluate(frame, time_column=None)
    assert report["excluded_leaky_columns"][0]["column"] == "original_price"
