"""The sandbox marketplace: a local HTTP SIMULATOR of eBay's APIs, Craigslist and Marketplace.

It serves the listings of `catalogue.generate_market` in the shapes real marketplaces use, so
the real spiders and parsers run against it over HTTP:

- `/buy/browse/v1/item_summary/search?q=&limit=&offset=`: eBay Buy Browse API JSON (active;
  a German seller's few in EUR, one of them a planted deal)
- `/services/search/FindingService/v1?OPERATION-NAME=findCompletedItems&…`: eBay Finding
  API JSON of sold and ended items (the comps)
- `/search/sss?query=&s=`: Craigslist search results HTML (`li.result-row` layout)
- `/stats/eurofxref/eurofxref-daily.xml`: the ECB's euro reference rates (its XML shape) of
  the sandbox day's previous working day, offline
- `/v1/api/search?status=sold_out`: Mercari search API JSON (`items`) of items sold on the
  sandbox's Mercari, dearer and slower to sell than on eBay (`catalogue.mercari_sold`)
- `/marketplace/search?query=`: a Facebook-Marketplace-like page rendered by JavaScript: its
  HTML holds no listings, only a script that fetches `/marketplace/api/items?query=&cursor=`
  (JSON) and adds item links as the page is scrolled (infinite scroll). Its listings are
  generated fairly priced (`facebook_listings`), so they never add deals.

Faults can be switched on to exercise error handling: `ebay_api_500` (page 2 of the Browse
search always answers 500), `craigslist_malformed` (page 2 of the search is broken HTML) and
`craigslist_blocked` (every search page is a captcha).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import random
import threading
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from arb_pipeline.sandbox.catalogue import (
    CATALOGUE,
    EBAY_CONDITIONS,
    USD_PER_EUR,
    Market,
    SandboxListing,
    generate_market,
    market_value,
    mercari_sold,
)

FAULTS = frozenset({"ebay_api_500", "craigslist_malformed", "craigslist_blocked"})
BROWSE_PATH = "/buy/browse/v1/item_summary/search"
FINDING_PATH = "/services/search/FindingService/v1"
CRAIGSLIST_PATH = "/search/sss"
CRAIGSLIST_PAGE_SIZE = 25
FINDING_PAGE_SIZE = 100
MERCARI_PATH = "/v1/api/search"
MERCARI_CONDITIONS = {"new": (1, "New"), "like_new": (2, "Like new"), "good": (3, "Good")}
MERCARI_CONDITIONS |= {"fair": (4, "Fair"), "for_parts": (5, "Poor")}
ECB_PATH = "/stats/eurofxref/eurofxref-daily.xml"
# units per euro the sandbox's ECB publishes (close to the seed fx_rates' latest rows)
ECB_RATES = {"USD": USD_PER_EUR, "GBP": 0.858, "PLN": 4.26, "CAD": 1.6, "AUD": 1.77}
FACEBOOK_PATH = "/marketplace/search"
FACEBOOK_API_PATH = "/marketplace/api/items"
FACEBOOK_PAGE_SIZE = 20
FACEBOOK_LISTINGS = 45
BANNER = "SANDBOX MARKETPLACE SIMULATOR: generated listings, not a real marketplace"


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _money(value: float) -> str:
    return f"{value:.2f}"


def browse_item(item: SandboxListing, base_url: str) -> dict[str, Any]:
    """An active listing as an eBay Browse API `itemSummary`, priced in the seller's currency
    (a German seller's in EUR, as an EBAY_DE search shows it; no `convertedFrom…` fields,
    which the real API adds only when it converts a price into another currency)."""
    condition, condition_id = EBAY_CONDITIONS[item.condition]
    summary: dict[str, Any] = {
        "itemId": f"v1|{item.listing_id}|0",
        "legacyItemId": item.listing_id,
        "title": item.title,
        "categories": [{"categoryId": "0", "categoryName": item.product.category}],
        "image": {"imageUrl": f"{base_url}/images/{item.image_id}.jpg"},
        "seller": {"username": item.seller, "feedbackPercentage": "99.1", "feedbackScore": 250},
        "condition": condition,
        "conditionId": condition_id,
        "shippingOptions": [
            {
                "shippingCostType": "FIXED",
                "shippingCost": {"value": _money(item.shipping), "currency": item.currency},
            }
        ],
        "buyingOptions": ["FIXED_PRICE"],
        "itemWebUrl": f"{base_url}/itm/{item.listing_id}",
        "itemLocation": {"city": item.location.split(",")[0], "country": item.country},
        "itemCreationDate": _iso(item.listed_at),
    }
    if item.price is not None:
        summary["price"] = {"value": _money(item.price), "currency": item.currency}
    return summary


def finding_item(item: SandboxListing, base_url: str) -> dict[str, Any]:
    """A completed listing as an eBay Finding API `findCompletedItems` item."""
    condition, condition_id = EBAY_CONDITIONS[item.condition]
    price = {"_currencyId": "USD", "value": str(item.price)}
    return {
        "itemId": item.listing_id,
        "title": item.title,
        "globalId": "EBAY-US",
        "primaryCategory": {"categoryId": "0", "categoryName": item.product.category},
        "galleryURL": f"{base_url}/images/{item.image_id}.jpg",
        "viewItemURL": f"{base_url}/itm/{item.listing_id}",
        "location": item.location,
        "country": "US",
        "shippingInfo": {
            "shippingServiceCost": {"_currencyId": "USD", "value": str(item.shipping)}
        },
        "sellingStatus": {
            "currentPrice": price,
            "convertedCurrentPrice": price,
            "sellingState": "EndedWithSales" if item.status == "sold" else "EndedWithoutSales",
        },
        "listingInfo": {
            "listingType": "FixedPrice",
            "startTime": _iso(item.listed_at),
            "endTime": _iso(item.ended_at),
        },
        "condition": {"conditionDisplayName": condition, "conditionId": condition_id},
        "sellerInfo": {"sellerUserName": item.seller, "feedbackScore": "250"},
    }


def craigslist_row(item: SandboxListing, base_url: str) -> str:
    """An active listing as a Craigslist `li.result-row`."""
    url = f"{base_url}/sss/d/{item.product.key}/{item.listing_id}.html"
    price = "" if item.price is None else f'<span class="result-price">${item.price:.0f}</span>'
    title, when = html.escape(item.title), item.listed_at
    repost = f' data-repost-of="{item.repost_of}"' if item.repost_of else ""
    return f"""
