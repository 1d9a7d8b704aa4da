"""Parser for kleinanzeigen.de (eBay Kleinanzeigen until 2023): search result pages and ad pages.

Search pages: an ad card is found by what identifies an ad, its id (`data-adid`) or its link
`/s-anzeige/<slug>/<id>-<category>-<place>`, not by one CSS class, so cards in the classic
`article.aditem` markup and in the newer utility-class markup both read; fields the classic
classes do not give are read from the card's text (a German price, "12345 Place", a date).
Ad pages (VIP, `#viewad-…`, `og:type=product`): the ad itself, not the recommended ads below it.
Its state is in the page's script (`Belen.Search.ViewAdView.init({showPausedVeil: true, …})`),
from which the browser draws the "Reserviert • " / "Gelöscht • " / "Nicht mehr verfügbar • "
title prefix and photo veil: a flag set, or a badge shown, makes the ad `removed`. The badges
are in every ad page's markup, hidden (`is-hidden`) on a live ad, so a hidden badge does not
count. schema.org data (schema_org module) fills what the site's own markup lacks.
Listing URLs are always https://www.kleinanzeigen.de/s-anzeige/…, also for pages saved from
ebay-kleinanzeigen.de, so a page parses the same with and without its URL.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources import schema_org
from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    attribute,
    first_attribute,
    html_tree,
    make_record,
    normalise_title,
    outermost,
    own_text_pieces,
    text_pieces_outside,
    truncation_problems,
)
from arb_pipeline.sources.pages import PageMarkers, block_reason
from arb_pipeline.sources.search_urls import Marketplace, SearchOptions, SearchTerms, query_of
from arb_pipeline.sources.values import read_date, read_money

SOURCE = "kleinanzeigen"
SITE = "https://www.kleinanzeigen.de"
TIMEZONE = "Europe/Berlin"
# The site's "Zustand" words (seed condition_map holds the same rows for the warehouse)
CONDITIONS = {
    "neu": "new",
    "sehr gut": "like_new",
    "gut": "good",
    "gebraucht": "good",  # the older pages' one word for any used item
    "in ordnung": "fair",
    "defekt": "for_parts",
}

_BLOCK_WORDS = (
    "zugriff verweigert",
    "ungewöhnliche aktivitäten",
    "kein roboter",
    "sicherheitsabfrage",
    "anfrage wurde blockiert",
    "zu viele anfragen",
)
_EMPTY_WORDS = ("leider keine ergebnisse", "keine ergebnisse gefunden", "keine anzeigen gefunden")
_REMOVED_WORDS = (
    "anzeige ist nicht mehr verfügbar",  # "Die gewünschte Anzeige ist nicht mehr verfügbar."
    "anzeige wurde gelöscht",
    "anzeige ist abgelaufen",
    "anzeige nicht gefunden",
)
# Where the site says "no results" or "ad gone" (never inside a card, whose text is the seller's)
_MESSAGES = ".outcomemessage-warning, .outcomemessage-info, .outcomemessage-error"

PAGE_MARKERS = PageMarkers(
    expected=(
        "kleinanzeigen ad cards (an element with data-adid, or a link to "
        "/s-anzeige/<slug>/<id>-…) or an ad page (#viewad-title, og:type=product)"
    ),
    empty=_EMPTY_WORDS,
    removed=_REMOVED_WORDS,
    blocked=_BLOCK_WORDS,
)

# an ad's link: /s-anzeige/<slug>/<ad id>-<category>-<place>, its last path segment holds the id
_AD_ID = re.compile(r"(\d{6,})(?:-\d+)*$")
_PRICE_TEXT = re.compile(
    r"^(?:\d[\d.]*(?:,\d+)?\s*(?:€|eur)(?:\s*vb)?|vb|zu verschenken|preis auf anfrage)$", re.I
)
_PLACE_TEXT = re.compile(r"^\d{5}\s+\D.{0,60}$")  # "10115 Mitte", not "10000 mAh Powerbank…"
_DATE_TEXT = re.compile(
    r"^(?:heute|gestern|\d{1,2}\.\d{1,2}\.\d{2,4})(?:,?\s*\d{1,2}:\d{2})?$", re.I
)
_LETTER = re.compile(r"[^\W\d_]")
_DISTANCE = re.compile(r"\s*\(\s*(\d+)\s*km\s*\)")
_STATUS_PREFIX = re.compile(
    r"^\s*(reserviert|gelöscht|nicht mehr verfügbar|deaktiviert)\s*[•·|-]\s*", re.I
)
# The ad page's script (Belen.Search.ViewAdView.init) holds the ad's state; the page draws the
# status veil and title prefix from it in the browser, so a saved page may not show them.
_VEIL_FLAGS = {
    "showPausedVeil": "Reserviert",
    "showDeletedVeil": "Gelöscht",
    "showSoldVeil": "Nicht mehr verfügbar",
    "adExpired": "Abgelaufen",
}
_TRUE = re.compile(rb"\s*:\s*true\b")
_INVISIBLE_TEXT = re.compile("[\u200b\u00ad\ufeff]")
_CARD_EDGES = frozenset({"ul", "ol", "main", "body", "html", "section", "form", "nav", "header"})
# The classic card's parts by class name: 2019-2026, and 2014-2019 (the price in a <strong>
# beside the place in .aditem-details, the date in .aditem-addon)
_PARTS = {
    "aditem-main": "main",
    "text-module-begin": "title",
    "aditem-main--middle--price-shipping--price": "price",
    "aditem-main--middle--price": "price",
    "aditem-main--middle--price-shipping--old-price": "old_price",
    "aditem-main--top--left": "place",
    "aditem-details": "place",
    "aditem-main--top--right": "date",
    "aditem-addon": "date",
    "aditem-main--middle--description": "description",
    "aditem-main--middle--tags": "details",
    "aditem-main--middle--store-text": "store",
    "aditem-image--badges--badge-topad": "top_ad",
    "simpletag": "tag",
}
_PARTS_CSS = ", ".join(f".{name}" for name in _PARTS)
_AD_LINKS = 'a[href*="/s-anzeige/"]'
_TAGS = ("Versand möglich", "Nur Abholung", "Direkt kaufen", "Von Privat", "Gewerblich")


def _clock() -> datetime:
    """The time relative dates ("Heute, 10:15") are read against when the caller gives none."""
    return datetime.now(UTC)


def _clean(text: str | None) -> str | None:
    """Whitespace-normalised text without the zero-width breaks the site puts into long names."""
    if text and _INVISIBLE_TEXT.search(text):
        text = _INVISIBLE_TEXT.sub("", text)
    return normalise_title(text) or None


def _struck_or_hidden(node: LexborNode) -> bool:
    """Text a reader does not see as the current value: scripts, old (struck-through) prices,
    hidden elements."""
    if node.tag in ("script", "style", "template", "noscript", "s", "del", "strike"):
        return True
    attributes = node.attributes
    classes = attributes.get("class") or ""
    style = (attributes.get("style") or "").replace(" ", "").lower()
    return (
        "old-price" in classes
        or "line-through" in classes
        or "strike" in classes
        or "is-hidden" in classes.split()
        or "display:none" in style
        or "line-through" in style
    )


def _price_or_hidden(node: LexborNode) -> bool:
    return node.tag == "strong" or _struck_or_hidden(node)


def _pieces(node: LexborNode, shown: LexborNode | None = None) -> list[str]:
    """The visible, current text pieces under a node (inside `shown`, known to be visible),
    cleaned, empty ones left out."""
    return [t for p in text_pieces_outside(node, _struck_or_hidden, shown) if (t := _clean(p))]


def _text(node: LexborNode, css: str) -> str | None:
    """The text of the first element matching `css` under a node."""
    found = node.css_first(css)
    return _clean(found.text(separator=" ")) if found is not None else None


def _shown_text(node: LexborNode, css: str) -> str | None:
    """The same without struck-through and hidden parts (an old price inside the price)."""
    found = node.css_first(css)
    return _clean(" ".join(_pieces(found, node))) if found is not None else None


def _ad_id(href: str | None) -> str | None:
    if not href or "/s-anzeige/" not in href:
        return None
    path = href.split("?", 1)[0].split("#", 1)[0].strip().rstrip("/")
    found = _AD_ID.match(path.rsplit("/", 1)[-1])
    return found.group(1) if found else None


def _ad_url(href: str) -> str:
    """The ad's address on today's site (pages from ebay-kleinanzeigen.de and m. included)."""
    return SITE + urlsplit(href.strip()).path


def _price(text: str | None) -> tuple[float | None, str | None, bool, bool]:
    """Amount, currency, negotiable ("VB") and free ("Zu verschenken") of a German price text."""
    low = (text or "").lower()
    negotiable = bool(re.search(r"\bvb\b", low))
    if "verschenken" in low:
        return 0.0, "EUR", negotiable, True
    amount, currency = read_money(text, decimal_separator=",")
    if amount is not None and currency is None:
        raise ParseError(f"price {text!r} has no € sign")
    return amount, currency, negotiable, False


def _listed_at(text: str | None, now: datetime) -> datetime | None:
    return read_date(text, ("de",), TIMEZONE, now) if text else None


def _image(node: LexborNode) -> str | None:
    """The first image address on the web (a saved page's local copies left out)."""
    for image in node.css("img, [data-imgsrc]"):
        attributes = image.attributes
        if "logo" in (attributes.get("class") or ""):
            continue  # a shop's logo on its ad's card
        for name in ("data-imgsrc", "src", "data-src"):
            value = (attributes.get(name) or "").strip()
            if value.startswith(("https://", "http://")):
                return value
    return None


def _own_url(page: LexborHTMLParser) -> str | None:
    """What the page says its address is (canonical link, og:url)."""
    for css, name in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        value = first_attribute(page.css(css), name)
        if value and value.strip():
            return value.strip()
    return None


def _messages(page: LexborHTMLParser, body: bytes) -> str:
    """The site's own message boxes and the page's headline (not a card's text, which is the
    seller's), lowercased. Wording elsewhere on a page without ads is PAGE_MARKERS' part."""
    boxes = page.css(_MESSAGES) if b"outcomemessage" in body else []
    texts = [node.text(separator=" ") for node in boxes]
    headline = page.css_first("h1")
    if headline is not None and attribute(headline, "id") != "viewad-title":
        texts.append(headline.text(separator=" "))
    return " ".join(texts).lower()


# Search pages


def _ancestor_classes(node: LexborNode, levels: int = 3) -> str:
    classes, parent = [], node.parent
    while parent is not None and levels:
        classes.append(parent.attributes.get("class") or "")
        parent, levels = parent.parent, levels - 1
    return " ".join(classes)


def _card_of(link: LexborNode, ad_id: str) -> LexborNode:
    """The largest element around an ad link that holds no other ad's link: the ad's card."""
    node = link
    while True:
        parent = node.parent
        if parent is None or parent.tag in _CARD_EDGES or node.tag in ("article", "li"):
            return node
        ids = {_ad_id(a.attrs.get("href")) for a in parent.css(_AD_LINKS)}
        if ids - {ad_id, None}:
            return node
        node = parent


def _cards(page: LexborHTMLParser) -> list[tuple[str | None, LexborNode]]:
    """(ad id, card) in page order: elements with data-adid, then ads known only by a link."""
    cards = [(attribute(n, "data-adid"), n) for n in outermost(page.css("[data-adid]"))]
    known = {ad_id for ad_id, _ in cards}
    scope = page.css_first("main") or page.body
    links = [
        (ad_id, link)
        for link in (scope.css(_AD_LINKS) if scope is not None else [])
        if (ad_id := _ad_id(link.attrs.get("href"))) and ad_id not in known
    ]
    if not links:
        return cards
    taken = {node.mem_id for _, node in cards}
    inside = {a.mem_id for _, card in cards for a in card.css(_AD_LINKS)}
    for ad_id, link in links:
        if link.mem_id in inside:
            continue  # another ad's link inside a card with an id
        card = _card_of(link, ad_id)
        if card.mem_id not in taken:
            taken.add(card.mem_id)
            cards.append((ad_id, card))
    return cards


def _classic_parts(card: LexborNode) -> dict[str, list[LexborNode]]:
    """The card's parts named by the classic class names, found in one pass."""
    parts: dict[str, list[LexborNode]] = {}
    for node in card.css(_PARTS_CSS):
        for name in (node.attributes.get("class") or "").split():
            if part := _PARTS.get(name):
                parts.setdefault(part, []).append(node)
                break
    return parts


def _card_href(card: LexborNode, ad_id: str | None) -> str | None:
    href = attribute(card, "data-href")
    if href:
        return href
    for link in card.css(_AD_LINKS):
        if _ad_id(link.attrs.get("href")) == ad_id or ad_id is None:
            return link.attrs.get("href")
    return None


def _card_title(card: LexborNode, href: str) -> str | None:
    """The title of a card in another markup: its heading, a text link to the ad (a link
    around the whole card or its photo is no title; a photo's counter "5" neither), the photo's
    description, else its first wording that is not a price, place, date or tag."""
    title = next((t for h in card.css("h2, h3") if (t := _clean(" ".join(_pieces(h, card))))), None)
    if title:
        return title
    links = [
        _clean(" ".join(_pieces(a, card)))
        for a in card.css("a")
        if attribute(a, "href") == href and not a.css_matches("img, div, p, [data-imgsrc]")
    ]
    texts = [t for t in links if t and _LETTER.search(t)]
    texts = texts or [t for img in card.css("img") if (t := _clean(attribute(img, "alt")))]
    if texts:
        return max(texts, key=len)
    return next(
        (
            t
            for t in _pieces(card)
            if _LETTER.search(t)
            and t not in _TAGS
            and t != "TOP"
            and not any(p.match(t) for p in (_PRICE_TEXT, _PLACE_TEXT, _DATE_TEXT))
        ),
        None,
    )


def _first_piece(pieces: list[str], pattern: re.Pattern[str]) -> str | None:
    return next((p for p in pieces if pattern.match(p)), None)


def _node_text(node: LexborNode | None) -> str | None:
    return _clean(node.text(separator=" ")) if node is not None else None


def _card_record(card: LexborNode, ad_id: str | None, now: datetime) -> dict[str, Any]:
    href = _card_href(card, ad_id)
    if not href or not ad_id:
        raise ParseError("no ad id or /s-anzeige/ link")
    # A card in the classic markup names its parts; in any other they are found among its text
    # pieces by their form ("450 € VB", "10115 Mitte", "Heute, 10:15").
    parts = _classic_parts(card)
    classic = "main" in parts

    def part(name: str) -> LexborNode | None:
        return parts[name][0] if name in parts else None

    pieces = [] if classic else _pieces(card)
    place = part("place")
    price_node = part("price")
    if price_node is None and place is not None and place.tag == "section":
        price_node = place.css_first("strong")  # 2014-2019: the price beside the place
    if price_node is None and not classic:
        price_node = card.css_first("[class*=price]:not([class*=old])")
    if price_node is None:
        price_text = _first_piece(pieces, _PRICE_TEXT)
    elif classic and "old_price" not in parts:
        price_text = _node_text(price_node)  # nothing struck through in it
    else:
        price_text = _clean(" ".join(_pieces(price_node, card)))
    price, currency, negotiable, free = _price(price_text)
    negotiable = negotiable or "VB" in pieces
    old = part("old_price") if classic else card.css_first("[class*=old-price], s, del")
    old_price = _node_text(old)
    if place is None:
        where = _first_piece(pieces, _PLACE_TEXT) or ""
    elif place.tag == "section":  # 2014-2019: the place beside the price's <strong>
        where = _clean(" ".join(text_pieces_outside(place, _price_or_hidden, card))) or ""
    else:
        where = _node_text(place) or ""
    zip_code = re.match(r"(\d{5})\s+", where)
    distance = _DISTANCE.search(where)
    date_node = part("date")
    date_text = _node_text(date_node) if date_node is not None else _first_piece(pieces, _DATE_TEXT)
    tags = [t for n in parts.get("tag", []) if (t := _clean(n.text()))]
    tags = tags or [t for t in pieces if t in _TAGS]
    details = _node_text(part("details"))
    classes = (card.attributes.get("class") or "") + " " + _ancestor_classes(card)
    top_ad = "is-topad" in classes or "top_ad" in parts
    if not classic:
        top_ad = top_ad or "TOP" in pieces or card.css_matches("[class*=topad]")
    description = part("description")
    if description is None and classic:
        description = card.css_first(".aditem-main > p:not(.text-module-end)")
    title = part("title")
    attributes = {
        "negotiable": negotiable or None,
        "free": free or None,
        "shipping_possible": True if "Versand möglich" in tags else None,
        "pickup_only": True if "Nur Abholung" in tags else None,
        "direct_buy": True if "Direkt kaufen" in tags else None,
        "private_seller": True if "Von Privat" in tags else None,
        "old_price": _price(old_price)[0] if old_price else None,
        "top_ad": top_ad or None,
        "highlight": True if "is-highlight" in classes else None,
        "zip_code": zip_code.group(1) if zip_code else None,
        "distance_km": int(distance.group(1)) if distance else None,
        "listed_raw": date_text,
        "details": [d.strip() for d in details.split("·") if d.strip()] if details else None,
        "store": _node_text(part("store")),
        "description": _node_text(description),
        "currency_inferred_from": "host" if free else None,
    }
    return make_record(
        source=SOURCE,
        listing_id=ad_id,
        url=_ad_url(href),
        # the classic title element, when there, is the title even when empty (then skipped)
        title=_node_text(title) if title is not None else _card_title(card, href),
        price=price,
        currency=currency,
        condition="unknown",
        location=_DISTANCE.sub("", where).strip() or None,
        image_url=_image(card),
        listed_at=_listed_at(date_text, now),
        status="active",
        scraped_at=now,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _search_page(
    page: LexborHTMLParser, url: str, now: datetime
) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per ad id; a top ad repeating an organic ad is kept once (the organic card's
    fields fill what the top ad's lacks, such as its date)."""
    records: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for index, (ad_id, card) in enumerate(_cards(page)):
        try:
            record = _card_record(card, ad_id, now)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: card {index} ({ad_id or 'no ad id'}) skipped: {exc}")
            continue
        kept = records.setdefault(record["listing_id"], record)
        if kept is not record:
            for key, value in record.items():
                if kept[key] is None:
                    kept[key] = value
            kept["attributes"] = {**record["attributes"], **kept["attributes"]}
    return list(records.values()), problems


# Ad pages (VIP)


_AD_PAGE = (
    '#viewad-title, #viewad-product, #viewad-main-info, meta[property="og:type"][content="product"]'
)


def _is_ad_page(page: LexborHTMLParser) -> bool:
    if page.css_matches(_AD_PAGE):  # one search of the page for all of them
        return True
    return _ad_id(_own_url(page)) is not None


def _status_badges(page: LexborHTMLParser, body: bytes) -> list[str]:
    """The ad's status words ("Reserviert", "Gelöscht", "Nicht mehr verfügbar"): the flags the
    page's script draws its veil from, and any badge already shown."""
    flags = _veil_flags(body)
    words = [word for flag, word in _VEIL_FLAGS.items() if flag in flags]
    scope = page.css_first("#viewad-main") or page.body
    for badge in scope.css(".pvap-reserved-title, .pvap-reserved-image-veil") if scope else []:
        hidden, node = False, badge
        while node is not None and not hidden:
            hidden, node = node.is_element_node and _struck_or_hidden(node), node.parent
        text = _clean(badge.text(separator=" "))
        word = _clean(text.rstrip("• ")) if text else None
        if not hidden and word and word not in words:
            words.append(word)
    return words


def _veil_flags(body: bytes) -> set[str]:
    """The ad page's state flags set to true in its script (`showPausedVeil: true`)."""
    init = body.find(b"ViewAdView.init(")
    script = body[init : init + 10_000] if init >= 0 else body  # where the site writes them
    found = set()
    for flag in _VEIL_FLAGS:  # str.find per name: a regex alternation scans the page far slower
        start = script.find(flag.encode())
        while start >= 0 and flag not in found:
            if _TRUE.match(script, start + len(flag)):
                found.add(flag)
            start = script.find(flag.encode(), start + 1)
    return found


def _status_or_hidden(node: LexborNode) -> bool:
    return "pvap-reserved-title" in (node.attributes.get("class") or "") or _struck_or_hidden(node)


def _ad_title(page: LexborHTMLParser) -> tuple[str | None, list[str]]:
    """The ad's title without status prefixes, and the prefixes written into it as text."""
    node = page.css_first("#viewad-title") or page.css_first("main h1, h1")
    if node is None:
        return None, []
    own = text_pieces_outside(node, _status_or_hidden)
    title, words = _clean(" ".join(own)) or "", []
    while found := _STATUS_PREFIX.match(title):
        words.append(found.group(1))
        title = title[found.end() :]
    return title or None, words


def _details(page: LexborHTMLParser) -> dict[str, str]:
    """The ad's detail list ("Zustand: Gut", "Wohnfläche: 11 m²")."""
    details: dict[str, str] = {}
    scope = page.css_first("#viewad-details") or page.body
    for item in scope.css(".addetailslist--detail") if scope is not None else []:
        value = item.css_first(".addetailslist--detail--value")
        label = _clean(" ".join(own_text_pieces([item])))
        if value is not None and label:
            details[label] = _clean(value.text(separator=" ")) or ""
    return details


def _seller(page: LexborHTMLParser) -> tuple[str | None, str | None]:
    """The seller's user id and name, from the link to their other ads."""
    box = page.css_first("#viewad-contact, #viewad-profile-box, .userprofile-vip")
    links = box.css("a[href*='userId=']") if box is not None else []
    for link in links or page.css("a[href*='s-bestandsliste'][href*='userId=']"):
        if "badge" in (link.attributes.get("class") or ""):
            continue  # the round initial before the name
        user = parse_qs(urlsplit(link.attrs.get("href") or "").query).get("userId")
        name = _clean(link.text(separator=" "))
        if user and name:
            return user[0], name
    return None, None


def _in(page: LexborHTMLParser, scope_css: str, css: str) -> list[LexborNode]:
    """The nodes matching `css` inside the page's first `scope_css` element (none without it)."""
    scope = page.css_first(scope_css)
    return scope.css(css) if scope is not None else []


def _ad_record(
    page: LexborHTMLParser, body: bytes, url: str, now: datetime, gone: bool
) -> tuple[dict[str, Any], list[str]]:
    title, prefix_words = _ad_title(page)
    price_text = _shown_text(page.root, "#viewad-price") if page.root is not None else None
    data: dict[str, Any] = {}
    problems: list[str] = []
    if not (title and price_text and page.css_matches("#viewad-image, #viewad-locality")):
        # the page's structured data fills what its own markup lacks (read only then: extruct
        # takes some 4 ms a page, five times the page's whole tree)
        products, _, problems = schema_org.products_with_problems(body, url)
        data = products[0] if products else {}
    if not title and data.get("title"):
        title, prefix_words = _STATUS_PREFIX.sub("", data["title"]), []
    id_box = _text(page, "#viewad-ad-id-box") or ""
    ad_id = (
        next(iter(re.findall(r"\d{6,}", id_box)), None)
        or _ad_id(_own_url(page))
        or _ad_id(url)
        or data.get("sku")
    )
    own_url = _own_url(page) or url
    price, currency, negotiable, free = _price(price_text)
    if price is None and not price_text and data.get("price") is not None:
        price, currency = data["price"], data.get("currency")
    shipping_text = _text(page, ".boxedarticle--details--shipping")
    shipping = read_money(shipping_text, decimal_separator=",")[0] if shipping_text else None
    extra = page.css_first("#viewad-extra-info")
    date_text = _first_piece(_pieces(extra), _DATE_TEXT) if extra is not None else None
    details = _details(page)
    condition_raw = details.get("Zustand")
    seller_id, seller_name = _seller(page)
    words = prefix_words + [w for w in _status_badges(page, body) if w not in prefix_words]
    if gone and not words:
        words.append("Nicht mehr verfügbar")  # the site's message above the ad
    image = page.css_first("#viewad-image")
    crumbs = [c for n in _in(page, ".breadcrump", ".breadcrump-link") if (c := _node_text(n))]
    features = [f for n in _in(page, "#viewad-configuration", ".checktag") if (f := _node_text(n))]
    attributes = {
        "negotiable": negotiable or None,
        "free": free or None,
        "reserved": True if any(w.lower() == "reserviert" for w in words) else None,
        "status_raw": " • ".join(words) or None,
        "pickup_only": True if shipping_text and "abholung" in shipping_text.lower() else None,
        "listed_raw": date_text,
        "details": details or None,
        "features": features or None,
        "seller_name": seller_name or data.get("seller"),
        "description": _text(page, "#viewad-description-text") or data.get("description"),
        "currency_inferred_from": "host" if free else None,
    }
    record = make_record(
        source=SOURCE,
        listing_id=ad_id,
        url=_ad_url(own_url) if _ad_id(own_url) else data.get("url") or url,
        title=title,
        price=price,
        currency=currency,
        shipping_price=shipping,
        condition=CONDITIONS.get((condition_raw or "").lower(), "unknown"),
        condition_raw=condition_raw,
        category_raw=crumbs[-1] if len(crumbs) > 1 else data.get("category"),
        location=_text(page, "#viewad-locality") or data.get("location"),
        seller_id=seller_id,
        image_url=(_image(image) if image is not None else None) or data.get("image"),
        listed_at=_listed_at(date_text, now),
        status="removed" if words else "active",
        scraped_at=now,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )
    return record, problems


def parse_with_problems(
    body: bytes, url: str, *, now: datetime | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search page (one record per ad id) or an ad page (the ad), plus one message per
    card that could not be read. A page saying the ad is gone or that nothing was found gives
    no records; a page with neither ads nor such words raises ParseError (BlockedPageError for
    a block page)."""
    now = now or _clock()
    page = html_tree(body)
    messages = _messages(page, body)
    gone = any(word in messages for word in _REMOVED_WORDS)
    if _is_ad_page(page):
        try:
            record, problems = _ad_record(page, body, url, now, gone)
        except (ParseError, ValueError) as exc:
            if gone:  # a deleted ad's page without the ad's data
                return [], []
            raise ParseError(f"{url}: ad page not readable: {exc}") from exc
        records = [record]
    elif gone or any(word in messages for word in _EMPTY_WORDS):
        # a deleted ad redirects to a search page with this message; a search without matches
        # may show other regions' ads below it: neither are results
        return [], []
    else:
        records, problems = _search_page(page, url, now)
    if body:
        problems += truncation_problems(body, url)
    if not records and all("truncated" in p for p in problems):
        reason = block_reason(body, PAGE_MARKERS)
        if reason:
            raise BlockedPageError(f"{url}: {reason}")
        raise ParseError(f"{url}: no ad card and no ad page found")
    return records, problems


def parse(body: bytes, url: str, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Parse a kleinanzeigen.de search or ad page into canonical records."""
    return parse_with_problems(body, url, now=now)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the next result page (`a.pagination-next`, `rel=next`), or None on
    the last page; BlockedPageError for a block page."""
    reason = block_reason(body, PAGE_MARKERS)
    if reason:
        raise BlockedPageError(f"{url}: {reason}")
    page = html_tree(body)
    href = first_attribute(page.css("a.pagination-next, a[rel=next], link[rel=next]"), "href")
    if not href or not href.strip():
        return None
    base = url if urlsplit(url).scheme in ("http", "https") else (_own_url(page) or SITE)
    return urljoin(base, href.strip())


# Searching: where a saved search's crawl starts on this marketplace.
KLEINANZEIGEN_RADII_KM = (5, 10, 20, 30, 50, 100, 150, 200)


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """The search form's URL (Kleinanzeigen redirects it to its result pages)."""
    params = {"keywords": query_of(search, "kleinanzeigen"), "action": "find", "pageNum": "1"}
    if search.location:
        params["locationStr"] = search.location
        if search.radius_km:
            radius = next((r for r in KLEINANZEIGEN_RADII_KM if r >= search.radius_km), 200)
            params["radius"] = str(radius)
    if search.price_min is not None:
        params["minPrice"] = str(math.floor(search.price_min))
    if search.price_max is not None:
        params["maxPrice"] = str(math.ceil(search.price_max))
    return [f"{base_url}/s-suchanfrage.html?{urlencode(params)}"]


MARKETPLACE = Marketplace(SOURCE, "https://www.kleinanzeigen.de", search_urls)
