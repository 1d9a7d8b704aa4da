"""Parser for OLX (olx.pl and the same platform in Portugal, Romania, Bulgaria, Ukraine and
Kazakhstan): search result pages and ad pages.

Cards are found by what identifies an OLX ad (the `l-card` test attributes of the React markup,
the `data-id` tables of the pre-2021 markup, else any link to an ad page `…-ID<token>.html`),
not by the generated `css-*` class names. Cards that link to a partner site (otodom.pl flats,
otomoto.pl cars) are not OLX ads: they are skipped and counted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources import schema_org
from arb_pipeline.sources.common import (
    ParseError,
    attribute,
    first_attribute,
    html_tree,
    make_record,
    nodes_text,
    outermost,
    text_pieces,
    truncation_problems,
)
from arb_pipeline.sources.pages import PageMarkers
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    codes,
    query_of,
    slug,
    whole,
)
from arb_pipeline.sources.values import currency_of, read_date, read_money

SOURCE = "olx"

# Each OLX site: its currency (prices written without a sign) and its date languages.
# tablica.pl was olx.pl's name until 2014.
SITES = {
    "olx.pl": ("PLN", ("pl",)),
    "tablica.pl": ("PLN", ("pl",)),
    "olx.pt": ("EUR", ("pt",)),
    "olx.ro": ("RON", ("ro",)),
    "olx.bg": ("BGN", ("bg",)),
    "olx.ua": ("UAH", ("uk", "ru")),
    "olx.kz": ("KZT", ("ru",)),
}
# OLX renders dates on the server in UTC: on the saved 2026 pages every "Dzisiaj o 17:22" is
# the ad's lastRefreshTime (18:22+01:00 in the page's own data) written in UTC, not Warsaw time.
RENDERED_TIMEZONE = "UTC"

# The condition words OLX shows (the "Stan" filter of olx.pl: Nowe, Używane, Uszkodzone,
# Regenerowane; the other sites' new/used words), lowercase; the seed condition_map holds the
# same words for staging.
CONDITION_WORDS = {
    "nowe": "new",
    "używane": "good",
    "uszkodzone": "for_parts",
    "regenerowane": "like_new",
    "nou": "new",
    "utilizat": "good",
    "novo": "new",
    "usado": "good",
    "ново": "new",
    "използвано": "good",
    "нове": "new",
    "вживане": "good",
    "новый": "new",
    "б/у": "good",
}
_NEGOTIABLE = (
    "do negocjacji",
    "negociabil",
    "negociável",
    "договірна",
    "по договаряне",
    "договорная",
)
_FREE = ("za darmo", "gratuit", "grátis", "безкоштовно", "безплатно", "бесплатно")
_SWAP = ("zamienię", "schimb", "troca", "обмін", "замяна", "обмен")
# Words before a date: "Odświeżono dnia 05 lutego 2026", "Dodane dzisiaj o 14:41".
_REFRESHED = ("odświeżono", "reactualizat", "оновлено", "обновлено", "обновено", "atualizado")
_TODAY = ("dzisiaj", "dziś", "azi", "hoje", "днес", "сьогодні", "сегодня")

_REMOVED = (
    "to ogłoszenie nie jest już dostępne",
    "sprzedający zakończył ogłoszenie",
    "ogłoszenie nieaktualne",
    "ogłoszenie nieaktywne",
)
PAGE_MARKERS = PageMarkers(
    expected=(
        "OLX ad cards ([data-cy=l-card], table[data-id] or links to …-ID<token>.html ads) "
        "or an OLX ad page"
    ),
    # olx.pl's own wording (its translations on the 2026 pages): "Nie znaleźliśmy żadnych
    # wyników", "… żadnych ogłoszeń w kategorii …", "Znaleźliśmy 0 ogłoszeń"
    empty=("nie znaleźliśmy żadnych", "nie znaleźliśmy ogłoszeń", "znaleźliśmy 0 ogłoszeń"),
    removed=_REMOVED,
    # a page whose cards all link to a partner site holds no OLX ad: nothing to land
    empty_css='[data-cy="l-card"] a[href^="http"]:not([href*="olx."])',
)

_AD_PATH = re.compile(r"-ID([0-9A-Za-z]+)\.html$")
_AD_LINK = re.compile(r"-ID([0-9A-Za-z]+)\.html(?:[?#]|$)")
_CARDS = '[data-cy="l-card"], [data-testid="l-card"], table[data-id]'
_PRICE = '[data-testid="ad-price"], p.price, .price'
_HEADINGS = "h1, h2, h3, h4, h5, h6"
# the ad page of 2021- (test ids) and before (`.pricelabel__value`, `#textContent`)
_AD_PRICE = '[data-testid="ad-price-container"], [data-testid="prices-wrapper"], .pricelabel'
_AD_DESCRIPTION = '[data-cy="ad_description"], [data-testid="ad_description"], #textContent'
_AD_MARKUP = '[data-cy="ad_description"], [data-testid="ad-footer-bar-section"], #textContent'
_OG_IMAGE = 'meta[property="og:image"]'
_AD_ID_TEXT = re.compile(r"\bID(?: ogłoszenia)?:?\s*(\d{5,})")
_SELLER_PATH = re.compile(r"/(?:uzytkownik|user|utilizator|usuario|polzovatel)/([^/?#]+)")
_REFRESH_TIME = re.compile(rb'\\?":\\?"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)')
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GONE = ("outofstock", "discontinued")  # as schema_org reads availability: SoldOut is sold


@dataclass
class _Site:
    """What a page's records share: the site's origin, currency and date languages, the clock."""

    origin: str | None
    currency: str | None
    languages: tuple[str, ...]
    now: datetime
    body: bytes
    today: datetime | None = None

    def date_base(self) -> datetime:
        """The page's own clock: the latest refresh time in its data (a card that says "today"
        was refreshed today, so that time is on the page's day), else the parse time."""
        if self.today is None:
            times = _refresh_times(self.body)
            self.today = max(times).astimezone(UTC) if times else self.now
        return self.today


