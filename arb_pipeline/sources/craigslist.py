"""Parser for Craigslist pages of 2009-2026: search results (the static no-JS list, the app's
cards, `li.result-row`, `p.row`, class-less rows found by their links) and postings. A page
saved to a file names its own site (canonical link, og:url, its links), which gives absolute
URLs and the site's dollar."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    canonical_condition,
    elements,
    first_attribute,
    html_tree,
    make_record,
    nodes_text,
    normalise_title,
    outermost,
    own_text_pieces,
    parse_timestamp,
    text_pieces_outside,
    truncation_problems,
)
from arb_pipeline.sources.pages import PageMarkers, raise_if_blocked
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    codes,
    query_of,
    whole,
)
from arb_pipeline.sources.values import read_money

SOURCE = "craigslist"
_CL_BLOCK_MARKERS = ("has been automatically blocked", "your request has been blocked")
_IMAGE_URL = "https://images.craigslist.org/{}_300x300.jpg"
_REMOVED_MARKERS = (
    "this posting has expired",
    "this posting has been deleted by its author",
    "this posting has been flagged for removal",
    "this posting has been removed",
)
_POSTING_CSS = "#titletextonly, #postingbody, body.posting, #userbody, h2.postingtitle"
# Search cards of each era, one family per page: the static no-JS list (2023-), the app's
# `cl-search-result` (2022-), `li.result-row` (2014-2022), `p.row` (2010-2014); then anything
# with a post id. A page saved from a browser holds both the static list and the app's cards,
# and the app renders only the cards scrolled to: the static list comes first.
_CARD_FAMILIES = (
    "li.cl-static-search-result",
    "li.cl-search-result, div.cl-search-result",
    "li.result-row",
    "p.row",
)
_KNOWN_CARDS = ", ".join(_CARD_FAMILIES)
_ANY_CARD = "[data-pid]"
_RESULT_LISTS = "ol.cl-static-search-results, ul.rows, ul#search-results, div.cl-search-results"
# Items of a results list that are not ads (see-also links, "nearby" banners).
_RESULT_ITEMS = "ol.cl-static-search-results > li, ul.rows > li, ul#search-results > li"
_NOT_AD_ITEMS = ("cl-static-hub-links", "nearby", "ban")
# A posting's numeric id (`/sfc/cto/1467654321.html`, `/chi/cto/d/slug/6569794207.html`) or
# the token of the 2025 links without one (`/view/d/<slug>/<token>`).
_NUMERIC_ID = re.compile(r"/(\d{6,12})\.html?$")
_TOKEN_ID = re.compile(r"/view/d/[^/]+/([A-Za-z0-9_-]{8,})/?$")
_POST_ID_TEXT = re.compile(r"post(?:ing)?\s?id:\s*(\d+)")  # 2014- / 2012-13 / 2009-11
_MONEY_IN_TEXT = re.compile(r"(?:US\s?|C|CA|AU|NZ)?[$£€₹]\s?\d[\d,]*(?:\.\d{2})?")
# The currency of prices written without a sign, by the site's domain; a "$" is that dollar.
_SITE_CURRENCIES = (
    (".craigslist.ca", "CAD"),
    (".craigslist.com.au", "AUD"),
    (".craigslist.co.nz", "NZD"),
    (".craigslist.co.uk", "GBP"),
    (".craigslist.org", "USD"),
)
_NOT_SITES = ("post.", "accounts.", "forums.", "images.", "static.")


PAGE_MARKERS = PageMarkers(
    expected=(
        "Craigslist search cards (li.cl-static-search-result, li.cl-search-result, "
        "li.result-row, p.row, [data-pid], links to postings) or a posting"
    ),
    empty=(
        "nothing found for that search",
        "no results",
        "zero local results found",
        "zero results",
    ),
    removed=_REMOVED_MARKERS,
    blocked=_CL_BLOCK_MARKERS,
)


def _page(body: bytes, url: str) -> tuple[LexborHTMLParser, str]:
    """The parsed page and its kind: `search` (with cards of any era) or `posting`."""
    page = html_tree(body)
    if page.css_matches(_KNOWN_CARDS):
        return page, "search"
    if page.css_matches(_POSTING_CSS):  # before any [data-pid]: a posting's buttons carry one
        return page, "posting"
    if page.css_matches(f"{_ANY_CARD}, {_RESULT_LISTS}") or _link_cards(page):
        return page, "search"
    lowered = body.decode("utf-8", "replace").lower()
    if any(marker in lowered for marker in _REMOVED_MARKERS):
        return page, "posting"
    if truncated := truncation_problems(body, url):  # a cut-off download, not a block page
        raise ParseError(f"{truncated[0]}: no search result list or posting found")
    raise_if_blocked(body, url)
    if any(marker in lowered[:20000] for marker in _CL_BLOCK_MARKERS):
        raise BlockedPageError(f"{url}: blocked page (craigslist IP block)")
    raise ParseError(f"{url}: no search result list or posting found")


def _is_craigslist(host: str) -> bool:
    return ".craigslist." in f".{host}" and not host.startswith(_NOT_SITES)


def _site(page: LexborHTMLParser, url: str) -> str | None:
    """The page's own address on Craigslist: the given URL when it is one, else the canonical
    link, og:url or base href, else the first link to a Craigslist site (a page saved to a file
    still names where it came from), else the given URL of another host (a local mirror);
    None when nothing names one."""
    if _craigslist_url(url):
        return url
    for query, name in (
        ("link[rel=canonical]", "href"),
        ("meta[property='og:url']", "content"),
        ("base[href]", "href"),
    ):
        if value := _craigslist_url(first_attribute(page.css(query), name)):
            return value
    for node in page.css("a[href], link[href]"):
        if href := _craigslist_url(node.attributes.get("href")):
            return href
    return url if urlsplit(url).scheme in ("http", "https") else None


def _craigslist_url(value: str | None) -> str | None:
    """An absolute address on a Craigslist site (protocol-relative `//host/…` of the
    2014-2016 pages made https), else None."""
    value = (value or "").strip()
    value = f"https:{value}" if value.startswith("//") else value
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and _is_craigslist(parts.hostname or ""):
        return value
    return None


def _absolute(href: str, site: str | None) -> str:
    """A link made absolute on the page's site; a relative link on a page naming no site
    cannot be placed."""
    # an absolute link as written is the common case, and urlsplit costs more than the card
    if href.startswith(("https://", "http://")) or urlsplit(href).scheme in ("http", "https"):
        return href
    if href.startswith("//"):
        return urljoin(site or "https:", href)
    if site is None:
        raise ParseError(f"relative link {href!r} and the page names no site")
    return urljoin(site, href)


@lru_cache(maxsize=256)
def _site_currency(site: str | None) -> str | None:
    host = f".{urlsplit(site or '').hostname or ''}"
    return next((code for domain, code in _SITE_CURRENCIES if host.endswith(domain)), None)


def _money(price_text: str | None, site: str | None) -> tuple[float | None, str | None, bool]:
    """Amount, currency and whether the currency was inferred from the site (no sign)."""
    site_currency = _site_currency(site)
    dollar = site_currency if site_currency in ("USD", "CAD", "AUD", "NZD") else None
    price, currency = read_money(price_text, dollar=dollar)
    if price is None or currency is not None:
        return price, currency, False
    if "$" not in (price_text or "") and site_currency is not None:
        return price, site_currency, True
    raise ParseError(f"price {price_text!r} has no currency symbol the site explains")


_ROW_PARTS = (
    "a.result-title",
    "a.result-image",
    "span.result-price",
    "span.result-hood",
    "time.result-date",
)
_ROW_QUERY = ", ".join(_ROW_PARTS)
_CLASS_SEPARATOR = re.compile(r"[ \t\n\f\r]+")  # HTML whitespace, as in CSS class matching


def _row_parts(row: LexborNode) -> dict[str, list[LexborNode]]:
    """The row's elements matching each `tag.class` of _ROW_PARTS, in document order.

    One CSS query for all parts instead of one per part (which dominated the time per row).
    """
    parts: dict[str, list[LexborNode]] = {part: [] for part in _ROW_PARTS}
    for node in row.css(_ROW_QUERY):
        for name in set(_CLASS_SEPARATOR.split(node.attributes.get("class") or "")):
            found = parts.get(f"{node.tag}.{name}")
            if found is not None:
                found.append(node)
    return parts


def _first_text(nodes: list[LexborNode]) -> str | None:
    """The first text node directly inside the nodes, like CSS `::text` then `.get()`."""
    pieces = own_text_pieces(nodes)
    return pieces[0] if pieces else None


def _row(row: LexborNode, pid: str, site: str | None, scraped_at: datetime) -> dict[str, Any]:
    parts = _row_parts(row)
    href = first_attribute(parts["a.result-title"], "href")
    if not href:
        raise ParseError("no a.result-title link")
    price, currency, inferred = _money(_first_text(parts["span.result-price"]), site)
    hood = _first_text(parts["span.result-hood"])
    image_ids = (first_attribute(parts["a.result-image"], "data-ids") or "").split(",")
    image_ids = list(dict.fromkeys(i.strip() for i in image_ids if i.strip()))
    attributes = {
        "repost_of": row.attributes.get("data-repost-of"),
        "image_ids": image_ids or None,
        "currency_inferred_from": "host" if inferred else None,
    }
    return make_record(
        source=SOURCE,
        listing_id=pid,
        url=_absolute(href, site),
        title=_first_text(parts["a.result-title"]),
        price=price,
        currency=currency,
        condition="unknown",
        location=(hood or "").strip().strip("()").strip() or None,
        image_url=_IMAGE_URL.format(image_ids[0].split(":")[-1]) if image_ids else None,
        listed_at=parse_timestamp(first_attribute(parts["time.result-date"], "datetime")),
        status="active",
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


_TITLE_CSS = ".title, .titlestring, .label, .result-title, .hdrlnk, .posting-title"
_PRICE_CSS = ".price, .result-price, .priceinfo, .itempp"
_PLACE_CSS = ".location, .result-hood, .nearby, small, font"
_NOT_AMOUNT = re.compile(r"[^\d\s.,]")


def _posting_id(href: str | None) -> str | None:
    """The numeric post id or the token of a link to a posting; None for other links."""
    path = (href or "").strip().split("?", 1)[0].split("#", 1)[0]
    found = _NUMERIC_ID.search(path) or _TOKEN_ID.search(path)
    return found.group(1) if found else None


# _TITLE_CSS, _PRICE_CSS and _PLACE_CSS as class names and tags, for `_card_parts`
_TITLE_CLASSES = frozenset(name.strip(" .") for name in _TITLE_CSS.split(","))
_PRICE_CLASSES = frozenset(name.strip(" .") for name in _PRICE_CSS.split(","))
_PLACE_CLASSES = frozenset(("location", "result-hood", "nearby"))
_PLACE_TAGS = ("small", "font")


def _card_parts(card: LexborNode) -> dict[str, list[LexborNode]]:
    """A card's elements from one walk, in document order: `links` (the card itself first
    when it is a link, then `a[href]`), `title` (_TITLE_CSS), `price` (_PRICE_CSS), `place`
    (_PLACE_CSS), `image` (`[data-ids], a.i[data-id], img`) and `time` (`time[datetime]`).

    One walk instead of one CSS query per part, which dominated the time per card.
    """
    parts: dict[str, list[LexborNode]] = {
        "links": [card] if card.tag == "a" else [],
        "title": [],
        "price": [],
        "place": [],
        "image": [],
        "time": [],
    }
    for node, tag, attributes, names in elements(card):
        if tag == "a" and "href" in attributes:
            parts["links"].append(node)
        if names:
            if not names.isdisjoint(_TITLE_CLASSES):
                parts["title"].append(node)
            if not names.isdisjoint(_PRICE_CLASSES):
                parts["price"].append(node)
        if tag in _PLACE_TAGS or (names and not names.isdisjoint(_PLACE_CLASSES)):
            parts["place"].append(node)
        if (
            tag == "img"
            or "data-ids" in attributes
            or (tag == "a" and "i" in names and "data-id" in attributes)
        ):
            parts["image"].append(node)
        if tag == "time" and "datetime" in attributes:
            parts["time"].append(node)
    return parts


def _links(parts: dict[str, list[LexborNode]]) -> list[tuple[LexborNode, str | None]]:
    """The card's links (the card itself when it is one) with the posting id each names."""
    return [(a, _posting_id(a.attributes.get("href"))) for a in parts["links"]]


