"""Vinted API parser, on real-structure (value-scrubbed) catalog search and item detail bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arb_pipeline.sources import vinted
from arb_pipeline.sources.common import RECORD_FIELDS, BlockedPageError, ParseError
from arb_pipeline.sources.pages import read_page
from arb_pipeline_tests.sources.expected_outputs import check_expected

URL = "https://www.vinted.fr/api/v2/catalog/items?search_text=lego&per_page=96&page=1"
ITEM_URL = "https://www.vinted.com/api/v2/items/6854891835"


@pytest.fixture(scope="module")
def folder(shared_fixtures: Path) -> Path:
    return shared_fixtures / "vinted_api"


def _item(item_id: int, title: str = "Lego set 42115", **extra: object) -> dict:
    return {
        "id": item_id,
        "title": title,
        "price": {"amount": "45.0", "currency_code": "EUR"},
        "path": f"/items/{item_id}-lego",
        **extra,
    }


def _body(*items: dict, **extra: object) -> bytes:
    return json.dumps({"items": list(items), **extra}).encode()


def test_catalog_search_item(folder: Path) -> None:
    body = (folder / "catalog_items_search.json").read_bytes()
    records, problems = vinted.parse_with_problems(body, URL)
    assert problems == [] and len(records) == 1
    [item] = records
    assert tuple(item) == RECORD_FIELDS and item["source"] == "vinted"
    assert (item["title"], item["price"], item["currency"]) == ("a game", 3.0, "EUR")
    assert (item["condition"], item["condition_raw"]) == ("good", "Very Good")
    assert item["brand"] is None  # Vinted's "NO LABEL" means no brand
    assert (item["seller_id"], item["status"]) == ("user id", "active")
    assert item["url"] == "https://www.fakeurl.com/item/item_id"
    assert item["image_url"] == "https://www.fakeurl.com/a.jpg"
    assert item["attributes"]["total_item_price"] == 3.85  # price + buyer-protection fee
    assert item["attributes"]["service_fee"] == 0.85
    assert (item["attributes"]["favourite_count"], item["attributes"]["view_count"]) == (4, 0)
    assert "size" not in item["attributes"]  # size_title is ""
    assert vinted.next_page(body, URL) is None  # no pagination block


def test_item_detail_with_legacy_string_price(folder: Path) -> None:
    body = (folder / "item_detail.json").read_bytes()
    [item] = vinted.parse(body, ITEM_URL)
    assert item["listing_id"] == "6854891835"
    assert (item["price"], item["currency"]) == (3.0, "USD")  # "price": "3.0", "currency": "USD"
    assert (item["condition"], item["condition_raw"]) == ("good", "Very good")
    assert (item["brand"], item["seller_id"]) == ("Brand title", "281750880")
    assert item["location"] == "Bellingham, United States"
    assert item["image_url"] == "https://fakeurl.com/a.jpeg"
    assert item["attributes"]["total_item_price"] == 3.85
    assert item["attributes"]["catalog_id"] == 4881
    assert item["attributes"]["description"] == "No box"
    assert vinted.next_page(body, ITEM_URL) is None


@pytest.mark.parametrize(
    ("fields", "condition", "raw"),
    [
        ({"status": "New with tags"}, "new", "New with tags"),
        ({"status": "New without tags"}, "new", "New without tags"),
        ({"status": "Good"}, "good", "Good"),
        ({"status": "Satisfactory"}, "fair", "Satisfactory"),
        ({"status_id": 6}, "new", "New with tags"),
        ({"status_id": 4}, "fair", "Satisfactory"),
        ({"status": 3}, "good", "Good"),
        ({}, "unknown", None),
    ],
)
def test_condition_mapping(fields: dict, condition: str, raw: str | None) -> None:
    [record] = vinted.parse(_body(_item(1, **fields)), URL)
    assert (record["condition"], record["condition_raw"]) == (condition, raw)


def test_closed_items_are_sold_and_reserved_ones_flagged() -> None:
    body = _body(_item(1, is_closed=True), _item(2, is_reserved=True), _item(3))
    records = vinted.parse(body, URL)
    assert [r["status"] for r in records] == ["sold", "active", "active"]
    assert records[1]["attributes"]["is_reserved"] is True
    assert records[2]["url"] == "https://www.vinted.fr/items/3-lego"  # path made absolute


def test_next_page_sets_the_page_parameter() -> None:
    body = _body(_item(1), pagination={"current_page": 1, "total_pages": 3, "per_page": 96})
    assert vinted.next_page(body, URL) == (
        "https://www.vinted.fr/api/v2/catalog/items?search_text=lego&per_page=96&page=2"
    )
    last = _body(_item(1), pagination={"current_page": 3, "total_pages": 3})
    assert vinted.next_page(last, URL) is None


def test_empty_result_page() -> None:
    body = _body(pagination={"current_page": 1, "total_pages": 0, "total_entries": 0})
    assert vinted.parse(body, URL) == []
    assert vinted.next_page(body, URL) is None


def test_one_broken_item_does_not_lose_the_others() -> None:
    no_currency = _item(3, price="12.0")  # legacy string price without a currency
    body = _body(_item(1), _item(2, title="  "), no_currency, _item(4))
    records, problems = vinted.parse_with_problems(body, URL)
    assert [r["listing_id"] for r in records] == ["1", "4"]
    assert len(problems) == 2 and "item 1" in problems[0] and "no currency" in problems[1]


@pytest.mark.parametrize(
    "bad", [b'{"items": [', b"", b"[1, 2]", b'{"pagination": {"current_page": 1}}']
)
def test_malformed_bodies_raise_parse_error_naming_the_url(bad: bytes) -> None:
    with pytest.raises(ParseError, match="vinted.fr") as caught:
        vinted.parse(bad, URL)
    assert not isinstance(caught.value, BlockedPageError)


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body><h1>Please verify you are human</h1><div id=captcha></div></body></html>",
        b'{"code": 100, "message_code": "invalid_authentication_token"}',
        b'{"code": 99, "message": "oops"}',  # any error answer instead of items
    ],
)
def test_challenge_and_auth_walls_are_blocked(page: bytes) -> None:
    with pytest.raises(BlockedPageError):
        vinted.parse(page, URL)


def test_created_timestamp_when_present() -> None:
    [record] = vinted.parse(_body(_item(1, created_at_ts=1700000000)), URL)
    assert record["listed_at"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize("name", ["catalog_items_search.json", "item_detail.json"])
def test_real_structure_bodies(shared_fixtures: Path, name: str) -> None:
    page = check_expected(shared_fixtures, "vinted", f"vinted_api/{name}")
    assert (page.state, len(page.records), page.problems) == ("results", 1, [])


@pytest.mark.parametrize(
    ("body", "state"),
    [
        (_body(pagination={"current_page": 1, "total_pages": 0, "total_entries": 0}), "empty"),
        (b'{"pagination": {"current_page": 1}, "search_tracking_params": {}}', "unrecognized"),
        (_body({"name": "no id"}, {"name": "nor here"}), "unrecognized"),
        (b'{"code": 100, "message_code": "invalid_authentication_token"}', "blocked"),
        (b'{"code": 106, "message_code": "not_found", "message": "Not found"}', "unrecognized"),
        (
            b'<html><head><script src="https://geo.captcha-delivery.com/captcha/"></script>'
            b"</head><body></body></html>",
            "blocked",
        ),
    ],
)
def test_page_states(body: bytes, state: str) -> None:
    assert read_page(vinted, body, URL).state == state
