"""Deterministic data for the sandbox marketplace (a SIMULATOR, not a real marketplace).

Every listing is a function of (seed, day): the same inputs always give the same listings,
so runs, tests and backfills are reproducible. Besides fairly priced listings the sandbox
plants a few underpriced ones (the deals the pipeline must find) and traps that must not
become deals (for parts, box only/accessory, wanted ad, a repost duplicate, no price).
A few eBay listings come from a German seller priced in euros, one of them a planted deal,
so the pipeline must price a listing whose currency is not the comps' (USD).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Product:
    """A catalogue entry with its reference price (USD, new condition)."""

    key: str
    title: str
    category: str
    brand: str
    reference_price: float


CATALOGUE: tuple[Product, ...] = (
    Product("iphone-13-128", "Apple iPhone 13 128GB", "Cell Phones & Smartphones", "Apple", 430),
    Product(
        "iphone-14-pro-256", "Apple iPhone 14 Pro 256GB", "Cell Phones & Smartphones", "Apple", 760
    ),
    Product(
        "galaxy-s22-128", "Samsung Galaxy S22 128GB", "Cell Phones & Smartphones", "Samsung", 330
    ),
    Product("pixel-7-128", "Google Pixel 7 128GB", "Cell Phones & Smartphones", "Google", 290),
    Product(
        "macbook-air-m1", "Apple MacBook Air 13 M1 8GB 256GB", "Laptops & Netbooks", "Apple", 580
    ),
    Product(
        "macbook-pro-14",
        "Apple MacBook Pro 14 M1 Pro 16GB 512GB",
        "Laptops & Netbooks",
        "Apple",
        1280,
    ),
    Product(
        "thinkpad-x1-g9",
        "Lenovo ThinkPad X1 Carbon Gen 9 16GB 512GB",
        "Laptops & Netbooks",
        "Lenovo",
        660,
    ),
    Product("dell-xps-13", "Dell XPS 13 9310 16GB 512GB", "Laptops & Netbooks", "Dell", 540),
    Product(
        "ps5-disc", "Sony PlayStation 5 Disc Edition 825GB", "Video Game Consoles", "Sony", 430
    ),
    Product("switch-oled", "Nintendo Switch OLED 64GB", "Video Game Consoles", "Nintendo", 270),
    Product(
        "xbox-series-x", "Microsoft Xbox Series X 1TB", "Video Game Consoles", "Microsoft", 390
    ),
    Product("canon-r6", "Canon EOS R6 Mirrorless Camera Body", "Digital Cameras", "Canon", 1550),
    Product(
        "sony-a7iii", "Sony Alpha a7 III Mirrorless Camera Body", "Digital Cameras", "Sony", 1120
    ),
    Product(
        "fuji-xt4", "Fujifilm X-T4 Mirrorless Camera Body", "Digital Cameras", "Fujifilm", 1060
    ),
    Product(
        "ipad-air-5", "Apple iPad Air 5th Gen 64GB WiFi", "Tablets & eBook Readers", "Apple", 440
    ),
    Product("airpods-pro-2", "Apple AirPods Pro 2nd Generation", "Headphones", "Apple", 180),
)

CONDITION_FACTORS = {"new": 1.0, "like_new": 0.88, "good": 0.76, "fair": 0.62, "for_parts": 0.22}
EBAY_CONDITIONS = {
    "new": ("New", "1000"),
    "like_new": ("Like New", "2750"),
    "good": ("Used", "3000"),
    "fair": ("Acceptable", "6000"),
    "for_parts": ("For parts or not working", "7000"),
}
_SUFFIXES = (
    "",
    " Unlocked",
    " - Excellent",
    " Black",
    " Silver",
    " with box",
    " Fast Ship",
    " Clean",
)
_CITIES = ("Chicago, IL", "Austin, TX", "Denver, CO", "Portland, OR", "Columbus, OH", "Tampa, FL")
COMPS_WINDOW_DAYS = 60
# The sandbox's Mercari: the same items sell there for more but more slowly (days from
# listed to sold) than on eBay, so the best exit is a trade-off the pipeline must price.
MERCARI_PRICE_FACTOR = 1.12
MERCARI_SOLD_PER_DAY = 5
EBAY_DAYS_TO_SELL = (1, 10)
MERCARI_DAYS_TO_SELL = (6, 30)
LISTING_DAYS = 3  # a fairly priced listing stays up for 1 to 3 days
# US dollars per euro: the sandbox's ECB publishes it (server.ECB_RATES) and its German
# seller prices from it, so a euro deal is as cheap after conversion as a dollar one.
USD_PER_EUR = 1.15
GERMAN_LISTINGS = 3  # fairly priced euro listings a day, besides the euro deal
_GERMAN_CITIES = ("Berlin", "Hamburg", "Munich", "Cologne")


@dataclass
class SandboxListing:
    """One generated listing, in marketplace-neutral form."""

    marketplace: str  # "ebay" or "craigslist"
    listing_id: str
    title: str
    price: float | None
    condition: str
    product: Product
    listed_at: datetime
    status: str = "active"  # active | sold | ended
    ended_at: datetime | None = None
    shipping: float = 0.0
    seller: str = ""
    location: str = ""
    image_id: str = ""
    repost_of: str | None = None
    kind: str = "normal"  # normal | deal | trap_<name>
    currency: str = "USD"  # of price and shipping
    country: str = "US"


@dataclass
class Market:
    """Everything the sandbox serves for one day."""

    day: date
    ebay_active: list[SandboxListing] = field(default_factory=list)
    craigslist_active: list[SandboxListing] = field(default_factory=list)
    completed: list[SandboxListing] = field(default_factory=list)

    def planted_deals(self) -> set[tuple[str, str]]:
        """(marketplace, listing_id) of every planted underpriced listing."""
        return {
            (item.marketplace, item.listing_id)
            for item in self.ebay_active + self.craigslist_active
            if item.kind == "deal"
        }

    def traps(self) -> dict[str, tuple[str, str]]:
        """Trap name -> (marketplace, listing_id) of listings that must not become deals."""
        return {
            item.kind.removeprefix("trap_"): (item.marketplace, item.listing_id)
            for item in self.ebay_active + self.craigslist_active
            if item.kind.startswith("trap_")
        }


def market_value(product: Product, condition: str) -> float:
    """What the product typically sells for in this condition."""
    return product.reference_price * CONDITION_FACTORS[condition]


def _listing_id(*parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return str(100_000_000_000 + int(digest[:12], 16) % 900_000_000_000)


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(), UTC) + timedelta(seconds=rng.randrange(0, 86_400))


def _pick_condition(rng: random.Random) -> str:
    return rng.choices(list(CONDITION_FACTORS)[:4], weights=(15, 25, 45, 15))[0]


def _listing(rng, marketplace, day, product, condition, price, kind="normal", suffix=None, seq=0):
    return SandboxListing(
        marketplace=marketplace,
        listing_id=_listing_id(marketplace, day, product.key, kind, seq),
        title=product.title + (rng.choice(_SUFFIXES) if suffix is None else suffix),
        price=None if price is None else round(price, 2),
        condition=condition,
        product=product,
        listed_at=_moment(rng, day),
        shipping=rng.choice((0.0, 0.0, 9.99, 14.99)) if marketplace == "ebay" else 0.0,
        seller=f"seller_{rng.randrange(1000, 9999)}",
        location=rng.choice(_CITIES),
        image_id=hashlib.sha1(f"{day}{product.key}{kind}{seq}".encode()).hexdigest()[:16],
        kind=kind,
    )


def _completed_for_day(seed: int, day: date) -> list[SandboxListing]:
    rng = random.Random(f"{seed}-completed-{day.isoformat()}")
    items = []
    for seq in range(11):
        product = rng.choice(CATALOGUE)
        condition = rng.choices(list(CONDITION_FACTORS), weights=(15, 25, 42, 13, 5))[0]
        sold = seq < 8
        value = market_value(product, condition)
        price = value * math.exp(rng.gauss(0, 0.09)) if sold else value * rng.uniform(1.2, 1.5)
        item = _listing(rng, "ebay", day, product, condition, price, kind="comp", seq=seq)
        item.status = "sold" if sold else "ended"
        item.listed_at = item.listed_at - timedelta(days=rng.randrange(*EBAY_DAYS_TO_SELL))
        item.ended_at = _moment(rng, day)
        items.append(item)
    return items


def mercari_sold(seed: int, day: date) -> list[SandboxListing]:
    """Items sold on the sandbox's Mercari in the COMPS_WINDOW_DAYS before `day`: prices
    MERCARI_PRICE_FACTOR above eBay's for the same item and condition, MERCARI_DAYS_TO_SELL
    from listed to sold (eBay: EBAY_DAYS_TO_SELL)."""
    items = []
    for offset in range(1, COMPS_WINDOW_DAYS + 1):
        sold_day = day - timedelta(days=offset)
        rng = random.Random(f"{seed}-mercari-{sold_day.isoformat()}")
        for seq in range(MERCARI_SOLD_PER_DAY):
            product = rng.choice(CATALOGUE)
            condition = _pick_condition(rng)
            value = market_value(product, condition) * MERCARI_PRICE_FACTOR
            price = value * math.exp(rng.gauss(0, 0.09))
            item = _listing(rng, "mercari", sold_day, product, condition, price, "comp", "", seq)
            item.status, item.ended_at = "sold", _moment(rng, sold_day)
            item.listed_at = item.ended_at - timedelta(days=rng.uniform(*MERCARI_DAYS_TO_SELL))
            items.append(item)
    return items


def _fairly_priced(
    seed: int, listed_day: date, age: int
) -> tuple[list[SandboxListing], list[SandboxListing]]:
    """The fairly priced listings posted on `listed_day` that are still up `age` days later,
    at that day's price: listings stay up 1-3 days, and some sellers cut 7% a day."""
    rng = random.Random(f"{seed}-listed-{listed_day.isoformat()}")
    alive: tuple[list[SandboxListing], list[SandboxListing]] = ([], [])
    for marketplace, count, target in (("ebay", 27, alive[0]), ("craigslist", 20, alive[1])):
        for seq in range(count):
            product = rng.choice(CATALOGUE)
            condition = _pick_condition(rng) if marketplace == "ebay" else "good"
            low, high = (1.0, 1.3) if marketplace == "ebay" else (0.92, 1.25)
            price = market_value(product, condition) * rng.uniform(low, high)
            lifetime, cuts_price = rng.randint(1, LISTING_DAYS), rng.random() < 0.3
            listing = _listing(rng, marketplace, listed_day, product, condition, price, seq=seq)
            if age < lifetime:
                if cuts_price and listing.price is not None:
                    listing.price = round(listing.price * 0.93**age, 2)
                target.append(listing)
    return alive