def _card_pid(card: LexborNode, links: list[tuple[LexborNode, str | None]]) -> str | None:
    """A card's posting id: its data-pid, else the id or token of its link to the posting."""
    pid = (card.attributes.get("data-pid") or "").strip()
    return pid or next((found for _, found in links if found), None)


def _card_price(card: LexborNode, parts: dict[str, list[LexborNode]]) -> str | None:
    """The card's price element text, else, on the 2009-2011 cards that wrote the price as bare
    text after a plain title link, the first amount with a currency sign in the text (a card
    with a title element and no price element has no price: "$500 off" in a title is none)."""
    nodes = parts["price"]
    if nodes:
        return nodes_text(nodes[:1])
    if parts["title"]:
        return None
    found = _MONEY_IN_TEXT.search(card.text(separator=" "))
    return found.group() if found else None


def _card_image(nodes: list[LexborNode]) -> str | None:
    """The first picture of a card (its `image` parts): Craigslist's image id (data-ids, or
    a.i's data-id before 2014) made a thumbnail URL, else an img's own address."""
    for node in nodes:
        if node.tag == "img":
            src = node.attributes.get("src") or node.attributes.get("data-src") or ""
            if src.startswith("http"):
                return src
            continue
        ids = node.attributes.get("data-ids") or node.attributes.get("data-id") or ""
        if image_id := ids.split(",")[0].strip():
            return _IMAGE_URL.format(image_id.split(":")[-1])
    return None


