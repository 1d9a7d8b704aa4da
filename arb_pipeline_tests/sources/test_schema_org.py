"""schema.org Product/Offer pages (JSON-LD, microdata, OpenGraph product tags): small
hand-written shop pages in each syntax, and the real saved pages that carry such data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arb_pipeline.sources import schema_org
from arb_pipeline.sources.common import RECORD_FIELDS
from arb_pipeline.sources.pages import BLOCKED, REMOVED, RESULTS, UNRECOGNIZED, read_page
from arb_pipeline_tests.sources.expected_outputs import read_fixture

URL = "https://shop.example.de/p/fairphone-5-256gb"
NOW = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)


# a shop page's ordinary text (a page of scripts with almost no text reads as a JS challenge)
FOOTER = " ".join(
    ["Versand innerhalb von 2 Werktagen, 30 Tage Rückgaberecht, 12 Monate Garantie."] * 4
)


def _html(head: str = "", body: str = "") -> bytes:
    return f"""<!DOCTYPE html><html lang="de"><head><title>Fairphone 5 | Shop</title>
<link rel="canonical" href="{URL}">{head}</head><body><h1>Fairphone 5 256 GB</h1>{body}
<footer>{FOOTER}</footer></body></html>""".encode()


def _jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


PRODUCT = {
    "@context": "https://schema.org",
    "@type": "Product",
    "name": "Fairphone 5 256 GB Transparent",
    "image": ["https://cdn.shop.example.de/fp5-1.jpg", "https://cdn.shop.example.de/fp5-2.jpg"],
    "description": "Gebraucht, voll funktionsfähig.",
    "sku": "FP5-256-T",
    "gtin13": "8720168650194",
    "mpn": "F5FPHN-1TL-EU1",
    "brand": {"@type": "Brand", "name": "Fairphone"},
    "category": "Smartphones",
    "offers": {
        "@type": "Offer",
        "url": URL,
        "price": "449.90",
        "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/UsedCondition",
        "seller": {"@type": "Organization", "name": "Refurb GmbH"},
        "shippingDetails": {
            "@type": "OfferShippingDetails",
            "shippingRate": {"@type": "MonetaryAmount", "value": 4.99, "currency": "EUR"},
        },
    },
}

MICRODATA = """<div itemscope itemtype="https://schema.org/Product">
 <span itemprop="name">Fairphone 5 256 GB Transparent</span>
 <img itemprop="image" src="/img/fp5.jpg" alt="">
 <meta itemprop="sku" content="FP5-256-T"><meta itemprop="gtin13" content="8720168650194">
 <div itemprop="brand" itemscope itemtype="https://schema.org/Brand"><span
  itemprop="name">Fairphone</span></div>
 <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
  <span itemprop="price" content="449.90">449,90 €</span>
  <meta itemprop="priceCurrency" content="EUR">
  <link itemprop="availability" href="https://schema.org/SoldOut">
  <link itemprop="itemCondition" href="https://schema.org/RefurbishedCondition">
 </div>