def generate_market(seed: int, day: date) -> Market:
    """Generate the sandbox's active listings for `day` and its completed items before it."""
    rng = random.Random(f"{seed}-active-{day.isoformat()}")
    market = Market(day=day)
    for offset in range(1, COMPS_WINDOW_DAYS + 1):
        market.completed.extend(_completed_for_day(seed, day - timedelta(days=offset)))

    for age in range(LISTING_DAYS):
        ebay, craigslist = _fairly_priced(seed, day - timedelta(days=age), age)
        market.ebay_active.extend(ebay)
        market.craigslist_active.extend(craigslist)

    deal_products = rng.sample(CATALOGUE, 6)
    for seq, product in enumerate(deal_products):
        marketplace = "ebay" if seq < 3 else "craigslist"
        condition = rng.choice(("like_new", "good"))
        price = market_value(product, condition) * rng.uniform(0.35, 0.45)
        deal = _listing(rng, marketplace, day, product, condition, price, "deal", "", seq)
        target = market.ebay_active if marketplace == "ebay" else market.craigslist_active
        target.insert(rng.randrange(len(target)), deal)

    by_key = {product.key: product for product in CATALOGUE}
    traps = [
        (
            "ebay",
            "for_parts",
            by_key["iphone-14-pro-256"],
            "for_parts",
            " - FOR PARTS, cracked screen, no power",
            0.14,
        ),
        ("ebay", "box_only", by_key["ps5-disc"], "new", " - BOX ONLY, no console", 0.06),
        ("ebay", "accessory", by_key["macbook-pro-14"], "new", " Charger Only 96W USB-C", 0.03),
        ("craigslist", "wanted", by_key["canon-r6"], "good", "", 0.5),
        ("craigslist", "no_price", by_key["switch-oled"], "good", " - make an offer", None),
    ]
    for seq, (marketplace, name, product, condition, suffix, factor) in enumerate(traps):
        price = None if factor is None else product.reference_price * factor
        trap = _listing(
            rng, marketplace, day, product, condition, price, f"trap_{name}", suffix, seq
        )
        if name == "wanted":
            trap.title = f"WANTED: {product.title} - paying cash"
        target = market.ebay_active if marketplace == "ebay" else market.craigslist_active
        target.insert(rng.randrange(len(target)), trap)

    original = next(item for item in market.craigslist_active if item.kind == "deal")
    repost = _listing(
        rng,
        "craigslist",
        day,
        original.product,
        original.condition,
        original.price,
        "trap_duplicate",
        "",
        99,
    )
    repost.title, repost.image_id, repost.repost_of = original.title, original.image_id, None
    repost.listed_at = original.listed_at + timedelta(hours=1)
    market.craigslist_active.append(repost)
    _add_german_seller(seed, day, market, {product.key for product in deal_products})
    return market


def _add_german_seller(seed: int, day: date, market: Market, deal_keys: set[str]) -> None:
    """Insert a German eBay seller's euro listings into `market.ebay_active`: a few fairly
    priced ones and one deal on a product without a dollar deal. A separate random stream,
    so every other listing is the same as without them."""
    rng = random.Random(f"{seed}-ebay-de-{day.isoformat()}")
    dear = [p for p in CATALOGUE if p.key not in deal_keys and p.reference_price >= 400]
    planted = [("deal", rng.choice(dear), rng.choice(("like_new", "good")), (0.35, 0.45))]
    for _ in range(GERMAN_LISTINGS):
        planted.append(("normal", rng.choice(CATALOGUE), _pick_condition(rng), (1.0, 1.3)))
    for seq, (kind, product, condition, (low, high)) in enumerate(planted, start=100):
        price = market_value(product, condition) / USD_PER_EUR * rng.uniform(low, high)
        item = _listing(rng, "ebay", day, product, condition, price, kind, "", seq)
        item.currency, item.country = "EUR", "DE"
        item.location = rng.choice(_GERMAN_CITIES)
        item.shipping = rng.choice((0.0, 19.99))
        market.ebay_active.insert(rng.randrange(len(market.ebay_active)), item)