def _card(
    card: LexborNode,
    pid: str,
    site: str | None,
    scraped_at: datetime,
    parts: dict[str, list[LexborNode]],
    links: list[tuple[LexborNode, str | None]],
) -> dict[str, Any]:
    """A search card of any era but the 2014-2022 result row (`_row`), from its parts and
    links (`_card_parts`, `_links`)."""
    to_posting = [a for a, found in links if found] or [a for a, _ in links]
    href = next(
        (h for a in to_posting if (h := (a.attributes.get("href") or "").strip("# "))), None
    )
    if not href:
        raise ParseError("no link to the posting")
    url = _absolute(href, site)
    titled = outermost(parts["title"])
    title = nodes_text(titled[:1]) or card.attributes.get("title") or nodes_text(to_posting)
    price_text = _card_price(card, parts)
    if price_text and "$" not in price_text and _NOT_AMOUNT.search(price_text):
        if read_money(price_text)[1] is None:
            raise ParseError(f"price {price_text!r} in a currency not read")
    price, currency, inferred = _money(price_text, site)
    place = nodes_text(parts["place"][:1])
    attributes = {
        "repost_of": card.attributes.get("data-repost-of"),
        "currency_inferred_from": "host" if inferred else None,
    }
    return make_record(
        source=SOURCE,
        listing_id=pid,
        url=url,
        title=(title or "").strip().removesuffix(" -"),
        price=price,
        currency=currency,
        condition="unknown",
        location=(place or "").strip("()- ").strip() or None,
        image_url=_card_image(parts["image"]),
        listed_at=parse_timestamp(first_attribute(parts["time"], "datetime")),
        status="active",
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _link_cards(page: LexborHTMLParser) -> list[LexborNode]:
    """Cards found by their links alone (for markup no class names): each link to a posting,
    widened to its largest ancestor holding no other posting."""
    cards: dict[int, LexborNode] = {}
    ids_under: dict[int, set[str]] = {}
    for link in page.css("a[href]"):
        pid = _posting_id(link.attributes.get("href"))
        if not pid:
            continue
        card = link
        while (parent := card.parent) is not None and parent.tag not in ("body", "html"):
            if parent.mem_id not in ids_under:
                ids_under[parent.mem_id] = {
                    found
                    for a in parent.css("a[href]")
                    if (found := _posting_id(a.attributes.get("href")))
                }
            if ids_under[parent.mem_id] != {pid}:
                break
            card = parent
        cards.setdefault(card.mem_id, card)
    return list(cards.values())


def _car_attributes(page: LexborHTMLParser) -> dict[str, Any]:
    """The `key: value` lines of the attribute groups, plus year/make-model from the first."""
    attributes: dict[str, Any] = {}
    for node in page.css("[class*=attrgroup] > span, [class*=attrgroup] > div"):
        key, sep, value = (nodes_text([node]) or "").partition(":")
        if sep and value.strip():
            attributes[re.sub(r"\W+", "_", key.strip().lower())] = value.strip()
        elif found := re.fullmatch(r"((?:19|20)\d{2})\s+(.+)", key):
            attributes.setdefault("year", int(found.group(1)))
            attributes.setdefault("make_model", found.group(2))
    if re.fullmatch(r"[\d,]+", attributes.get("odometer", "")):
        attributes["odometer"] = int(attributes["odometer"].replace(",", ""))
    return attributes


def _print_only(node: LexborNode) -> bool:
    return "print-information" in (node.attributes.get("class") or "")


def _body_text(page: LexborHTMLParser) -> list[str]:
    """The text of #postingbody (#userbody before 2012), less its print-only notes."""
    return [
        piece
        for body in outermost(page.css("[id=postingbody]") or page.css("[id=userbody]"))
        for piece in text_pieces_outside(body, _print_only)
    ]


_HEADING = re.compile(
    r"(?P<title>.+?)(?:\s+-\s+(?P<price>[$£€]\s?\d[\d,.]*))?(?:\s+\((?P<place>[^()]*)\))?"
)


def _old_heading(page: LexborHTMLParser) -> dict[str, str | None]:
    """Title, price and place of a 2009-2013 posting's one-line heading ("2003 Honda Civic -
    $4500 (soma)"), from `h2.postingtitle` or, on the `#userbody` pages, the first `h2`; a
    removal notice in that place is no heading."""
    found = None
    if not page.css_matches("#titletextonly"):
        old_page = page.css_matches("#userbody")
        nodes = page.css("h2.postingtitle") or (page.css("h2")[:1] if old_page else [])
        text = nodes_text(nodes[:1]) or ""
        if not any(marker in text.lower() for marker in _REMOVED_MARKERS):
            found = _HEADING.fullmatch(text)
    if not found:
        return {"title": None, "price": None, "place": None}
    return {key: (value or "").strip() or None for key, value in found.groupdict().items()}


def _posting(page: LexborHTMLParser, url: str) -> list[dict[str, Any]]:
    """One record for a posting page; a removed posting without an id or title gives none."""
    text = (nodes_text(page.css("body")) or "").lower()
    removed = any(marker in text for marker in _REMOVED_MARKERS)
    site = _site(page, url)
    canonical = (
        _craigslist_url(first_attribute(page.css("link[rel=canonical]"), "href")) or site or url
    )
    found = _POST_ID_TEXT.search(text)
    post_id = found.group(1) if found else _posting_id(canonical)
    heading = _old_heading(page)
    title = (
        nodes_text(page.css("#titletextonly"))
        or heading["title"]
        or first_attribute(page.css("meta[property='og:title']"), "content")
    )
    if removed and not (post_id and normalise_title(title) and site):
        return []
    if not post_id:
        raise ParseError(f"{url}: posting without a post id")
    price_pieces = own_text_pieces(page.css(".postingtitletext .price"))
    price_text = price_pieces[0] if price_pieces else heading["price"]
    price, currency, inferred = _money(price_text, site)
    attributes = _car_attributes(page)
    condition_raw = attributes.pop("condition", None)
    posted = [
        node.attributes["datetime"]
        for node in page.css("time.date.timeago")
        if "datetime" in node.attributes
    ]
    images = list(
        dict.fromkeys(
            node.attributes["href"] or ""
            for node in page.css("#thumbs a")
            if "href" in node.attributes
        )
    )
    og_image = first_attribute(page.css("meta[property='og:image']"), "content")
    repost = re.search(r"var repost_of = (\d+);", page.html or "")
    attributes |= {
        "body": normalise_title(" ".join(_body_text(page)))[:4000] or None,
        "image_count": len(images) or None,
        "repost_of": repost.group(1) if repost else None,
        "currency_inferred_from": "host" if inferred else None,
    }
    return [
        make_record(
            source=SOURCE,
            listing_id=post_id,
            url=_absolute(canonical, site),
            title=title,
            price=price,
            currency=currency,
            condition=canonical_condition(condition_raw),
            condition_raw=condition_raw,
            category_raw=nodes_text(page.css("li.crumb.category a")),
            brand=attributes.get("make_manufacturer"),
            location=(nodes_text(page.css(".postingtitletext small")) or "").strip("() ")
            or heading["place"],
            image_url=images[0] if images else og_image,
            listed_at=parse_timestamp(posted[0]) if posted else None,
            status="removed" if removed else "active",
            attributes={key: value for key, value in attributes.items() if value is not None},
        )
    ]


def _search_cards(page: LexborHTMLParser) -> list[LexborNode]:
    """The cards of a search page: by the class names of one era, else by post id, else by
    their links to postings."""
    for query in (*_CARD_FAMILIES, _ANY_CARD):
        if cards := outermost(page.css(query)):
            return cards
    return _link_cards(page)


def _unread_items(page: LexborHTMLParser, cards: list[LexborNode]) -> list[str]:
    """Items of a results list that were not read as cards: ads in a markup not known."""
    card_ids = {card.mem_id for card in cards}
    return [
        f"item {index} skipped: no posting id or link (unknown markup)"
        for index, item in enumerate(page.css(_RESULT_ITEMS))
        if item.mem_id not in card_ids
        and item.css_matches("a[href]")  # banners and separators link nowhere
        and not item.css_matches("[data-pid]")
        and not set((item.attributes.get("class") or "").split()) & set(_NOT_AD_ITEMS)
    ]


def _search_rows(page: LexborHTMLParser, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per posting id of a search page (the same title at another price is another
    posting), plus one problem per card not read."""
    site = _site(page, url)
    records, problems, seen = [], [], set()
    scraped_at = datetime.now(UTC)
    cards = _search_cards(page)
    for index, card in enumerate(cards):
        row = "result-row" in (card.attributes.get("class") or "").split()
        if row:
            pid = card.attributes.get("data-pid")
        else:
            parts = _card_parts(card)
            links = _links(parts)
            pid = _card_pid(card, links)
        if pid in seen:
            continue
        try:
            if not pid:
                raise ParseError("no data-pid" if row else "no posting link")
            if row:
                records.append(_row(card, pid, site, scraped_at))
            else:
                records.append(_card(card, pid, site, scraped_at, parts, links))
            seen.add(pid)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: row {index} ({pid or 'no pid'}) skipped: {exc}")
    problems += [f"{url}: {problem}" for problem in _unread_items(page, cards)]
    return records, problems


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search page (one record per posting id) or a posting page, plus problems."""
    page, layout = _page(body, url)
    if layout != "posting":
        records, problems = _search_rows(page, url)
    else:
        try:
            records, problems = _posting(page, url), []
        except (ParseError, ValueError) as exc:
            records, problems = [], [f"{url}: posting skipped: {exc}"]
    return records, problems + truncation_problems(body, url)


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a Craigslist search result or posting page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the `next >` button, or None on the last page or a posting."""
    page, layout = _page(body, url)
    href = first_attribute(page.css("a.button.next"), "href") if layout == "search" else None
    # the crawl follows the host it fetched from (a mirror, the sandbox); a saved file its site
    base = url if urlsplit(url).scheme in ("http", "https") else _site(page, url)
    return urljoin(base, href) if href and href.strip() and base else None


# Searching: where a saved search's crawl starts on this marketplace.
CRAIGSLIST_CONDITIONS = {
    "new": ["10"],
    "like_new": ["20", "30"],
    "good": ["40"],
    "fair": ["50"],
    "for_parts": ["60"],
}


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """Craigslist for-sale search on the site named by the search's location (e.g. sfbay)."""
    params: list[tuple[str, str]] = [("query", query_of(search, "craigslist"))]
    if search.price_min is not None:
        params.append(("min_price", whole(search.price_min)))
    if search.price_max is not None:
        params.append(("max_price", whole(search.price_max)))
    params += [("condition", code) for code in codes(CRAIGSLIST_CONDITIONS, search.conditions)]
    return [f"{base_url}/search/sss?{urlencode(params)}"]


MARKETPLACE = Marketplace(SOURCE, "https://{location}.craigslist.org", search_urls)