<li class="result-row" data-pid="{item.listing_id}"{repost}>
  <a href="{url}" class="result-image gallery" data-ids="1:{item.image_id}">{price}</a>
  <p class="result-info">
    <time class="result-date" datetime="{when:%Y-%m-%d %H:%M}">{when:%b %d}</time>
    <a href="{url}" data-id="{item.listing_id}" class="result-title hdrlnk">{title}</a>
    <span class="result-meta">{price}
      <span class="result-hood"> ({html.escape(item.location)})</span>
    </span>
  </p>
</li>"""


def craigslist_page(items: list[SandboxListing], offset: int, total: int, base_url: str) -> str:
    """A Craigslist search results page."""
    rows = "".join(craigslist_row(item, base_url) for item in items)
    more = offset + CRAIGSLIST_PAGE_SIZE < total
    next_link = (
        f'<a href="{CRAIGSLIST_PATH}?s={offset + CRAIGSLIST_PAGE_SIZE}" class="button next" '
        'title="next page">next &gt; </a>'
        if more
        else ""
    )
    return f"""<!DOCTYPE html>
<html><head><title>sandbox craigslist: for sale</title>
<link rel="canonical" href="https://sandbox.craigslist.org/search/sss"></head>
<body>
<p class="banner">{BANNER}</p>
<div class="search-legend"><span class="buttons">
  <span class="button pagenum"><span class="range"><span class="rangeFrom">{offset + 1}</span> -
  <span class="rangeTo">{offset + len(items)}</span></span> /
  <span class="totalcount">{total}</span></span>
  {next_link}
</span></div>
<div class="content" id="sortable-results"><ul class="rows">{rows}
</ul></div>
</body></html>"""


_FACEBOOK_CITIES = ("Chicago, IL", "Austin, TX", "Denver, CO", "Portland, OR", "Tampa, FL")


def mercari_item(item: SandboxListing, base_url: str) -> dict[str, Any]:
    """A sold listing as an item of Mercari's search API (prices in cents, epoch times)."""
    condition_id, condition_name = MERCARI_CONDITIONS[item.condition]
    ended = item.ended_at or item.listed_at
    return {
        "id": f"m{item.listing_id}",
        "name": item.title,
        "status": "sold_out",
        "price": round((item.price or 0) * 100),
        "itemCondition": {"id": condition_id, "name": condition_name},
        "categoryTitle": item.product.category,
        "brand": {"name": item.product.brand},
        "photos": [{"large": f"{base_url}/images/{item.image_id}.jpg"}],
        "seller": {"id": int(item.seller.removeprefix("seller_") or 0)},
        "shippingPayer": {"code": "seller"},
        "created": int(item.listed_at.timestamp()),
        "updated": int(ended.timestamp()),
    }