def _refresh_times(body: bytes) -> list[datetime]:
    """The ads' `lastRefreshTime`s in the page's data (bytes.find: a regex over the 3 MB page
    costs several times more)."""
    times, start = [], body.find(b"lastRefreshTime")
    while start >= 0:
        start += len("lastRefreshTime")
        found = _REFRESH_TIME.match(body, start)
        if found:
            times.append(datetime.fromisoformat(found.group(1).decode()))
        start = body.find(b"lastRefreshTime", start)
    return times


def _site_of(host: str | None) -> str | None:
    """The SITES key of an OLX host (www.olx.pl, m.olx.pl, olx.pl), else None."""
    host = (host or "").lower()
    return next((site for site in SITES if host == site or host.endswith("." + site)), None)


def _page_url(page: LexborHTMLParser, url: str) -> str:
    """The page's address on its site: the given URL when it is an OLX one, else the page's
    canonical link or og:url (a saved file parsed without its URL)."""
    if _site_of(urlsplit(url).hostname):
        return url
    head = page.head or page
    for css, name in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        found = first_attribute(head.css(css), name)
        if found and _site_of(urlsplit(found).hostname):
            return found
    return url


def _site(page: LexborHTMLParser, url: str, body: bytes, now: datetime) -> tuple[_Site, str]:
    address = _page_url(page, url)
    parts = urlsplit(address)
    site = _site_of(parts.hostname)
    currency, languages = SITES.get(site or "", (None, ("pl",)))
    origin = f"{parts.scheme}://{parts.netloc}" if site else None
    return _Site(origin, currency, languages, now, body), address


def _text(node: LexborNode | None) -> str | None:
    return nodes_text([node]) if node is not None else None


def _ad_url(href: str, site: _Site) -> str:
    """An ad's absolute address without the search's tracking query (`?search_reason=…`)."""
    if site.origin is None and not href.startswith(("http://", "https://", "//")):
        raise ParseError(f"relative ad link {href!r} and the page names no OLX site")
    parts = urlsplit(urljoin(site.origin or "", href))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _id_from_url(ad_url: str) -> str | None:
    """The numeric ad id OLX writes in base 62 in its ad URLs (`-ID15IduJ.html`)."""
    found = _AD_PATH.search(urlsplit(ad_url).path)
    if not found:
        return None
    number = 0
    for char in found.group(1):
        number = number * 62 + _BASE62.index(char)
    return str(number)


