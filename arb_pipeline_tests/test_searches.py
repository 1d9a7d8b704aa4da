"""Saved searches: loading searches.yaml with file:line errors, matching opportunities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import arb_pipeline
from arb_pipeline.searches import Search, SearchesError, load_searches, realert_due
from arb_pipeline.sources.registry import SANDBOX_SOURCES

PACKAGE = Path(arb_pipeline.__file__).parent


def opportunity(**overrides: Any) -> dict[str, Any]:
    """A profitable fct_opportunities row."""
    row = {
        "source": "ebay",
        "listing_id": "1",
        "title": "Apple iPhone 13 128GB Blue",
        "price": 300.0,
        "currency": "USD",
        "condition": "good",
        "category_raw": "Cell Phones & Smartphones",
        "landed_cost": 320.0,
        "profit": 90.0,
        "margin": 0.3,
        "roi": 0.28,
        "profit_p10": 20.0,
        "exclusion_reason": None,
    }
    return {**row, **overrides}


def search(**fields: Any) -> Search:
    return Search.model_validate({"name": "s", "recipients": ["me@example.com"], **fields})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "searches.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(SearchesError) as caught:
        load_searches(path)
    return path, str(caught.value)


def test_example_file_loads_with_templates() -> None:
    searches = load_searches(PACKAGE / "searches.example.yaml")
    assert [s.name for s in searches] == ["phones", "laptops", "consoles", "cameras"]
    laptops = searches[1]
    assert laptops.channels == ["email", "webhook"] and laptops.digest_time == "08:00"


def test_sandbox_file_searches_all_sandbox_marketplaces() -> None:
    (only,) = load_searches(PACKAGE / "sandbox" / "searches.yaml")
    assert only.name == "sandbox-deals" and only.enabled
    assert set(only.marketplaces) == set(SANDBOX_SOURCES)
    assert (only.min_margin, only.min_profit) == (0.25, 40)
    assert only.recipients == ["reseller@example.com"] and only.channels == ["email"]


def test_defaults(tmp_path: Path) -> None:
    (s,) = load_searches(write(tmp_path, "searches:\n  - name: a\n    recipients: [a@b.co]\n"))
    assert s.enabled and s.every_minutes == 15 and s.realert_drop_pct == 10.0
    assert s.marketplaces == [] and s.channels == ["email"] and s.digest_time is None


def test_empty_file_has_no_searches(tmp_path: Path) -> None:
    assert load_searches(write(tmp_path, "# nothing yet\n")) == []


def test_keywords_ignore_case_and_accents() -> None:
    s = search(keywords={"all_of": ["Café"]})
    assert s.matches(opportunity(title="CAFE racer helmet"))
    assert search(keywords={"all_of": ["cafe"]}).matches(opportunity(title="Machine à café"))
    assert not s.matches(opportunity(title="cafeteria tray"))


def test_keywords_whole_words_only() -> None:
    s = search(keywords={"all_of": ["pro"]})
    assert s.rejection(opportunity(title="Apple product bundle")) == "title lacks 'pro'"
    assert s.matches(opportunity(title="iPhone 14 Pro 256GB"))
    assert search(keywords={"all_of": ["iphone 13"]}).matches(opportunity())
    assert not search(keywords={"all_of": ["iphone 13"]}).matches(opportunity(title="iPhone 130"))


def test_keywords_any_of_and_none_of() -> None:
    s = search(keywords={"any_of": ["iphone", "pixel"], "none_of": ["cracked"]})
    assert s.matches(opportunity(title="Google Pixel 7"))
    assert s.rejection(opportunity(title="Galaxy S22")) == "title has none of 'iphone', 'pixel'"
    assert (
        s.rejection(opportunity(title="iPhone 13, Cracked screen"))
        == "title has excluded 'cracked'"
    )


def test_marketplace_category_condition_rules() -> None:
    s = search(marketplaces=["ebay"], categories=["cell phones & smartphones"], conditions=["good"])
    assert s.matches(opportunity())
    assert s.rejection(opportunity(source="craigslist")) == "marketplace 'craigslist' not searched"
    assert s.rejection(opportunity(category_raw=None)) == "category None not searched"
    assert s.rejection(opportunity(condition="fair")) == "condition 'fair' not searched"


def test_price_rules() -> None:
    s = search(price_min=200, price_max=400, max_buy_price=330)
    assert s.matches(opportunity())
    assert s.rejection(opportunity(price=150.0)) == "price 150.0 below price_min 200"
    assert s.rejection(opportunity(price=450.0)) == "price 450.0 above price_max 400"
    assert s.rejection(opportunity(landed_cost=340.0)) == "buy price 340.0 above max_buy_price 330"


def test_threshold_rules() -> None:
    s = search(min_profit=50, min_margin=0.25, min_roi=0.2)
    assert s.matches(opportunity())
    assert s.rejection(opportunity(profit=40.0)) == "profit 40.0 below min_profit 50"
    assert s.rejection(opportunity(margin=0.2)) == "margin 0.2 below min_margin 0.25"
    assert s.rejection(opportunity(roi=None)) == "roi None below min_roi 0.2"


def test_excluded_and_p10_loss_never_match() -> None:
    s = search()
    assert s.rejection(opportunity(exclusion_reason="for_parts")) == "excluded: for_parts"
    assert s.rejection(opportunity(profit_p10=0.0)) == "profit_p10 0.0 not above 0"


def test_realert_threshold() -> None:
    s = search(realert_drop_pct=10)
    assert realert_due(100.0, 90.0, s.realert_drop_pct)
    assert not realert_due(100.0, 91.0, s.realert_drop_pct)
    assert not realert_due(100.0, 120.0, s.realert_drop_pct)
    assert realert_due(80.0, 60.0, search(realert_drop_pct=25).realert_drop_pct)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "searches:\n  - name: a\n    keywords: [a, b\n")
    assert message.startswith(f"{path}:4: invalid YAML: ")


def test_validation_error_names_file_line_search_and_field(tmp_path: Path) -> None:
    text = (
        "searches:\n"
        "  - name: laptops\n"
        "    recipients: [a@b.co]\n"
        "  - name: phones\n"
        "    recipients: [a@b.co]\n"
        "    min_margin: 25\n"
    )
    path, message = error_for(tmp_path, text)
    assert message == (
        f"{path}:6: search 'phones' field 'min_margin': Input should be less than or equal to 1"
    )


def test_list_item_and_custom_errors(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path,
        "searches:\n  - name: a\n    recipients: [a@b.co]\n    conditions: [good, mint]\n",
    )
    assert message == (
        f"{path}:4: search 'a' field 'conditions[1]': "
        "Input should be 'new', 'like_new', 'good', 'fair', 'for_parts' or 'unknown'"
    )
    path, message = error_for(
        tmp_path, "searches:\n  - name: a\n    channels: [webhook]\n    digest_time: '25:00'\n"
    )
    assert message.splitlines() == [
        f"{path}:2: search 'a' field 'webhook_url': "
        "webhook_url is required for the webhook channel",
        f"{path}:4: search 'a' field 'digest_time': expected HH:MM (24h), got '25:00'",
    ]


def test_errors_sorted_by_line_and_top_level_shape(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "searches:\n  - name: a\n    marketplaces: [ebayy]\n")
    recipients, marketplaces = message.splitlines()  # sorted by line
    assert recipients == (
        f"{path}:2: search 'a' field 'recipients': "
        "at least one recipient is required for the email channel"
    )
    assert marketplaces.startswith(
        f"{path}:3: search 'a' field 'marketplaces': unknown marketplace"
    )
    path, message = error_for(tmp_path, "- name: a\n")
    assert message == f"{path}:1: expected a mapping with a 'searches' list"


def test_missing_name_points_at_the_search(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "searches:\n  - recipients: [a@b.co]\n")
    assert message == f"{path}:2: search #1 field 'name': Field required"


def test_unknown_field_is_an_error(tmp_path: Path) -> None:
    text = "searches:\n  - name: a\n    recipients: [a@b.co]\n    min_proft: 40\n"
    path, message = error_for(tmp_path, text)
    assert message == f"{path}:4: search 'a' field 'min_proft': Extra inputs are not permitted"
    path, message = error_for(tmp_path, "searchs: []\n")
    assert message == f"{path}:1: field 'searchs': Extra inputs are not permitted"


def test_duplicate_names_and_keys_are_errors(tmp_path: Path) -> None:
    text = (
        "searches:\n  - name: a\n    recipients: [a@b.co]\n  - name: a\n    recipients: [a@b.co]\n"
    )
    path, message = error_for(tmp_path, text)
    assert message == (
        f"{path}:4: search 'a' field 'name': duplicate name (first defined at line 2)"
    )
    path, message = error_for(
        tmp_path, "searches:\n  - name: a\n    min_profit: 1\n    min_profit: 2\n"
    )
    assert message == f"{path}:4: duplicate key 'min_profit'"


def test_max_days_to_sell() -> None:
    s = search(max_days_to_sell=14)
    assert s.matches(opportunity(expected_days_to_sell=6.4))
    assert (
        s.rejection(opportunity(expected_days_to_sell=21.0))
        == "expected days to sell 21.0 above max_days_to_sell 14"
    )
    assert s.rejection(opportunity()) == "expected days to sell None above max_days_to_sell 14"
    assert search().matches(opportunity(expected_days_to_sell=90.0))  # no limit by default