</div>"""

OPENGRAPH = f"""<meta property="og:type" content="product">
<meta property="og:title" content="Fairphone 5 256 GB Transparent">
<meta property="og:url" content="{URL}">
<meta property="og:image" content="https://cdn.shop.example.de/fp5-og.jpg">
<meta property="product:price:amount" content="449.90">
<meta property="product:price:currency" content="EUR">
<meta property="product:availability" content="out of stock">
<meta property="product:condition" content="refurbished">
<meta property="product:retailer_item_id" content="FP5-256-T">"""


def test_json_ld_product() -> None:
    (record,) = schema_org.parse(_html(_jsonld(PRODUCT)), URL, now=NOW)
    assert tuple(record) == RECORD_FIELDS
    assert (record["source"], record["listing_id"], record["url"]) == (
        "schema_org",
        "shop.example.de:FP5-256-T",  # a shop's sku, qualified by its host: many shops
        URL,
    )
    assert (record["title"], record["price"], record["currency"]) == (
        "Fairphone 5 256 GB Transparent",
        449.9,
        "EUR",
    )
    assert (record["condition"], record["condition_raw"]) == (
        "good",
        "https://schema.org/UsedCondition",
    )
    assert (record["status"], record["shipping_price"], record["brand"]) == (
        "active",
        4.99,
        "Fairphone",
    )
    assert (record["seller_id"], record["image_url"], record["category_raw"]) == (
        "Refurb GmbH",
        "https://cdn.shop.example.de/fp5-1.jpg",
        "Smartphones",
    )
    attributes = record["attributes"]
    assert (attributes["gtin"], attributes["mpn"], attributes["sku"]) == (
        "8720168650194",
        "F5FPHN-1TL-EU1",
        "FP5-256-T",
    )
    assert attributes["availability"] == "https://schema.org/InStock"


def test_microdata_product() -> None:
    (record,) = schema_org.parse(_html(body=MICRODATA), URL, now=NOW)
    assert (record["title"], record["price"], record["currency"]) == (
        "Fairphone 5 256 GB Transparent",
        449.9,
        "EUR",
    )
    assert (record["condition"], record["status"]) == ("like_new", "sold")
    assert record["image_url"] == "https://shop.example.de/img/fp5.jpg"  # made absolute
    assert record["brand"] == "Fairphone" and record["attributes"]["gtin"] == "8720168650194"


def test_opengraph_product_tags() -> None:
    (record,) = schema_org.parse(_html(OPENGRAPH), URL, now=NOW)
    assert (record["title"], record["price"], record["currency"]) == (
        "Fairphone 5 256 GB Transparent",
        449.9,
        "EUR",
    )
    assert (record["condition"], record["status"]) == ("like_new", "removed")  # out of stock
    assert record["listing_id"] == "shop.example.de:FP5-256-T"
    assert record["image_url"] == "https://cdn.shop.example.de/fp5-og.jpg"


def test_three_syntaxes_of_one_product_are_one_record() -> None:
    product = {k: v for k, v in PRODUCT.items() if k != "image"}
    page = _html(_jsonld(product) + OPENGRAPH, MICRODATA)
    (record,) = schema_org.parse(page, URL, now=NOW)
    # JSON-LD wins where it speaks; the others fill in (the image here)
    assert (record["status"], record["condition"]) == ("active", "good")
    assert record["image_url"] == "https://shop.example.de/img/fp5.jpg"


@pytest.mark.parametrize(
    ("condition", "canonical"),
    [
        ("https://schema.org/NewCondition", "new"),
        ("http://schema.org/UsedCondition", "good"),
        ("RefurbishedCondition", "like_new"),
        ("https://schema.org/DamagedCondition", "for_parts"),
        ("Pre-owned", "good"),  # free text: the shared condition words
        (None, "unknown"),
    ],
)
def test_item_condition(condition: str | None, canonical: str) -> None:
    offer = {**PRODUCT["offers"], "itemCondition": condition}
    (record,) = schema_org.parse(_html(_jsonld({**PRODUCT, "offers": offer})), URL, now=NOW)
    assert record["condition"] == canonical


@pytest.mark.parametrize(
    ("availability", "status"),
    [
        ("https://schema.org/InStock", "active"),
        ("http://schema.org/LimitedAvailability", "active"),
        ("https://schema.org/PreOrder", "active"),
        ("https://schema.org/SoldOut", "sold"),
        ("https://schema.org/OutOfStock", "removed"),
        ("Discontinued", "removed"),
        (None, "active"),
    ],
)
def test_availability_is_the_status(availability: str | None, status: str) -> None:
    offer = {**PRODUCT["offers"], "availability": availability}
    page = _html(_jsonld({**PRODUCT, "offers": offer}))
    result = read_page(schema_org, page, URL)
    assert result.records[0]["status"] == status
    assert result.state == (REMOVED if status == "removed" else RESULTS)


def test_aggregate_offers_and_graphs() -> None:
    offer = {
        "@type": "AggregateOffer",
        "lowPrice": 399,
        "highPrice": 520,
        "offerCount": 7,
        "priceCurrency": "EUR",
    }
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "url": URL},
            {"@type": "Product", "name": "Fairphone 5", "productID": "fp5", "offers": offer},
        ],
    }
    (record,) = schema_org.parse(_html(_jsonld(graph)), URL, now=NOW)
    assert (record["listing_id"], record["price"], record["currency"]) == (
        "shop.example.de:fp5",
        399.0,
        "EUR",
    )
    assert (record["attributes"]["high_price"], record["attributes"]["offer_count"]) == (
        520.0,
        "7",
    )


def test_an_offer_of_an_item_and_the_canonical_url_as_id() -> None:
    offer = {
        "@context": "https://schema.org",
        "@type": "Offer",
        "price": 120,
        "priceCurrency": "GBP",
        "itemOffered": {"@type": "Product", "name": "Brompton C Line"},
    }
    (record,) = schema_org.parse(_html(_jsonld(offer)), "file:///tmp/saved.html", now=NOW)
    # no sku or product id: the page's canonical URL is the listing's identity
    assert (record["listing_id"], record["url"]) == (URL, URL)
    assert (record["title"], record["price"], record["currency"]) == (
        "Brompton C Line",
        120.0,
        "GBP",
    )


def test_a_saved_page_reads_like_its_live_page() -> None:
    page = _html(_jsonld(PRODUCT))
    saved = schema_org.parse(page, "file:///tmp/fairphone.html", now=NOW)
    assert saved == schema_org.parse(page, URL, now=NOW)


def test_product_records_for_site_parsers_keep_their_own_ids() -> None:
    (record,) = schema_org.product_records(_html(_jsonld(PRODUCT)), URL, "olx", now=NOW)
    assert (record["source"], record["listing_id"]) == ("olx", "FP5-256-T")


def test_a_broken_json_ld_block_does_not_lose_the_microdata() -> None:
    page = _html(
        '<script type="application/ld+json">{"@type": "Product", "name": </script>', MICRODATA
    )
    records, problems = schema_org.parse_with_problems(page, URL, now=NOW)
    assert [r["title"] for r in records] == ["Fairphone 5 256 GB Transparent"]
    assert len(problems) == 1 and "json-ld data unreadable" in problems[0]


def test_a_page_without_product_data_is_unrecognized() -> None:
    page = _html(
        _jsonld({"@context": "https://schema.org", "@type": "WebSite", "name": "Shop"}),
        "<p>Fairphone 5, 449,90 €</p>",
    )
    result = read_page(schema_org, page, URL)
    assert result.state == UNRECOGNIZED
    assert "schema.org Product" in (result.reason or "")
    assert read_page(schema_org, b"", URL).state == UNRECOGNIZED


def test_a_block_page_is_blocked() -> None:
    page = b"<html><body><h1>Access denied</h1><p>You have been blocked.</p></body></html>"
    assert read_page(schema_org, page, URL).state == BLOCKED


def test_real_olx_ad_page(shared_fixtures: Path) -> None:
    body = read_fixture(shared_fixtures, "olx_pl/ad_studio_2026.html")
    result = read_page(schema_org, body, (shared_fixtures / "olx_pl").as_uri() + "/ad.html")
    assert result.state == RESULTS and result.problems == []
    (record,) = result.records
    assert (record["listing_id"], record["title"], record["price"], record["currency"]) == (
        "www.olx.pl:1053866955",
        "Małe studio. Bezpośrednio.",
        2200.0,
        "PLN",
    )
    assert (
        record["url"] == "https://www.olx.pl/d/oferta/male-studio-bezposrednio-CID3-ID19jUV7.html"
    )
    assert record["status"] == "active"


def test_real_kleinanzeigen_ad_page_in_data_vocabulary_microdata(shared_fixtures: Path) -> None:
    body = read_fixture(shared_fixtures, "kleinanzeigen/ad_reserved_2022.html")
    (record,) = schema_org.parse(body, "file:///tmp/ad.html", now=NOW)
    # Google's older data-vocabulary.org Product/Offer, and og:title for the name (the Offer's
    # name carries the page's hidden status prefixes)
    assert (record["title"], record["price"], record["currency"]) == (
        "WG in Altkloster",
        350.0,
        "EUR",
    )
    assert record["url"] == (
        "https://www.ebay-kleinanzeigen.de/s-anzeige/wg-in-altkloster/2115482518-199-3328"
    )
    assert record["location"] == "21614 Niedersachsen - Buxtehude"


def test_real_gumtree_ad_page_has_opengraph_product_tags_without_a_price(
    shared_fixtures: Path,
) -> None:
    body = read_fixture(shared_fixtures, "gumtree_pl/ad_wroclaw_2020.html")
    (record,) = schema_org.parse(body, "file:///tmp/ad.html", now=NOW)
    assert record["title"].startswith("Kawalerka w centrum, wysoki standard, Angel River")
    assert (record["price"], record["currency"]) == (None, None)
    assert record["url"].startswith("https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/")


def test_real_search_page_without_product_data_is_unrecognized(shared_fixtures: Path) -> None:
    body = read_fixture(shared_fixtures, "kleinanzeigen/search_oneplus_2022.html")
    assert read_page(schema_org, body, "https://www.ebay-kleinanzeigen.de/s-oneplus/k0").state == (
        UNRECOGNIZED
    )


def test_the_canonical_address_is_the_listing_not_the_fetched_one() -> None:
    offer = {**PRODUCT, "sku": None, "offers": {**PRODUCT["offers"], "url": None}}
    fetched = URL + "?utm_source=newsletter&utm_campaign=spring"
    (record,) = schema_org.parse(_html(_jsonld(offer)), fetched, now=NOW)
    assert (record["listing_id"], record["url"]) == (URL, URL)
