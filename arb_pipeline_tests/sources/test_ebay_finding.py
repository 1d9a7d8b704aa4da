"""eBay Finding API findCompletedItems parser, on a real saved response."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from arb_pipeline.sources import ebay_finding
from arb_pipeline.sources.common import (
    CONDITIONS,
    RECORD_FIELDS,
    BlockedPageError,
    ParseError,
)
from arb_pipeline.sources.pages import read_page
from arb_pipeline_tests.sources.expected_outputs import check_expected

URL = (
    "https://svcs.ebay.com/services/search/FindingService/v1"
    "?OPERATION-NAME=findCompletedItems&keywords=macbook&paginationInput.pageNumber=1"
)


@pytest.fixture(scope="module")
def body(shared_fixtures: Path) -> bytes:
    return (shared_fixtures / "ebay_finding_api" / "find_completed_items_page.json").read_bytes()


def _wrap(value: Any) -> Any:
    """Re-spell a value the way raw Finding API JSON does: every value in a list, `@` keys."""
    if isinstance(value, dict):
        renamed = {"value": "__value__"}
        return [
            {
                ("@" + k[1:] if k[0] == "_" else renamed.get(k, k)): _wrap(v)
                for k, v in value.items()
            }
        ]
    if isinstance(value, list):
        return [item for v in value for item in _wrap(v)]
    return [value]


def _page(items: list[dict[str, Any]], page: int = 1, total_pages: int = 1) -> bytes:
    pagination = {"pageNumber": str(page), "totalPages": str(total_pages)}
    result = {"_count": str(len(items)), "item": items}
    return json.dumps(
        {"ack": "Success", "paginationOutput": pagination, "searchResult": result}
    ).encode()


def _item(item_id: str, title: str = "MacBook Pro 13") -> dict[str, Any]:
    return {
        "itemId": item_id,
        "title": title,
        "viewItemURL": f"https://www.ebay.com/itm/{item_id}",
        "sellingStatus": {"currentPrice": {"_currencyId": "GBP", "value": "250.0"}},
    }


def test_every_item_becomes_a_valid_record(body: bytes) -> None:
    records, problems = ebay_finding.parse_with_problems(body, URL)
    assert len(records) == 100 and problems == []
    for record in records:
        assert tuple(record) == RECORD_FIELDS
        assert record["source"] == "ebay_finding" and record["title"]
        assert record["condition"] in CONDITIONS and record["currency"] == "USD"
        assert record["url"].startswith("http://www.ebay.com/itm/")


def test_sold_and_ended_split_and_conditions(body: bytes) -> None:
    records = ebay_finding.parse(body, URL)
    assert Counter(r["status"] for r in records) == {"sold": 74, "ended": 26}
    assert all(
        (r["status"] == "sold") == (r["attributes"]["selling_state"] == "EndedWithSales")
        for r in records
    )
    assert Counter(r["condition"] for r in records) == {
        "good": 59,
        "for_parts": 25,
        "new": 8,  # 1000 New
        "like_new": 8,  # 1500 New other (open box), 2000/2500 refurbished
    }


def test_known_values_of_the_first_item(body: bytes) -> None:
    first = ebay_finding.parse(body, URL)[0]
    assert first["listing_id"] == "121974760109"
    assert first["title"].startswith('SUPER DEAL 17" Apple Anti-Glare MacBook Pro')
    assert (first["price"], first["currency"], first["shipping_price"]) == (582.0, "USD", 0.0)
    assert (first["status"], first["condition"], first["condition_raw"]) == ("sold", "good", "Used")
    assert (first["seller_id"], first["location"]) == ("quality-macs", "San Diego,CA,USA")
    assert first["listed_at"] == datetime(2016, 5, 2, 16, 48, 22, tzinfo=UTC)
    attributes = first["attributes"]
    assert attributes["ended_at"] == "2016-05-04T00:36:37+00:00"
    assert attributes["listing_type"] == "StoreInventory"
    assert attributes["best_offer_enabled"] is False
    assert attributes["seller_feedback_score"] == 1941


def test_wrapped_raw_api_form_gives_the_same_records(body: bytes) -> None:
    wrapped = json.dumps({"findCompletedItemsResponse": _wrap(json.loads(body))}).encode()
    plain = ebay_finding.parse(body, URL)
    unwrapped = ebay_finding.parse(wrapped, URL)
    drop = ("scraped_at",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in unwrapped] == [
        {k: v for k, v in r.items() if k not in drop} for r in plain
    ]
    assert ebay_finding.next_page(wrapped, URL) == ebay_finding.next_page(body, URL)


def test_next_page_sets_the_page_number(body: bytes) -> None:
    assert ebay_finding.next_page(body, URL) == URL.replace("pageNumber=1", "pageNumber=2")
    bare = "https://svcs.ebay.com/services/search/FindingService/v1?keywords=macbook"
    assert ebay_finding.next_page(body, bare) == bare + "&paginationInput.pageNumber=2"
    assert ebay_finding.next_page(_page([], page=3, total_pages=3), URL) is None


def test_empty_result_page() -> None:
    assert ebay_finding.parse(_page([]), URL) == []
    wrapped = {
        "findCompletedItemsResponse": [{"ack": ["Success"], "searchResult": [{"@count": "0"}]}]
    }
    assert ebay_finding.parse(json.dumps(wrapped).encode(), URL) == []


def test_one_broken_item_does_not_lose_the_others() -> None:
    broken = _item("2")
    del broken["viewItemURL"]
    records, problems = ebay_finding.parse_with_problems(
        _page([_item("1"), broken, _item("3")]), URL
    )
    assert [(r["listing_id"], r["price"], r["currency"]) for r in records] == [
        ("1", 250.0, "GBP"),
        ("3", 250.0, "GBP"),
    ]
    assert len(problems) == 1 and "item 1" in problems[0]
    assert records[0]["status"] == "ended"  # no sellingState: not a sale


@pytest.mark.parametrize("bad", [b'{"ack": "Success", "searchRes', b'{"ack": "Success"}', b"null"])
def test_malformed_bodies_raise_parse_error_naming_the_url(bad: bytes) -> None:
    with pytest.raises(ParseError, match="svcs.ebay.com") as caught:
        ebay_finding.parse(bad, URL)
    assert not isinstance(caught.value, BlockedPageError)


def test_api_failure_is_blocked_with_the_message() -> None:
    failure = {"ack": "Failure", "errorMessage": {"error": {"message": "Invalid app id"}}}
    with pytest.raises(BlockedPageError, match="Invalid app id"):
        ebay_finding.parse(json.dumps(failure).encode(), URL)


def test_real_answer(shared_fixtures: Path) -> None:
    page = check_expected(
        shared_fixtures, "ebay_finding", "ebay_finding_api/find_completed_items_page.json"
    )
    assert (page.state, len(page.records), page.problems) == ("results", 100, [])
    statuses = Counter(r["status"] for r in page.records)
    assert statuses == {"sold": 74, "ended": 26}


# the answer of an exceeded call limit comes without the operation's wrapper
RATE_LIMITED = {
    "errorMessage": [
        {
            "error": [
                {
                    "errorId": ["10001"],
                    "domain": ["Security"],
                    "subdomain": ["RateLimiter"],
                    "message": [
                        "Service call has exceeded the number of times the operation "
                        "is allowed to be called"
                    ],
                }
            ]
        }
    ]
}


@pytest.mark.parametrize(
    ("body", "state"),
    [
        (
            {
                "findCompletedItemsResponse": [
                    {"ack": ["Success"], "searchResult": [{"@count": "0"}]}
                ]
            },
            "empty",
        ),
        (
            {"findCompletedItemsResponse": [{"ack": ["Success"], "version": ["1.13.0"]}]},
            "unrecognized",
        ),
        ({"ack": "Success", "searchResult": {"item": [{"foo": "1"}]}}, "unrecognized"),
        (RATE_LIMITED, "blocked"),
        (
            {
                "findCompletedItemsResponse": [
                    {
                        "ack": ["Failure"],
                        "errorMessage": [{"error": [{"message": ["Invalid Application"]}]}],
                    }
                ]
            },
            "blocked",
        ),
    ],
)
def test_page_states(body: Any, state: str) -> None:
    assert read_page(ebay_finding, json.dumps(body).encode(), URL).state == state


def test_html_captcha_instead_of_json_is_blocked() -> None:
    page = b"<!DOCTYPE html><html><title>Security Measure</title><p>captcha</p></html>"
    with pytest.raises(BlockedPageError):
        ebay_finding.parse(page, URL)