def ecb_rates_xml(day: date) -> bytes:
    """The ECB's eurofxref-daily.xml for the working day before `day`."""
    published = day - timedelta(days=1)
    while published.weekday() >= 5:  # no reference rates at weekends
        published -= timedelta(days=1)
    cubes = "".join(
        f"\n\t\t\t<Cube currency='{code}' rate='{rate}'/>" for code, rate in ECB_RATES.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
        "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
        "\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n"
        "\t</gesmes:Sender>\n"
        f"\t<Cube>\n\t\t<Cube time='{published.isoformat()}'>{cubes}\n\t\t</Cube>\n\t</Cube>\n"
        "</gesmes:Envelope>\n"
    ).encode()


def facebook_listings(seed: int, day: date) -> list[SandboxListing]:
    """The day's Marketplace listings, all priced at or above market value (never deals)."""
    rng = random.Random(f"{seed}-facebook-{day.isoformat()}")
    items = []
    for seq in range(FACEBOOK_LISTINGS):
        product = rng.choice(CATALOGUE)
        digest = hashlib.sha256(f"facebook|{seed}|{day}|{seq}".encode()).hexdigest()
        listed_at = datetime.combine(day, time(), UTC) + timedelta(seconds=rng.randrange(86_400))
        items.append(
            SandboxListing(
                marketplace="facebook",
                listing_id=str(10**15 + int(digest[:12], 16)),
                title=product.title,
                price=float(round(market_value(product, "like_new") * rng.uniform(1.0, 1.2))),
                condition="like_new",
                product=product,
                listed_at=listed_at,
                seller=f"fb_user_{rng.randrange(1000, 9999)}",
                location=rng.choice(_FACEBOOK_CITIES),
                image_id=digest[12:28],
            )
        )
    return items


def facebook_item(item: SandboxListing, seq: int, base_url: str) -> dict[str, Any]:
    """A listing as the JSON the Marketplace page's script renders (every 4th was reduced)."""
    price = item.price or 0.0
    return {
        "id": item.listing_id,
        "url": f"/marketplace/item/{item.listing_id}/?ref=search&referral_code=sandbox",
        "title": item.title,
        "price": f"${price:,.0f}",
        "old_price": f"${price * 1.1:,.0f}" if seq % 4 == 3 else None,
        "location": item.location,
        "image": f"{base_url}/images/{item.image_id}.jpg",
    }


