"""Any shop's product or ad page through schema.org: Product/Offer data in JSON-LD, microdata
(schema.org, and Google's older data-vocabulary.org) and OpenGraph product tags, read with
extruct.

`product_records(body, url, source)` is the plain function site parsers call on their own ad
pages; `parse_with_problems` is the `schema_org` source (`arb-pipeline parse --source
schema_org`), for single product URLs a user wants watched.

Availability becomes the record's status: InStock, LimitedAvailability, PreOrder, BackOrder and
the like are `active`; SoldOut is `sold` (the page says the item sold); OutOfStock and
Discontinued are `removed`: nothing can be bought, but no sale happened at that price, so such
a page must not feed sold comps. The page's own words stay in `attributes.availability`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from arb_pipeline.sources.common import (
    ParseError,
    canonical_condition,
    collect_records,
    make_record,
)
from arb_pipeline.sources.pages import PageMarkers
from arb_pipeline.sources.values import currency_of, read_money

SOURCE = "schema_org"

PAGE_MARKERS = PageMarkers(
    expected="schema.org Product/Offer data (JSON-LD, microdata or OpenGraph og:type=product)",
)

_PRODUCT_TYPES = frozenset(
    {"product", "individualproduct", "productmodel", "vehicle", "car", "motorcycle"}
)
_CONTEXTS = ("schema.org", "data-vocabulary.org")
_CONDITIONS = {
    "newcondition": "new",
    "usedcondition": "good",
    "refurbishedcondition": "like_new",
    "damagedcondition": "for_parts",
    # OpenGraph's product:condition words
    "new": "new",
    "used": "good",
    "refurbished": "like_new",
}
_GTINS = ("gtin", "gtin13", "gtin12", "gtin14", "gtin8")
_SOLD = frozenset({"soldout"})
_GONE = frozenset({"outofstock", "discontinued"})
# Which of the three syntaxes wins a field two of them give: JSON-LD is written for machines,
# microdata follows the visible page, OpenGraph is a sharing summary.
_SYNTAXES = ("json-ld", "microdata", "opengraph")


def _short(value: Any) -> str:
    """`https://schema.org/InStock` → `instock`; `schema:Product` → `product`."""
    text = _text(value) or ""
    return text.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].replace(" ", "").lower()


def _types(item: dict[str, Any]) -> set[str]:
    kinds = item.get("@type")
    return {_short(kind) for kind in (kinds if isinstance(kinds, list) else [kinds]) if kind}


def _first(value: Any) -> Any:
    """The first non-empty value of a list (JSON-LD and microdata repeat properties)."""
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "", [], {})), None)
    return value


def _text(value: Any) -> str | None:
    """A property's text: strings as they are, numbers formatted, an item by its name."""
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("value") or value.get("@id")
        value = _first(value)
    if isinstance(value, bool) or value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _image(value: Any, base: str) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = _first(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return urljoin(base, value.strip()) if isinstance(value, str) and value.strip() else None


def _amount(value: Any) -> float | None:
    """A schema.org price (a number, or text with a dot decimal separator as the spec asks)."""
    value = _first(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = _text(value)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return read_money(text)[0]


def _offers(product: dict[str, Any]) -> list[dict[str, Any]]:
    offers = product.get("offers") or product.get("offerDetails") or []
    offers = offers if isinstance(offers, list) else [offers]
    return [offer for offer in offers if isinstance(offer, dict)]


def _price_of(offer: dict[str, Any]) -> tuple[float | None, str | None]:
    """An offer's amount and currency, from the offer or its priceSpecification."""
    spec = _first(offer.get("priceSpecification"))
    spec = spec if isinstance(spec, dict) else {}
    raw = next(
        (
            v
            for v in (offer.get("price"), offer.get("lowPrice"), spec.get("price"))
            if _first(v) not in (None, "")
        ),
        None,
    )
    code = _text(offer.get("priceCurrency") or offer.get("currency") or spec.get("priceCurrency"))
    currency = code.upper() if code and len(code) == 3 else currency_of(code or _text(raw))
    return _amount(raw), currency


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every product in a JSON-LD/microdata tree; an Offer's `itemOffered` product gets the
    Offer as its offers. Related and similar products inside a product are not the page's."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
        return
    if not isinstance(node, dict):
        return
    kinds = _types(node)
    if kinds & _PRODUCT_TYPES:
        yield node
        return
    offered = _first(node.get("itemOffered"))
    if "offer" in kinds and isinstance(offered, dict) and _types(offered) & _PRODUCT_TYPES:
        yield {**offered, "offers": {k: v for k, v in node.items() if k != "itemOffered"}}
        return
    for key, value in node.items():
        if key not in ("@context", "isRelatedTo", "isSimilarTo", "isAccessoryOrSparePartFor"):
            yield from _walk(value)


def _from_item(product: dict[str, Any], base: str) -> dict[str, Any]:
    """The fields of a JSON-LD or microdata Product."""
    offers = _offers(product)
    priced = next((o for o in offers if _price_of(o)[0] is not None), offers[0] if offers else {})
    price, currency = _price_of(priced)
    seller = _first(priced.get("seller") or product.get("seller"))
    if isinstance(seller, dict) and not seller.get("name") and isinstance(seller.get("value"), str):
        seller = seller["value"].strip().split("\n")[0]  # a microdata Person's text: first line
    seller_name = _text(seller)
    details = _first(priced.get("shippingDetails"))
    rate = _first(details.get("shippingRate")) if isinstance(details, dict) else None
    address = _first(priced.get("availableAtOrFrom") or product.get("address"))
    if isinstance(address, dict) and "address" in address:
        address = _first(address["address"])
    location = (
        _text(address.get("addressLocality") or address.get("locality") or address.get("name"))
        if isinstance(address, dict)
        else _text(address)
    )
    url = _text(product.get("url")) or _text(priced.get("url"))
    return {
        "title": _text(product.get("name")),
        "offer_name": _text(priced.get("name")),
        "price": price,
        "currency": currency,
        "high_price": _amount(priced.get("highPrice")),
        "offer_count": _text(priced.get("offerCount")),
        "shipping_price": _amount(rate.get("value")) if isinstance(rate, dict) else None,
        "availability": _text(priced.get("availability") or product.get("availability")),
        "condition": _text(priced.get("itemCondition") or product.get("itemCondition")),
        "seller": seller_name,
        "image": _image(product.get("image"), base),
        "brand": _text(product.get("brand") or product.get("manufacturer")),
        "gtin": next((_text(product[k]) for k in _GTINS if _text(product.get(k))), None),
        "mpn": _text(product.get("mpn")),
        "sku": _text(product.get("sku") or priced.get("sku")),
        "product_id": _text(product.get("productID") or product.get("identifier")),
        "url": urljoin(base, url) if url else None,
        "description": _text(product.get("description")),
        "category": _text(product.get("category")),
        "location": location,
    }


def _from_opengraph(tags: dict[str, Any], base: str) -> dict[str, Any]:
    """The fields of OpenGraph product tags (`og:type=product`, `product:price:amount`...)."""

    def tag(*names: str) -> str | None:
        return next((t for n in names if (t := _text(tags.get(n)))), None)

    currency = tag("product:price:currency", "og:price:currency")
    url = tag("og:url")
    return {
        "title": tag("og:title"),
        "price": _amount(tag("product:price:amount", "og:price:amount")),
        "currency": currency.upper() if currency else None,
        "availability": tag("product:availability", "og:availability"),
        "condition": tag("product:condition"),
        "image": _image(tag("og:image", "og:image:url", "og:image:secure_url"), base),
        "brand": tag("product:brand"),
        "sku": tag("product:retailer_item_id"),
        "gtin": tag("product:upc", "product:ean"),
        "mpn": tag("product:mfr_part_no"),
        "url": urljoin(base, url) if url else None,
        "description": tag("og:description"),
        "category": tag("product:category"),
    }


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if into.get(key) in (None, "") and value not in (None, ""):
            into[key] = value


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two syntaxes describe one product (same sku, id, GTIN, URL or name)."""
    return any(a.get(k) and a.get(k) == b.get(k) for k in ("sku", "product_id", "gtin", "url")) or (
        bool(a.get("title")) and (a.get("title") or "").lower() == (b.get("title") or "").lower()
    )


def _page_url(tree: lxml.html.HtmlElement, url: str) -> str:
    """The page's own address: what the page says it is (canonical link, og:url), else the URL
    it was fetched from; a saved file then reads like its live page, and a product fetched
    with tracking parameters keeps its one address."""
    for path in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        for found in tree.xpath(path):
            address = urljoin(url, found.strip())
            if urlsplit(address).scheme in ("http", "https"):
                return address
    if urlsplit(url).scheme not in ("http", "https"):
        for found in tree.xpath("//base/@href"):
            if urlsplit(found.strip()).scheme in ("http", "https"):
                return found.strip()
    return url


def _extracted(tree: lxml.html.HtmlElement, base: str, problems: list[str]) -> dict[str, list]:
    """Each syntax extracted on its own, so a broken JSON-LD block does not lose the microdata."""
    # imported here: the registry loads every parser when the Dagster definitions load, and
    # extruct (with rdflib) costs ~1 s of CPU that only parsing a page needs
    from extruct import extract

    found: dict[str, list] = {}
    for syntax in _SYNTAXES:
        try:
            found[syntax] = extract(tree, base_url=base, syntaxes=[syntax], uniform=True)[syntax]
        except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
            problems.append(f"{base}: {syntax} data unreadable: {exc}")
            found[syntax] = []
    return found


def products_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], str, list[str]]:
    """The page's products as plain field dicts (merged across syntaxes), the page's own URL,
    and problems with the structured data."""
    problems: list[str] = []
    if not body.strip():
        return [], url, problems
    try:
        tree = lxml.html.fromstring(body, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ParseError(f"{url}: unreadable HTML: {exc}") from exc
    base = _page_url(tree, url)
    found = _extracted(tree, base, problems)
    products: list[dict[str, Any]] = []
    for syntax in ("json-ld", "microdata"):
        for item in found[syntax]:
            if syntax == "microdata" and not any(c in str(item.get("@context")) for c in _CONTEXTS):
                continue
            for product in _walk(item):
                fields = _from_item(product, base)
                same = next((p for p in products if _same(p, fields)), None)
                if same is None:
                    products.append(fields)
                else:
                    _merge(same, fields)
    for tags in found["opengraph"]:
        if not _short(tags.get("@type")).startswith("product"):
            continue
        fields = _from_opengraph(tags, base)
        # OpenGraph describes the page itself: its main (first) product, or the only one
        same = next((p for p in products if _same(p, fields)), products[0] if products else None)
        if same is None:
            products.append(fields)
        else:
            _merge(same, fields)
    for fields in products:  # an offer's name only when nothing names the product itself
        offer_name = fields.pop("offer_name", None)
        fields["title"] = fields.get("title") or offer_name
    return products, base, problems


def _status(availability: str | None) -> str:
    short = _short(availability)
    if short in _SOLD:
        return "sold"
    return "removed" if short in _GONE else "active"


def product_record(fields: dict[str, Any], base: str, source: str, now: datetime) -> dict[str, Any]:
    """A canonical record from one product's fields (as `products_with_problems` gives them)."""
    condition_raw = fields.get("condition")
    short = _short(condition_raw)
    condition = _CONDITIONS.get(short) or canonical_condition(condition_raw)
    url = fields.get("url") or base
    own_id = fields.get("sku") or fields.get("product_id")
    host = urlsplit(url).hostname
    if own_id and source == SOURCE and host:
        # (source, listing_id) is the key and schema_org pages come from many shops
        listing_id = f"{host}:{own_id}"
    else:
        listing_id = own_id or url.split("#")[0]
    attributes = {
        "availability": fields.get("availability"),
        "gtin": fields.get("gtin"),
        "mpn": fields.get("mpn"),
        "sku": fields.get("sku"),
        "product_id": fields.get("product_id"),
        "high_price": fields.get("high_price"),
        "offer_count": fields.get("offer_count"),
        "seller_name": fields.get("seller"),
        "description": fields.get("description"),
    }
    return make_record(
        source=source,
        listing_id=listing_id,
        url=url,
        title=fields.get("title"),
        price=fields.get("price"),
        currency=fields.get("currency") if fields.get("price") is not None else None,
        shipping_price=fields.get("shipping_price"),
        condition=condition,
        condition_raw=condition_raw,
        category_raw=fields.get("category"),
        brand=fields.get("brand"),
        location=fields.get("location"),
        seller_id=fields.get("seller"),
        image_url=fields.get("image"),
        status=_status(fields.get("availability")),
        scraped_at=now,
        attributes={k: v for k, v in attributes.items() if v is not None},
    )


def product_records(
    body: bytes, url: str, source: str = SOURCE, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Canonical records of the schema.org products a page carries (none when it has none);
    a product without a name is left out."""
    return _records(body, url, source, now)[0]


def _records(
    body: bytes, url: str, source: str, now: datetime | None
) -> tuple[list[dict[str, Any]], list[str]]:
    now = now or datetime.now(UTC)
    products, base, problems = products_with_problems(body, url)
    records, skipped = collect_records(
        products, lambda fields: product_record(fields, base, source, now), url, "product"
    )
    return records, problems + skipped


def parse_with_problems(
    body: bytes, url: str, *, now: datetime | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The `schema_org` source: one record per Product on the page; a page without Product data
    raises ParseError (unrecognized, unless it is a block page)."""
    records, problems = _records(body, url, SOURCE, now)
    if not records and not problems:
        raise ParseError(f"{url}: no schema.org Product data (JSON-LD, microdata, og:type=product)")
    return records, problems


def parse(body: bytes, url: str, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The page's schema.org products as canonical records."""
    return parse_with_problems(body, url, now=now)[0]