def _money(text: str | None, site: _Site) -> tuple[float | None, str | None, dict[str, Any]]:
    """Amount, currency and flags (negotiable, free, swap) of a price text such as
    "2 500 zł do negocjacji", "Za darmo" or "Zamienię"."""
    low = (text or "").lower()
    flags: dict[str, Any] = {}
    if any(word in low for word in _NEGOTIABLE):
        flags["negotiable"] = True
    if any(word in low for word in _FREE):
        return 0.0, site.currency, {**flags, "free": True}
    amount_text = next((piece for piece in (text or "").split("  ") if re.search(r"\d", piece)), "")
    amount, currency = read_money(amount_text, dollar="USD")
    if amount is None:
        if any(word in low for word in _SWAP):
            flags["swap"] = True
        return None, None, flags
    if currency is None:
        if site.currency is None:
            raise ParseError(f"price {text!r} has no currency sign and the page names no site")
        currency, flags["currency_from"] = site.currency, "site"
    return amount, currency, flags


def _price_text(node: LexborNode | None) -> str | None:
    """A price element's text pieces, two spaces apart (the amount is one piece, the labels
    such as "do negocjacji" and "z Pakietem Ochronnym" others)."""
    if node is None:
        return None
    pieces = [" ".join(piece.split()) for piece in text_pieces([node])]
    return "  ".join(piece for piece in pieces if piece) or None


def _money_piece(card: LexborNode) -> str | None:
    """In a card markup we do not know, its first text with an amount and a currency sign."""
    for piece in text_pieces([card]):
        if re.search(r"\d", piece) and currency_of(piece):
            return " ".join(piece.split())
    return None


def _listed_at(text: str | None, site: _Site) -> tuple[datetime | None, bool]:
    """A card's or ad's date ("Dzisiaj o 14:41", "Odświeżono dnia 05 lutego 2026", "Dodane
    dzisiaj o 14:41") in UTC, and whether it is a refresh date rather than the listing's own."""
    if not text:
        return None, False
    words = text.split()
    refreshed = bool(words) and words[0].lower() in _REFRESHED
    relative = any(word.lower() in _TODAY for word in words)
    base = site.date_base() if relative else site.now
    # the date follows a word or two ("Odświeżono dnia", "Dodane"): try without them
    for start in range(min(len(words), 3)):
        parsed = read_date(" ".join(words[start:]), site.languages, RENDERED_TIMEZONE, base)
        if parsed is not None:
            return parsed, refreshed
    return None, refreshed


def _condition(card: LexborNode) -> tuple[str, str | None]:
    """The card's condition badge (`<span title="Używane">`)."""
    for node in card.css("[title]"):
        raw = (attribute(node, "title") or "").strip()
        if raw.lower() in CONDITION_WORDS:
            return CONDITION_WORDS[raw.lower()], raw
    return "unknown", None


def _image(nodes: list[LexborNode]) -> str | None:
    for node in nodes:
        src = attribute(node, "src") or attribute(node, "data-src")
        if src and src.startswith(("http", "//")) and "no_thumbnail" not in src:
            return urljoin("https:", src)
    return None


def _promoted(card: LexborNode, href: str) -> bool:
    """A paid card: `search_reason=…promoted` in its link, a "featured" badge, or (before
    2021) a `promoted` table cell around it."""
    if "promoted" in urlsplit(href).query or card.css_matches('[data-testid="adCard-featured"]'):
        return True
    node = card.parent
    for _ in range(3):
        if node is None:
            return False
        if "promoted" in (attribute(node, "class") or ""):
            return True
        node = node.parent
    return False


def _place_and_date(card: LexborNode) -> tuple[str | None, str | None]:
    """The place and date of "Warszawa, Ochota - 03 lutego 2026" (2021-), or the pre-2021
    location and clock icons' texts."""
    joined = _text(card.css_first('[data-testid="location-date"]'))
    if joined:
        place, _, when = joined.rpartition(" - ")
        return (place or None, when) if place else (joined, None)
    place = card.css_first('[data-icon="location-filled"]')
    when = card.css_first('[data-icon="clock"]')
    return (
        _text(place.parent) if place is not None else None,
        _text(when.parent) if when is not None else None,
    )


def _card_id(card: LexborNode, ad_url: str) -> str | None:
    for name in ("data-id", "id"):
        value = attribute(card, name)
        if value and value.isdigit():
            return value
    inner = first_attribute(card.css("[data-id]"), "data-id")
    return inner if inner and inner.isdigit() else _id_from_url(ad_url)


def _card_title(card: LexborNode, links: list[LexborNode]) -> str | None:
    for heading in card.css(_HEADINGS):
        if title := _text(heading):
            return title
    texts = [_text(link) or "" for link in links]
    return max(texts, key=len) or first_attribute(card.css("img[alt]"), "alt")


def _card(card: LexborNode, href: str, links: list[LexborNode], site: _Site) -> dict[str, Any]:
    ad_url = _ad_url(href, site)
    listing_id = _card_id(card, ad_url)
    if not listing_id:
        raise ParseError("no ad id")
    price_text = _price_text(card.css_first(_PRICE)) or _money_piece(card)
    price, currency, attributes = _money(price_text, site)
    place, when = _place_and_date(card)
    listed_at, refreshed = _listed_at(when, site)
    condition, condition_raw = _condition(card)
    attributes.update(
        promoted=_promoted(card, href) or None,
        refreshed=refreshed or None,
        # the "Przesyłka OLX" badge: OLX's own delivery, with its buyer protection
        shipping_possible=card.css_matches('[data-testid="card-delivery-badge"]') or None,
        listed_raw=when,
    )
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=ad_url,
        title=_card_title(card, links),
        price=price,
        currency=currency,
        condition=condition,
        condition_raw=condition_raw,
        location=place,
        image_url=_image(card.css("img")),
        listed_at=listed_at,
        status="active",
        scraped_at=site.now,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _unique(nodes: list[LexborNode]) -> list[LexborNode]:
    """The nodes once each (Lexbor returns a node once per selector of a list it matches)."""
    seen: set[int] = set()
    return [node for node in nodes if not (node.mem_id in seen or seen.add(node.mem_id))]


def _ad_key(href: str) -> str | None:
    """The `-ID<token>` of a link to an ad page, else None."""
    found = _AD_LINK.search(href)
    return found.group(1) if found else None


def _ad_links(card: LexborNode) -> list[LexborNode]:
    return [a for a in card.css("a[href]") if _ad_key(attribute(a, "href") or "")]


def _cards_by_links(page: LexborHTMLParser) -> list[LexborNode]:
    """Cards in a markup we do not know: for each link to an ad, the largest element around
    it whose ad links all lead to that same ad."""
    cards: list[LexborNode] = []
    for link in page.css("a[href]"):
        key = _ad_key(attribute(link, "href") or "")
        if key is None:
            continue
        card, parent = link, link.parent
        while parent is not None and parent.tag not in ("body", "html"):
            keys = {_ad_key(attribute(a, "href") or "") for a in _ad_links(parent)}
            if keys != {key}:
                break
            card, parent = parent, parent.parent
        cards.append(card)
    return outermost(cards)


def _search(
    page: LexborHTMLParser, url: str, site: _Site
) -> tuple[list[dict[str, Any]], list[str]]:
    count = re.sub(r"\D", "", _text(page.css_first('[data-testid="total-count"]')) or "")
    if count and int(count) == 0:
        # "Znaleźliśmy 0 ogłoszeń": the cards below are OLX's "closest" suggestions, not results
        return [], []
    cards = outermost(_unique(page.css(_CARDS))) or _cards_by_links(page)
    records, problems, seen = [], [], set()
    partners: dict[str, int] = {}
    for index, card in enumerate(cards):
        links = _ad_links(card)
        try:
            if not links:
                raise ParseError("no link to an ad")
            href = attribute(links[0], "href") or ""
            host = urlsplit(href).hostname
            if host and not _site_of(host):
                partner = host.removeprefix("www.")
                partners[partner] = partners.get(partner, 0) + 1
                continue
            record = _card(card, href, links, site)
        except (ParseError, ValueError) as exc:
            card_id = attribute(card, "id") or attribute(card, "data-id") or "no id"
            problems.append(f"{url}: card {index} ({card_id}) skipped: {exc}")
            continue
        if record["listing_id"] not in seen:
            seen.add(record["listing_id"])
            records.append(record)
    if partners and records:
        # Only beside OLX ads: pages.classify counts every problem as an unread card, and a
        # page of partner cards alone is `empty` for OLX (PAGE_MARKERS.empty_css).
        named = ", ".join(sorted(partners))
        total = sum(partners.values())
        problems.append(
            f"{url}: {total} partner cards ({named}) skipped: they link to the partner's site,"
            " not to an OLX ad"
        )
    return records, problems