FACEBOOK_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Marketplace | sandbox</title>
<style>a[role=link] {{ display: block; min-height: 220px; }}</style></head>
<body>
<p class="banner">{BANNER}</p>
<div role="main"><div id="feed"></div><div id="more"></div></div>
<noscript>This page renders its listings with JavaScript.</noscript>
<script>
(() => {{
  const feed = document.getElementById("feed"), more = document.getElementById("more");
  const query = new URLSearchParams(location.search).get("query") || "";
  let cursor = 0, loading = false;
  const box = (...children) => {{
    const div = document.createElement("div"); div.append(...children); return div;
  }};
  const span = (text) => {{
    const node = document.createElement("span"); node.textContent = text; return node;
  }};
  const card = (item) => {{
    const link = document.createElement("a");
    link.href = item.url; link.setAttribute("role", "link");
    const img = document.createElement("img");
    img.src = item.image; img.alt = item.title; img.width = 160; img.height = 160;
    const price = box(span(item.price));
    if (item.old_price) {{
      const old = span(item.old_price); old.style.textDecoration = "line-through";
      price.append(old);
    }}
    link.append(box(img), price, box(span(item.title)), box(span(item.location)));
    return link;
  }};
  const load = async () => {{
    if (loading || cursor === null) return;
    loading = true;
    const params = new URLSearchParams({{ query, cursor }});
    const data = await (await fetch("{FACEBOOK_API_PATH}?" + params)).json();
    data.items.forEach((item) => feed.append(card(item)));
    if (!feed.children.length) feed.append(span("No listings found"));
    cursor = data.next_cursor; loading = false;
    if (more.getBoundingClientRect().top < innerHeight) load();
  }};
  new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && load()).observe(more);
}})();
</script>
</body></html>"""

CAPTCHA_PAGE = b"""<!DOCTYPE html><html><head><title>blocked</title></head><body>
<h1>Please complete the captcha to continue</h1><p>Are you a robot?</p></body></html>"""
MALFORMED_PAGE = b"<html><body><div class='content'><ul class='ro"


class SandboxMarketplace:
    """Serve one day's sandbox market on 127.0.0.1 with an ephemeral port; a context manager."""

    def __init__(self, day: date, seed: int = 7, faults: frozenset[str] | set[str] = frozenset()):
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown sandbox faults {sorted(unknown)}; known: {sorted(FAULTS)}")
        self.market: Market = generate_market(seed, day)
        self.facebook = facebook_listings(seed, day)
        self.mercari = mercari_sold(seed, day)
        self.faults = frozenset(faults)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start_url(self, feed: str) -> str:
        """First page of a feed: `ebay_api`, `ebay_finding`, `craigslist` or `facebook`."""
        paths = {
            "ebay_api": f"{BROWSE_PATH}?q=&limit=50&offset=0",
            "ebay_finding": f"{FINDING_PATH}?"
            + urlencode(
                {
                    "OPERATION-NAME": "findCompletedItems",
                    "paginationInput.entriesPerPage": FINDING_PAGE_SIZE,
                    "paginationInput.pageNumber": 1,
                }
            ),
            "craigslist": f"{CRAIGSLIST_PATH}?query=&s=0",
            "mercari": f"{MERCARI_PATH}?status=sold_out",
            "facebook": f"{FACEBOOK_PATH}?query=",
        }
        return self.base_url + paths[feed]

    def __enter__(self) -> SandboxMarketplace:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def respond(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path and query."""
        base = self.base_url
        if path == BROWSE_PATH:
            return self._browse(query, base)
        if path == FINDING_PATH:
            return self._finding(query, base)
        if path == CRAIGSLIST_PATH:
            return self._craigslist(query, base)
        if path == ECB_PATH:
            return 200, "text/xml", ecb_rates_xml(self.market.day)
        if path == MERCARI_PATH:
            items = [mercari_item(item, base) for item in self.mercari]
            return 200, "application/json", json.dumps({"items": items}).encode()
        if path == FACEBOOK_PATH:
            return 200, "text/html; charset=utf-8", FACEBOOK_PAGE.encode()
        if path == FACEBOOK_API_PATH:
            return self._facebook_items(query, base)
        return 404, "text/plain", b"not found"

    def _browse(self, query: dict[str, str], base: str) -> tuple[int, str, bytes]:
        limit, offset = int(query.get("limit", 50)), int(query.get("offset", 0))
        if "ebay_api_500" in self.faults and offset > 0:
            return 500, "application/json", b'{"errors":[{"message":"Internal error"}]}'
        items = self.market.ebay_active
        served = items[:limit] + items[limit - 1 : limit] + items[limit:]  # eBay repeats an item
        page = served[offset : offset + limit]
        body: dict[str, Any] = {
            "href": f"{base}{BROWSE_PATH}?q=&limit={limit}&offset={offset}",
            "total": len(served),
            "limit": limit,
            "offset": offset,
            "warnings": [{"message": BANNER}],
            "itemSummaries": [browse_item(item, base) for item in page],
        }
        if offset + limit < len(served):
            body["next"] = f"{base}{BROWSE_PATH}?q=&limit={limit}&offset={offset + limit}"
        return 200, "application/json", json.dumps(body).encode()

    def _finding(self, query: dict[str, str], base: str) -> tuple[int, str, bytes]:
        page_number = int(query.get("paginationInput.pageNumber", 1))
        per_page = int(query.get("paginationInput.entriesPerPage", FINDING_PAGE_SIZE))
        items = self.market.completed
        total_pages = max(1, math.ceil(len(items) / per_page))
        page = items[(page_number - 1) * per_page : page_number * per_page]
        body = {
            "ack": "Success",
            "version": "1.13.0",
            "timestamp": _iso(max(item.ended_at for item in items)),
            "searchResult": {
                "_count": str(len(page)),
                "item": [finding_item(item, base) for item in page],
            },
            "paginationOutput": {
                "entriesPerPage": str(per_page),
                "pageNumber": str(page_number),
                "totalEntries": str(len(items)),
                "totalPages": str(total_pages),
            },
        }
        return 200, "application/json", json.dumps(body).encode()

    def _craigslist(self, query: dict[str, str], base: str) -> tuple[int, str, bytes]:
        offset = int(query.get("s", 0))
        if "craigslist_blocked" in self.faults:
            return 200, "text/html", CAPTCHA_PAGE
        if "craigslist_malformed" in self.faults and offset > 0:
            return 200, "text/html", MALFORMED_PAGE
        items = self.market.craigslist_active
        page = items[offset : offset + CRAIGSLIST_PAGE_SIZE]
        body = craigslist_page(page, offset, len(items), base)
        return 200, "text/html; charset=utf-8", body.encode()

    def _facebook_items(self, query: dict[str, str], base: str) -> tuple[int, str, bytes]:
        words = query.get("query", "").lower()
        cursor = int(query.get("cursor", 0))
        items = [item for item in self.facebook if words in item.title.lower()]
        page = items[cursor : cursor + FACEBOOK_PAGE_SIZE]
        more = cursor + FACEBOOK_PAGE_SIZE < len(items)
        body = {
            "notice": BANNER,
            "items": [facebook_item(item, cursor + n, base) for n, item in enumerate(page)],
            "next_cursor": cursor + FACEBOOK_PAGE_SIZE if more else None,
        }
        return 200, "application/json", json.dumps(body).encode()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        marketplace = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                status, content_type, body = marketplace.respond(parts.path, query)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Sandbox", "simulator")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler
