"""Parser for eBay search and sold result pages: the 2025/26 `li.s-card` layout, the older
`li.s-item` one and the `li.sresult` list view before it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    attribute,
    canonical_condition,
    first_attribute,
    html_tree,
    make_record,
    nodes_text,
    normalise_title,
    outermost,
    text_pieces_outside,
)
from arb_pipeline.sources.ebay_auth import CONDITION_IDS as EBAY_CONDITION_IDS
from arb_pipeline.sources.pages import PageMarkers, raise_if_blocked
from arb_pipeline.sources.search_urls import (
    KM_PER_MILE,
    Marketplace,
    SearchOptions,
    SearchTerms,
    codes,
    query_of,
    whole,
)
from arb_pipeline.sources.values import currency_of, read_date, read_money

SOURCE = "ebay"
_PLACEHOLDER_IDS = {"123456"}  # the hidden "Shop on eBay" card at the top of every page
_ITEM_ID = re.compile(r"/itm/(?:[^/?#]+/)?(\d+)")
_EBAY_BLOCK_MARKERS = (
    "please verify yourself",
    "security measure",
    "splashui/challenge",
    "pardon our interruption",  # eBay's bot wall, often only in its <title>
    "made us think you were a bot",
)
_EMPTY_MARKERS = ("no exact matches found", "0 results found for")
_EBAY_CONDITIONS = {"pre-owned": "good", "parts only": "for_parts"}
_ISO_CODE = re.compile(r"\b(?!US\b)([A-Z]{3})\b")  # any ISO code written out, e.g. "SGD 12.00"
_RANGE = re.compile(r"\s+(?:to|bis|à|a)\s+")
# "Sold  Nov 3, 2025" / "Ended Oct 30, 2025" captions, and their German, French, Italian and
# Spanish wording on the other eBay sites
_STATUS = re.compile(
    r"(sold|ended|verkauft|beendet|vendu|terminé|venduto|terminato|vendido|finalizado)\s+(.*)",
    re.IGNORECASE,
)
_STATUS_WORDS = {"verkauft": "sold", "vendu": "sold", "venduto": "sold", "vendido": "sold"}
_LANGUAGES = ("en", "de", "fr", "it", "es")
# eBay shows the listed price, not the accepted offer, on a sold "Best offer accepted" card
_OFFER_ACCEPTED = ("best offer accepted", "preisvorschlag angenommen", "offre acceptée")
_NOISE = re.compile(
    r"^(?:New listing|Shop on eBay)\s*|\s*Opens in a new window or tab\s*$", re.IGNORECASE
)
_ROW = ".s-card__attribute-row"
# What makes a list item a listing card: its layout class, or the listing id eBay puts on it
_CARDS = "li.s-card, li.s-item, li.sresult, li[data-listingid], li[listingid], ul.srp-results > li"
_STRUCK = "s, del, strike, [class*=strikethrough], [class*=STRIKETHROUGH]"
_MODULES = "srp-river-answer"  # carousels, FAQ, pagination, notices between the cards
_SITE = re.compile(r"^(?:[\w-]+\.)*ebay\.(?:com|[a-z]{2}|com\.[a-z]{2}|co\.[a-z]{2})$")


PAGE_MARKERS = PageMarkers(
    expected="eBay result cards (li.s-card / li.s-item / li.sresult with an /itm/ link)",
    empty=_EMPTY_MARKERS,
    blocked=_EBAY_BLOCK_MARKERS,
)


def _hidden(node: LexborNode) -> bool:
    """Screen-reader ("Opens in a new window"), badge ("New listing") and clipped elements (the
    hidden placeholder cards sit in a `s-clipped` block)."""
    names = node.attributes.get("class") or ""
    return "clipped" in names or "LIGHT_HIGHLIGHT" in names or "new-listing" in names


def _struck(node: LexborNode) -> bool:
    """A struck-through element: a was-price (or a sold best offer's listed price)."""
    names = node.attributes.get("class") or ""
    return node.tag in ("s", "del", "strike") or "strikethrough" in names.lower()


def _hidden_or_struck(node: LexborNode) -> bool:
    return _hidden(node) or _struck(node)


def _text(nodes: list[LexborNode] | LexborNode, card: LexborNode | None) -> str | None:
    """Whitespace-normalised text of the (first) node, without screen-reader and badge spans.

    `card` is the node's card when neither it nor an element around it is hidden, else None.
    """
    if isinstance(nodes, list):
        if not nodes:
            return None
        nodes = nodes[0]
    return normalise_title(" ".join(text_pieces_outside(nodes, _hidden, card))) or None


def _image(nodes: list[LexborNode]) -> str | None:
    if not nodes:
        return None
    image = nodes[0]
    return (
        attribute(image, "data-defer-load")
        or attribute(image, "data-src")
        or attribute(image, "src")
    )


def _price_texts(
    card: LexborNode, price: LexborNode | None, shown: LexborNode | None
) -> tuple[str | None, str | None]:
    """A card's price text and its struck-through was-price text.

    A price shown only struck through (a sold page's accepted best offer in the older layout)
    is the price, not a was-price.
    """
    if price is None:
        return None, None
    text = normalise_title(" ".join(text_pieces_outside(price, _hidden_or_struck, shown)))
    if not text:
        return _text(price, shown), None
    was = (_text(node, shown) for node in card.css(_STRUCK))
    return text, next((t for t in was if t and any(c.isdigit() for c in t)), None)


@dataclass(frozen=True)
class _Markup:
    """Where a card markup that names its fields by class keeps them (CSS selectors): `texts`
    are read as the text a reader sees, `terms` as all the text of its elements."""

    link: str
    price: str
    texts: dict[str, str]
    image: str | None = None
    terms: str | None = None


_LEGACY = _Markup(  # `li.s-item` cards (2016-2025)
    link="a.s-item__link",
    price=".s-item__price",
    texts={
        "title": ".s-item__title",
        "condition": ".s-item__subtitle .SECONDARY_INFO, .SECONDARY_INFO",
        "shipping": ".s-item__shipping, .s-item__logisticsCost",
        "location": ".s-item__location, .s-item__itemLocation",
        "bids": ".s-item__bids, .s-item__bidCount",
        "time_left": ".s-item__time-left",
        "options": ".s-item__purchase-options, .s-item__formatBestOfferEnabled",
        "caption": ".s-item__caption--signal, .s-item__caption, .s-item__title--tagblock",
        "seller": ".s-item__seller-info-text",
    },
    image="img.s-item__image-img, .s-item__image img",
    terms=".s-item__details, [class*=BestOfferAccepted]",
)
_LIST_VIEW = _Markup(  # `li.sresult` list-view cards (before 2019)
    link=".lvtitle a, a.vip",
    price=".lvprice",
    texts={
        "title": ".lvtitle",
        "condition": ".lvsubtitle",
        "shipping": ".lvshipping",
        "location": ".lvdetails li:not(.timeleft)",
        "bids": ".lvformat",
        "time_left": ".timeleft .tme, .timeleft",
        "caption": ".timeleft .tme span, .lvformat .bidsold",
    },
    image=".lvpic img",
    terms=".lvprices, .lvformat",
)
# a markup this parser does not know: its item link, and a title and price only where
# elements say so in their class names
_GENERIC = _Markup(
    link="a[href*='/itm/']",
    price="[class*=price]",
    texts={"title": "[class*=title], [role=heading]"},
)


def _marked(card: LexborNode, shown: LexborNode | None, markup: _Markup) -> dict[str, Any]:
    """The raw fields of a card in a markup that names them by class."""
    price, was = _price_texts(card, card.css_first(markup.price), shown)
    fields: dict[str, Any] = {
        "href": first_attribute(card.css(markup.link), "href"),
        "price": price,
        "was": was,
        **{name: _text(card.css(css), shown) for name, css in markup.texts.items()},
    }
    if markup.image:
        fields["image"] = _image(card.css(markup.image))
    if markup.terms:
        fields["terms"] = nodes_text(card.css(markup.terms))
    if "seller" in fields:  # "name (1,234) 99.8%": the name
        fields["seller"] = fields["seller"].split()[0] if fields["seller"] else None
    return fields


def _has_price(row: LexborNode) -> bool:
    """Whether an element inside the row has a class mentioning `s-card__price`."""
    return any(node.mem_id != row.mem_id for node in row.css("[class*=s-card__price]"))


_BIDS = re.compile(r"\d\s+(?:bids?|gebote?|enchères?|offerte?|pujas?)\b")
_LEFT = re.compile(r"\b(?:left|übrig|restant)\b")
_SHIPPING = re.compile(r"shipping|delivery|postage|versand|livraison|spedizione|envío")
_LOCATION = re.compile(r"^(?:located in|from|aus|de|da|desde)\s+", re.IGNORECASE)
_SELLER = re.compile(r"(\S+)\s+[\d.,]+%\s+(?:positive|positiv)")
_SOLD_COUNT = re.compile(r"^([\d,.]+)\+?\s+(?:sold|verkauft|vendus?|venduti|vendidos)$")


def _card(card: LexborNode, shown: LexborNode | None) -> dict[str, Any]:
    """The raw fields of a 2025/26 `li.s-card` card; attribute rows are recognised by their
    words, as their classes say nothing of what they hold."""
    rows = [row for row in card.css(_ROW) if row.mem_id != card.mem_id]
    price_row = next((row for row in rows if _has_price(row)), None)
    texts = [_text(row, shown) for row in rows if row is not price_row]
    price, was = _price_texts(card, price_row, shown)
    fields: dict[str, Any] = {
        "href": first_attribute(card.css("a.su-link, a.s-card__link"), "href"),
        "title": _text(card.css(".s-card__title"), shown),
        "price": price,
        "was": was,
        "condition": (_text(card.css(".s-card__subtitle"), shown) or "").split("·")[0].strip(),
        "caption": _text(card.css(".s-card__caption"), shown),
        "image": _image(card.css("img.s-card__image")),
        "terms": " ".join(t for t in (*texts, _text(price_row, shown) if price_row else "") if t),
    }
    for part in (p.strip() for text in texts for p in (text or "").split("·")):
        low = part.lower()
        if _BIDS.search(low):
            fields["bids"] = part
        elif _LEFT.search(low):
            fields["time_left"] = part
        elif _SHIPPING.search(low):
            fields["shipping"] = part
        elif _LOCATION.match(low):
            fields["location"] = part
        elif sold := _SOLD_COUNT.match(low):
            fields["sold_count"] = sold.group(1)
        elif "best offer" in low or "buy it now" in low or "sofort-kaufen" in low:
            fields["options"] = part
        elif seller := _SELLER.match(part):
            fields["seller"] = seller.group(1)
    return fields


def _site(page: LexborHTMLParser, url: str) -> str | None:
    """The eBay site's host: the URL's when it is an eBay one, else the page's own (canonical
    link, og:url, base href, then its first item link)."""
    for css, name in (
        (None, None),
        ("link[rel=canonical]", "href"),
        ("meta[property='og:url']", "content"),
        ("base[href]", "href"),
        ("a[href*='/itm/']", "href"),
    ):
        # looked up one after the other: each search of a 3 MB page costs up to a millisecond
        node = page.css_first(css) if css else None
        candidate = url if css is None else (attribute(node, name) if node is not None else None)
        parts = urlsplit((candidate or "").strip())
        host = (parts.hostname or "").lower()
        if parts.scheme in ("http", "https") and _SITE.match(host):
            return host
    return None


def _money(text: str, site: str | None) -> tuple[float | None, str]:
    """Amount and currency of one price; a bare "$" is USD on ebay.com only."""
    dollar = "USD" if site and (site == "ebay.com" or site.endswith(".ebay.com")) else None
    amount, currency = read_money(text, dollar=dollar)
    if amount is None:
        raise ParseError(f"unreadable price {text!r}")
    currency = currency or currency_of(text) or next(iter(_ISO_CODE.findall(text)), None)
    if not currency:
        raise ParseError(f"price {text!r} has no currency this parser can tell on {site}")
    return amount, currency


def _price(
    text: str | None, site: str | None
) -> tuple[float | None, str | None, list[float] | None]:
    """Amount, currency and (for "$10.00 to $20.00") the range of a price text."""
    if not text:
        return None, None, None
    read = [_money(part, site) for part in _RANGE.split(text)]
    amounts = [amount for amount, _ in read]
    price_range = [min(amounts), max(amounts)] if len(amounts) > 1 else None
    return min(amounts), read[0][1], price_range


_FREE = re.compile(r"free|kostenlos|gratuit|gratis|gratuita")


def _shipping(text: str | None) -> float | None:
    """The shipping cost of a "+$7.95 delivery" / "Free shipping" text; None when unstated."""
    if not text:
        return None
    if _FREE.search(text.lower()):
        return 0.0
    amount, currency = read_money(text, dollar="USD")  # only the amount is kept
    return amount if currency else None


def _status(caption: str | None, now: datetime) -> tuple[str, dict[str, Any]]:
    """`sold`/`ended` with its date from a "Sold  Nov 3, 2025" caption, else `active`."""
    found = _STATUS.match(caption or "")
    if not found:
        return "active", {}
    word = found.group(1).lower()
    status = "sold" if word == "sold" or word in _STATUS_WORDS else "ended"
    try:
        day: str | None = datetime.strptime(found.group(2).strip(), "%b %d, %Y").date().isoformat()
    except ValueError:
        when = read_date(found.group(2), _LANGUAGES, "UTC", now)
        day = when.date().isoformat() if when else None
    return status, {f"{status}_date": day, "status_raw": caption}


def _count(text: str | None) -> int | None:
    digits = re.search(r"\d[\d,.]*", text or "")
    return int(re.sub(r"\D", "", digits.group())) if digits else None


def _record(
    fields: dict[str, Any], listing_id: str, site: str | None, now: datetime
) -> dict[str, Any]:
    if not fields.get("href"):
        raise ParseError("no item link")
    price, currency, price_range = _price(fields.get("price"), site)
    if price is None:
        raise ParseError("no price")
    was = _money(fields["was"], site)[0] if fields.get("was") else None
    status, status_attributes = _status(fields.get("caption"), now)
    options = (fields.get("options") or "").lower()
    terms = (fields.get("terms") or "").lower()
    condition_raw = fields.get("condition") or None
    condition = _EBAY_CONDITIONS.get((condition_raw or "").lower())
    parts = urlsplit(urljoin(f"https://{site}/" if site else "", fields["href"]))
    attributes = {
        "price_range": price_range,
        "was_price": was if was is not None and was != price else None,
        "bid_count": _count(fields.get("bids")),
        "time_left": re.sub(r"\s*(?:left|übrig)\b.*", "", fields.get("time_left") or "") or None,
        "best_offer": True if "best offer" in options else None,
        "buy_it_now": True if "buy it now" in options else None,
        "best_offer_accepted": True if any(w in terms for w in _OFFER_ACCEPTED) else None,
        "sold_count": _count(fields.get("sold_count")),
        **status_attributes,
    }
    if attributes["best_offer_accepted"]:
        attributes["best_offer"] = None  # the accepted offer, not an open one
    location = _LOCATION.sub("", fields.get("location") or "")
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        title=_NOISE.sub("", fields.get("title") or ""),
        price=price,
        currency=currency,
        shipping_price=_shipping(fields.get("shipping")),
        condition=condition or canonical_condition(condition_raw),
        condition_raw=condition_raw,
        location=location or None,
        seller_id=fields.get("seller"),
        image_url=fields.get("image"),
        status=status,
        scraped_at=now,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _page(body: bytes, url: str) -> LexborHTMLParser:
    """The parsed page when it holds results or says there are none; a block page raises
    BlockedPageError, anything else ParseError."""
    page = html_tree(body)
    if page.css_matches("li.s-item, li.s-card, li.sresult, ul.srp-results, ul#ListViewInner"):
        return page
    raise_if_blocked(body, url)
    lowered = body.decode("utf-8", "replace").lower()
    for marker in _EBAY_BLOCK_MARKERS:
        if marker in lowered:
            raise BlockedPageError(f"{url}: blocked page ({marker!r} found)")
    if any(marker in lowered for marker in _EMPTY_MARKERS):
        return page
    raise ParseError(f"{url}: no eBay search results (li.s-card / li.s-item / li.sresult) found")


_FEWER_WORDS = "li[class*=srp-river-answer--REWRITE_START]"


def _inside_hidden(node: LexborNode | None) -> bool:
    """Whether the node is a hidden element or inside one."""
    while node is not None:
        if node.is_element_node and _hidden(node):
            return True
        node = node.parent
    return False


def _after_fewer_words(card: LexborNode) -> bool:
    """Whether the "Results matching fewer words" divider comes before the card in its list."""
    sibling = card.prev
    while sibling is not None:
        if sibling.tag == "li" and "srp-river-answer--REWRITE_START" in (
            sibling.attributes.get("class") or ""
        ):
            return True
        sibling = sibling.prev
    return False


def _fields(card: LexborNode, shown: LexborNode | None) -> dict[str, Any]:
    names = (card.attributes.get("class") or "").split()
    if "s-card" in names:
        return _card(card, shown)
    if "s-item" in names:
        return _marked(card, shown, _LEGACY)
    if "sresult" in names:
        return _marked(card, shown, _LIST_VIEW)
    return _marked(card, shown, _GENERIC)


def _card_nodes(page: LexborHTMLParser) -> list[LexborNode]:
    """The list items that may be listing cards, once each and not those inside another."""
    nodes, ids = [], set()
    for node in page.css(_CARDS):  # a node matching two of the selectors comes twice
        if node.mem_id not in ids:
            ids.add(node.mem_id)
            nodes.append(node)
    return outermost(nodes)


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search or sold page into records; the hidden placeholder cards, the modules
    between the cards and the "Results matching fewer words" are left out."""
    records, problems, seen = [], [], set()
    page = _page(body, url)
    site = _site(page, url)
    now = datetime.now(UTC)
    fewer_words = page.css_matches(_FEWER_WORDS)
    for index, card in enumerate(_card_nodes(page)):
        if _MODULES in (card.attributes.get("class") or "") or _inside_hidden(card):
            continue  # a module between the cards, or a placeholder kept out of sight
        if fewer_words and _after_fewer_words(card):
            break  # "Results matching fewer words": not matches for the query
        fields = _fields(card, card)
        found = _ITEM_ID.search(fields.get("href") or "")
        listing_id = (
            attribute(card, "data-listingid")
            or attribute(card, "listingid")
            or (found.group(1) if found else None)
        )
        if not listing_id:
            continue  # neither a listing id nor an item link: a link to a category, a module
        if {listing_id, found and found.group(1)} & _PLACEHOLDER_IDS or listing_id in seen:
            continue
        try:
            records.append(_record(fields, listing_id or "", site, now))
            seen.add(listing_id)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: card {index} ({listing_id}) skipped: {exc}")
    if body and b"</html>" not in body[-2000:].lower():
        problems.append(f"{url}: page looks truncated (no closing </html>)")
    return records, problems


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse an eBay search result page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the `a.pagination__next` link, or None on the last page."""
    link = _page(body, url).css_first("a.pagination__next")
    href = (attribute(link, "href") or "").strip() if link is not None else ""
    if not href or href == "#" or attribute(link, "aria-disabled") == "true":
        return None
    return urljoin(url, href)


# Searching: where a saved search's crawl starts on this marketplace.
def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """eBay search result pages: live listings, then sold ones (the comps)."""
    params = {"_nkw": query_of(search, "ebay"), "_sacat": "0", "_ipg": "240"}
    if search.price_min is not None:
        params["_udlo"] = whole(search.price_min)
    if search.price_max is not None:
        params["_udhi"] = whole(search.price_max)
    if search.conditions:
        ids = dict.fromkeys(codes(EBAY_CONDITION_IDS, search.conditions))
        params["LH_ItemCondition"] = "|".join(ids)
    if search.location:  # a postal code; eBay measures the distance in miles
        params["_stpos"] = search.location
        if search.radius_km:
            params["_sadis"] = str(math.ceil(search.radius_km / KM_PER_MILE))
    live = f"{base_url}/sch/i.html?{urlencode(params)}"
    return [live, f"{live}&LH_Sold=1&LH_Complete=1"]


MARKETPLACE = Marketplace(SOURCE, "https://www.ebay.com", search_urls)