def _product_data(page: LexborHTMLParser) -> dict[str, Any]:
    """The page's schema.org Product (JSON-LD), or {}."""
    for script in page.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text() or "null")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and item.get("@type") == "Product":
                return item
    return {}


def _visible_says(page: LexborHTMLParser, phrases: tuple[str, ...]) -> bool:
    """Whether the page's text (scripts and styles left out) holds one of the phrases."""
    body = page.body
    if body is None:
        return False
    for node in body.css("script, style, noscript, template"):
        node.decompose()
    text = " ".join(body.text(separator=" ").split()).lower()
    return any(phrase in text for phrase in phrases)


def _ad_place(page: LexborHTMLParser, offer: dict[str, Any]) -> str | None:
    """The ad's "Lokalizacja" box (city, district, region), else the JSON-LD area served."""
    icon = page.css_first('img[alt="Location"]')
    if icon is not None and icon.parent is not None:
        place = ", ".join(piece.strip() for piece in text_pieces([icon.parent]) if piece.strip())
        if place:
            return place
    area = offer.get("areaServed")
    return area.get("name") if isinstance(area, dict) else None


def _ad_category(page: LexborHTMLParser) -> str | None:
    """The breadcrumbs less the home page and the place steps ("Wynajem - Warszawa")."""
    labels: list[str] = []
    for item in page.css('[data-testid="breadcrumb-item"]')[1:]:
        label = _text(item)
        if label and not (labels and label.startswith(labels[-1] + " - ")):
            labels.append(label)
    return " > ".join(labels) or None


def _ad_params(page: LexborHTMLParser) -> dict[str, str]:
    params: dict[str, str] = {}
    for node in page.css('[data-testid="ad-parameters-container"] p'):
        key, sep, value = (_text(node) or "").partition(": ")
        if sep:
            params[key] = value
        elif key:
            params["seller_type"] = key  # "Prywatne" / "Firmowe"
    return params


def _ad(page: LexborHTMLParser, address: str, site: _Site) -> list[dict[str, Any]]:
    """The ad of an ad page (never the recommended ads around it)."""
    product = _product_data(page)
    offer = product.get("offers") if isinstance(product.get("offers"), dict) else {}
    title = _text(page.css_first('[data-cy="offer_title"], [data-testid="offer_title"]'))
    title = title or product.get("name") or _text(page.css_first("h1"))
    if not title or any(phrase in title.lower() for phrase in _REMOVED):
        # no ad in OLX's markup: the page's other schema.org data (microdata, OpenGraph), else
        # nothing (a removed ad's page, or a layout classify reports)
        return schema_org.product_records(site.body, address, SOURCE, now=site.now)
    ad_url = _ad_url(address, site)
    footer = _text(page.css_first('[data-testid="ad-footer-bar-section"], .offer-bottombar')) or ""
    found = _AD_ID_TEXT.search(footer)
    listing_id = found.group(1) if found else str(product.get("sku") or "") or _id_from_url(ad_url)
    price_node = page.css_first(_AD_PRICE)
    price, currency, attributes = _money(_price_text(price_node), site)
    if price is None and offer.get("price") is not None and not attributes:
        price, currency = float(offer["price"]), offer.get("priceCurrency") or site.currency
    when = _text(page.css_first('[data-cy="ad-posted-at"], [data-testid="ad-posted-at"]'))
    listed_at, refreshed = _listed_at(when, site)
    params = _ad_params(page)
    raw = next((v for v in params.values() if v.lower() in CONDITION_WORDS), None)
    seller = first_attribute(page.css('[data-testid="user-profile-link"]'), "href") or ""
    seller_id = _SELLER_PATH.search(seller)
    description = page.css_first(_AD_DESCRIPTION)
    if description is not None and (heading := description.css_first(_HEADINGS)) is not None:
        heading.decompose()  # the "Opis" heading
    images = page.css('[data-testid="swiper-image"], [data-testid="swiper-image-lazy"]')
    availability = str(offer.get("availability") or "").lower()
    gone = any(word in availability for word in _GONE)
    attributes.update(
        refreshed=refreshed or None,
        listed_raw=when,
        description=_text(description) or product.get("description"),
        seller_name=_text(page.css_first('[data-testid="user-profile-user-name"]')),
        params=params or None,
    )
    record = make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=ad_url,
        title=title,
        price=price,
        currency=currency,
        condition=CONDITION_WORDS.get(raw.lower(), "unknown") if raw else "unknown",
        condition_raw=raw,
        category_raw=_ad_category(page),
        location=_ad_place(page, offer),
        seller_id=seller_id.group(1) if seller_id else None,
        image_url=_image(images) or first_attribute(page.css(_OG_IMAGE), "content"),
        listed_at=listed_at,
        status="active",
        scraped_at=site.now,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )
    # last, as it takes the scripts out of the tree
    if "soldout" in availability:
        record["status"] = "sold"
    if gone or _visible_says(page, _REMOVED):
        record["status"] = "removed"
    return [record]


