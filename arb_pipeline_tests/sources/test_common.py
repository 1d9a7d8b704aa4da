"""Shared record helpers: money, conditions, timestamps, block pages, HTML parsing."""

import importlib

import pytest

from arb_pipeline.sources.common import (
    ParseError,
    canonical_condition,
    html_tree,
    make_record,
    nodes_text,
    parse_price,
    parse_timestamp,
)

HTML_PARSERS = ("craigslist", "ebay", "facebook", "gumtree", "kleinanzeigen")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1,299.00", 1299.0),
        ("1.299,50 €", 1299.5),
        ("1.250 € VB", 1250.0),
        ("1.234.567 zł", 1234567.0),
        ("£40", 40.0),
        ("12.50", 12.5),
        ("0.999", 0.999),
        ("39000", 39000.0),
        ("Free", None),
        (None, None),
    ],
)
def test_parse_price_reads_the_usual_money_formats(text, amount) -> None:
    assert parse_price(text) == amount


@pytest.mark.parametrize(
    ("raw", "condition"),
    [
        ("Pre-Owned", "good"),
        ("Used", "good"),
        ("Parts Only", "for_parts"),
        ("For parts or not working", "for_parts"),
        ("Like New", "like_new"),
        ("Brand New", "new"),
        ("excellent", "like_new"),
        (None, "unknown"),
        ("whatever", "unknown"),
    ],
)
def test_canonical_condition_maps_marketplace_words(raw, condition) -> None:
    assert canonical_condition(raw) == condition


def test_ebay_condition_ids_win_over_words() -> None:
    assert canonical_condition("New", "7000") == "for_parts"


def test_timestamps_become_utc() -> None:
    assert parse_timestamp("2018-04-23 21:01").isoformat() == "2018-04-23T21:01:00+00:00"
    assert parse_timestamp("2016-05-04T00:36:37.000Z").isoformat() == "2016-05-04T00:36:37+00:00"
    assert parse_timestamp("not a date") is None


def test_make_record_fills_defaults_and_refuses_an_empty_title() -> None:
    record = make_record(source="x", listing_id=1, url="http://h/1", title="  a   b ")
    assert (record["title"], record["listing_id"], record["status"]) == ("a b", "1", "active")
    assert record["condition"] == "unknown" and record["attributes"] == {}
    with pytest.raises(ParseError, match="no title"):
        make_record(source="x", listing_id=2, url="http://h/2", title="   ")


def test_undecodable_bytes_and_nuls_do_not_stop_the_html_parse() -> None:
    page = html_tree(b'<p class="t">caf\xe9 \x00au lait</p><p class="t">\xc3\xa9t\xc3\xa9</p>')
    assert nodes_text(page.css("p.t")) == "caf\ufffd au lait \u00e9t\u00e9"


def test_class_selectors_keep_their_case_on_a_page_without_doctype() -> None:
    page = html_tree(b'<html><body><div class="TILEV1">x</div><div class="tileV1">y</div>')
    assert nodes_text(page.css("div.tileV1")) == "y"


@pytest.mark.parametrize("name", HTML_PARSERS)
def test_a_json_body_is_a_parse_error_naming_the_url(name: str) -> None:
    parser = importlib.import_module(f"arb_pipeline.sources.{name}")
    with pytest.raises(ParseError, match="https://h/page"):
        parser.parse_with_problems(b'{"items": [1, 2]}', "https://h/page")
