"""The same model on other marketplaces' real data beats the TF-IDF ridge clearly."""

import importlib.util
from pathlib import Path

import pytest

from arb_pipeline.pricing.model import evaluate

BENCH = Path(__file__).resolve().parents[2] / "bench" / "model_generalisation.py"


@pytest.fixture(scope="module")
def data_sets(shared_fixtures):
    spec = importlib.util.spec_from_file_location("model_generalisation", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"mercari": module.mercari_clothing(), "cars": module.craigslist_cars()}


@pytest.mark.parametrize("name", ["mercari", "cars"])
def test_model_beats_ridge_by_ten_percent_with_honest_intervals(data_sets, name) -> None:
    result = evaluate(data_sets[name], time_column=None)
    assert result["model"]["rmsle"] <= 0.9 * result["baseline_tfidf_ridge"]["rmsle"]
    assert 0.65 <= result["model"]["coverage_p10_p90"] <= 1.0