def parse_with_problems(
    body: bytes, url: str, *, now: datetime | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse an OLX search page (one record per OLX ad card) or ad page (its ad), plus one
    message per card that could not be read and one counting the partner-site cards."""
    page = html_tree(body)
    site, address = _site(page, url, body, now or datetime.now(UTC))
    for style in page.css("style"):
        style.decompose()  # React inlines its CSS inside the cards, text and all
    if _AD_PATH.search(urlsplit(address).path) or page.css_matches(_AD_MARKUP):
        return _ad(page, address, site), truncation_problems(body, url)
    records, problems = _search(page, url, site)
    return records, problems + truncation_problems(body, url)


def parse(body: bytes, url: str, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Parse an OLX search or ad page into canonical records."""
    return parse_with_problems(body, url, now=now)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the next result page, or None (last page, ad page)."""
    page = html_tree(body)
    href = first_attribute(
        page.css(
            '[data-cy="pagination-forward"], [data-testid="pagination-forward"], '
            '[data-cy="page-link-next"], link[rel="next"]'
        ),
        "href",
    )
    return urljoin(_page_url(page, url), href) if href else None


# Searching: where a saved search's crawl starts on this marketplace.
# The "Stan" filter's values on olx.pl (used, new, damaged, refurbished).
OLX_CONDITIONS = {
    "new": ["new"],
    "like_new": ["refurbished"],
    "good": ["used"],
    "fair": ["used"],
    "for_parts": ["damaged"],
}
OLX_RADII_KM = (0, 2, 5, 10, 15, 30, 50, 75, 100)


def _query_slug(query: str) -> str:
    """OLX's `q-` path segment: lowercase words joined by "-", letters kept ("q-kawalerka-do-
    wynajęcia"), percent-encoded."""
    return quote(re.sub(r"[\W_]+", "-", query.lower()).strip("-"))


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """The newest-first OLX search (`/oferty/q-<query>/`, or `/<town>/q-<query>/`) with the
    price range, conditions and radius as OLX's `search[...]` parameters."""
    place = f"/{slug(search.location)}" if search.location else "/oferty"
    params: list[tuple[str, str]] = [("search[order]", "created_at:desc")]
    if search.price_min is not None:
        params.append(("search[filter_float_price:from]", whole(search.price_min)))
    if search.price_max is not None:
        params.append(("search[filter_float_price:to]", whole(search.price_max)))
    states = list(dict.fromkeys(codes(OLX_CONDITIONS, search.conditions)))
    params += [(f"search[filter_enum_state][{i}]", state) for i, state in enumerate(states)]
    if search.location and search.radius_km:
        radius = next((r for r in OLX_RADII_KM if r >= search.radius_km), OLX_RADII_KM[-1])
        params.append(("search[dist]", str(radius)))
    query = _query_slug(query_of(search, SOURCE))
    return [f"{base_url}{place}/q-{query}/?{urlencode(params)}"]


MARKETPLACE = Marketplace(SOURCE, "https://www.olx.pl", search_urls)
