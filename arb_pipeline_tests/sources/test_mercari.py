"""Mercari US search API parser, on 300 real item objects (Nov 2022)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from arb_pipeline.sources import mercari
from arb_pipeline.sources.common import RECORD_FIELDS, BlockedPageError, ParseError
from arb_pipeline.sources.pages import read_page
from arb_pipeline_tests.sources.expected_outputs import check_expected

URL = "https://www.mercari.com/v1/api?operationName=searchQuery"


@pytest.fixture(scope="module")
def body(shared_fixtures: Path) -> bytes:
    return (shared_fixtures / "mercari_api" / "search_items_2022.jsonl").read_bytes()


def _item(item_id: str, name: str = "Nintendo Switch Lite", **extra: object) -> dict:
    return {
        "id": item_id,
        "name": name,
        "status": "on_sale",
        "price": 12999,
        "itemCondition": {"id": 2, "name": "Like new"},
        **extra,
    }


def _search(*items: dict, **search: object) -> bytes:
    return json.dumps({"data": {"search": {"itemsList": list(items), **search}}}).encode()


def test_every_item_becomes_a_valid_record(body: bytes) -> None:
    records, problems = mercari.parse_with_problems(body, URL)
    assert problems == [] and len(records) == 293  # 300 lines, 7 items repeated
    assert len({r["listing_id"] for r in records}) == 293
    for record in records:
        assert tuple(record) == RECORD_FIELDS and record["source"] == "mercari"
        assert record["url"] == f"https://www.mercari.com/us/item/{record['listing_id']}/"
        assert record["currency"] == "USD" and record["price"] >= 1.0
        assert record["status"] == "sold"  # every item is "trading" (bought, in a sale)
        assert record["image_url"].startswith("https://u-mercari-images.mercdn.net/photos/")


def test_known_values_of_the_first_item(body: bytes) -> None:
    first = mercari.parse(body, URL)[0]
    assert (first["listing_id"], first["title"]) == ("m22320342524", "Lululemon aling tank top")
    assert (first["price"], first["attributes"]["original_price"]) == (18.0, 25.0)  # cents
    assert (first["condition"], first["condition_raw"]) == ("good", "Good")
    assert first["category_raw"] == "Women > Tops & blouses > Tank Tops"
    assert first["brand"] == "lululemon athletica"
    assert first["image_url"] == (
        "https://u-mercari-images.mercdn.net/photos/m22320342524_1.jpg?1661830090"
    )
    assert (first["attributes"]["size"], first["attributes"]["shipping_payer"]) == (
        "L (12-14)",
        "buyer",
    )
    assert first["shipping_price"] is None and first["seller_id"] is None  # seller is null


def test_conditions_brands_and_categories(body: bytes) -> None:
    records = mercari.parse(body, URL)
    assert Counter(r["condition"] for r in records) == {
        "new": 136,
        "good": 93,
        "like_new": 55,
        "fair": 6,
        "for_parts": 3,  # Mercari "Poor"
    }
    assert sum(r["brand"] is None for r in records) == 51  # brand {"id": 0, "name": null}
    assert sum(r["shipping_price"] == 0.0 for r in records) == 35  # seller pays shipping
    by_id = {r["listing_id"]: r for r in records}
    assert by_id["m75473199672"]["category_raw"] == "Statues & Bobbleheads"  # empty hierarchy


@pytest.mark.parametrize(
    ("status", "expected"),
    [("on_sale", "active"), ("trading", "sold"), ("sold_out", "sold"), ("inactive", "removed")],
)
def test_statuses(status: str, expected: str) -> None:
    [record] = mercari.parse(_search(_item("m1", status=status)), URL)
    assert record["status"] == expected


def test_wrappers_timestamps_and_seller() -> None:
    item = _item("m1", created=1668000000, updated="1668100000", seller={"id": 42})
    for body in (
        _search(item),
        json.dumps({"items": [item]}).encode(),
        json.dumps([item]).encode(),
    ):
        [record] = mercari.parse(body, URL)
        assert (record["price"], record["condition"]) == (129.99, "like_new")
        assert record["listed_at"] == datetime(2022, 11, 9, 13, 20, tzinfo=UTC)
        assert record["attributes"]["updated_at"] == "2022-11-10T17:06:40+00:00"
        assert record["seller_id"] == "42"


def test_next_page_bumps_the_offset_of_a_full_page() -> None:
    variables = {"criteria": {"offset": 0, "length": 2, "query": "switch"}}
    url = f"{URL}&{urlencode({'variables': json.dumps(variables)})}"
    full = _search(_item("m1"), _item("m2"), count=5)
    next_url = mercari.next_page(full, url)
    assert next_url is not None
    criteria = json.loads(parse_qs(urlsplit(next_url).query)["variables"][0])["criteria"]
    assert (criteria["offset"], criteria["length"], criteria["query"]) == (2, 2, "switch")
    assert mercari.next_page(_search(_item("m1")), url) is None  # short page: the last one
    assert mercari.next_page(full, URL) is None  # no paging variables in the URL


def test_empty_result_page() -> None:
    assert mercari.parse(_search(), URL) == []
    assert mercari.parse(b'{"items": []}', URL) == []


def test_one_broken_item_does_not_lose_the_others() -> None:
    items = [_item("m1"), _item("m2", name=" "), _item("m3", status="weird"), _item("m4")]
    records, problems = mercari.parse_with_problems(_search(*items), URL)
    assert [r["listing_id"] for r in records] == ["m1", "m4"]
    assert len(problems) == 2 and "item 1" in problems[0] and "unknown status" in problems[1]


def test_one_broken_json_line_is_reported(body: bytes) -> None:
    lines = body.splitlines()
    records, problems = mercari.parse_with_problems(b"\n".join([lines[0], b"{oops", lines[1]]), URL)
    assert len(records) == 2 and len(problems) == 1 and "line 2" in problems[0]


@pytest.mark.parametrize("bad", [b"", b"{oops", b'{"data": {"search": {"facets": []}}}'])
def test_malformed_bodies_raise_parse_error_naming_the_url(bad: bytes) -> None:
    with pytest.raises(ParseError, match="mercari.com") as caught:
        mercari.parse(bad, URL)
    assert not isinstance(caught.value, BlockedPageError)


def test_captcha_page_is_blocked() -> None:
    page = b"<html><body><h1>Pardon Our Interruption</h1><div id=captcha></div></body></html>"
    with pytest.raises(BlockedPageError):
        mercari.parse(page, URL)


def test_real_item_lines(shared_fixtures: Path, body: bytes) -> None:
    page = check_expected(shared_fixtures, "mercari", "mercari_api/search_items_2022.jsonl")
    # 300 item objects, 7 of which come twice (the same listing on two result pages)
    assert (page.state, len(page.records), page.problems) == ("results", 293, [])
    assert {r["status"] for r in page.records} == {"sold"}  # all "trading": in a sale
    # the same items wrapped as the API answers them read the same
    items = [json.loads(line) for line in body.splitlines()]
    wrapped = mercari.parse(_search(*items), URL)
    assert [r["listing_id"] for r in wrapped] == [r["listing_id"] for r in page.records]
    per_line = b"\n".join(_search(item) for item in items[:3])  # one API answer per line
    assert len(mercari.parse(per_line, URL)) == 3


@pytest.mark.parametrize(
    ("body", "state"),
    [
        (_search(count=0), "empty"),
        (b'{"data": {"search": {"facets": []}}}', "unrecognized"),
        (b'{"foo": 1}\n{"bar": 2}\n', "unrecognized"),
        (_search({"name": "no id"}), "unrecognized"),
        (b'{"data": null, "errors": [{"message": "Unauthorized"}]}', "blocked"),
        (
            b"<html><head><title>Access denied</title></head><body><h1>Access denied</h1>"
            b"<p>Cloudflare Ray ID</p></body></html>",
            "blocked",
        ),
    ],
)
def test_page_states(body: bytes, state: str) -> None:
    assert read_page(mercari, body, URL).state == state
