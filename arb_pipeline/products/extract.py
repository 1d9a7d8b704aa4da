"""What a listing title says about the product: identifiers, brand, family, model, attributes.

Plain functions over one title. The word lists are what a reseller reads past (seller noise,
colours, condition words) or must never read past (variant words, storage, for-parts).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

# Words that change which product it is: never joined across, always part of the key.
VARIANT_WORDS = frozenset(
    "ti super pro max plus ultra xl mini lite xt xtx se fe ce neo edge air fold flip note "
    "ii iii iv v vi oled slim xr xs digital".split()
)
# Seller noise, condition and filler words (English and German): ignored by every key.
NOISE_WORDS = frozenset(
    """a an and the for with w in of on to or by at from is it this my your all
    new used brand sealed unlocked excellent mint great good nice clean condition fast free
    ship ships shipping shipped look l@@k wow rare htf nib nwt nwob bnib box boxed original
    oem genuine authentic tested working works perfect fully functional fully excellent
    listing read please see description pics photos photo only one lot great deal sale
    gently lightly very like tags tag open opened retail price obo offers offer best
    free us usa uk eu warranty applecare factory reset clean erased latest updated upgraded
    loaded ready fresh install installed gebraucht neu neuwertig wie top zustand sehr guter
    gut mit ohne und oder versand inkl inklusive ovp rechnung garantie tausch verkauf
    quasi alt wochen monate handy smartphone phone cell mobile laptop notebook computer pc
    graphics graphic card video gpu gaming edition""".split()
)
COLOUR_WORDS = frozenset(
    """black white silver gray grey gold rose blue red pink green yellow purple orange
    brown beige space midnight starlight graphite sierra alpine coral jet matte glossy
    schwarz weiss weiß grau blau rot grün gruen silber golden lila
    glacial stellar morning mist pine mirror sandstone onyx nebula frosted lavender""".split()
)
IGNORED_TOKENS = frozenset("5g 4g lte wifi wi-fi cellular dual sim esim".split())
SKIPPED_WORDS = NOISE_WORDS | COLOUR_WORDS | IGNORED_TOKENS | {"qqstopqq"}

BRANDS = {
    "apple": "apple",
    "samsung": "samsung",
    "oneplus": "oneplus",
    "google": "google",
    "sony": "sony",
    "nintendo": "nintendo",
    "microsoft": "microsoft",
    "xiaomi": "xiaomi",
    "huawei": "huawei",
    "lenovo": "lenovo",
    "dell": "dell",
    "alienware": "dell",
    "hp": "hp",
    "asus": "asus",
    "acer": "acer",
    "msi": "msi",
    "evga": "evga",
    "zotac": "zotac",
    "gigabyte": "gigabyte",
    "aorus": "gigabyte",
    "pny": "pny",
    "sapphire": "sapphire",
    "xfx": "xfx",
    "nvidia": "nvidia",
    "amd": "amd",
    "intel": "intel",
    "canon": "canon",
    "nikon": "nikon",
    "fujifilm": "fujifilm",
    "panasonic": "panasonic",
    "lg": "lg",
    "bose": "bose",
    "dyson": "dyson",
    "lego": "lego",
    "garmin": "garmin",
    "gopro": "gopro",
    "dji": "dji",
    "razer": "razer",
    "logitech": "logitech",
    "motorola": "motorola",
    "nokia": "nokia",
    "oppo": "oppo",
    "realme": "realme",
    "amazfit": "amazfit",
    "fitbit": "fitbit",
}
# Family words name both the brand and the product line.
FAMILIES: dict[tuple[str, ...], tuple[str, str, str]] = {
    # words: (brand, family, category)
    ("macbook", "pro"): ("apple", "macbook pro", "laptop"),
    ("macbook", "air"): ("apple", "macbook air", "laptop"),
    ("macbook",): ("apple", "macbook", "laptop"),
    ("imac",): ("apple", "imac", "desktop"),
    ("mac", "mini"): ("apple", "mac mini", "desktop"),
    ("iphone",): ("apple", "iphone", "phone"),
    ("ipad", "pro"): ("apple", "ipad pro", "tablet"),
    ("ipad", "air"): ("apple", "ipad air", "tablet"),
    ("ipad", "mini"): ("apple", "ipad mini", "tablet"),
    ("ipad",): ("apple", "ipad", "tablet"),
    ("airpods", "pro"): ("apple", "airpods pro", "audio"),
    ("airpods", "max"): ("apple", "airpods max", "audio"),
    ("airpods",): ("apple", "airpods", "audio"),
    ("apple", "watch"): ("apple", "apple watch", "watch"),
    ("galaxy", "tab"): ("samsung", "galaxy tab", "tablet"),
    ("galaxy", "watch"): ("samsung", "galaxy watch", "watch"),
    ("galaxy", "buds"): ("samsung", "galaxy buds", "audio"),
    ("galaxy",): ("samsung", "galaxy", "phone"),
    ("pixel",): ("google", "pixel", "phone"),
    ("nord",): ("oneplus", "nord", "phone"),
    ("oneplus", "buds"): ("oneplus", "buds", "audio"),
    ("oneplus",): ("oneplus", "oneplus", "phone"),
    ("freebuds",): ("huawei", "freebuds", "audio"),
    ("playstation",): ("sony", "playstation", "console"),
    ("ps5",): ("sony", "playstation 5", "console"),
    ("ps4",): ("sony", "playstation 4", "console"),
    ("xbox", "one"): ("microsoft", "xbox one", "console"),
    ("xbox", "series", "x"): ("microsoft", "xbox series x", "console"),
    ("xbox", "series", "s"): ("microsoft", "xbox series s", "console"),
    ("xbox", "series"): ("microsoft", "xbox series", "console"),
    ("xbox", "360"): ("microsoft", "xbox 360", "console"),
    ("xbox",): ("microsoft", "xbox", "console"),
    ("switch",): ("nintendo", "switch", "console"),
    ("thinkpad",): ("lenovo", "thinkpad", "laptop"),
}
# Families whose model is said by size and year, not by a model number after the name
# ("MacBook Pro 7.1 13.3" is a model identifier nobody prices by).
SIZE_YEAR_FAMILIES = frozenset({"macbook pro", "macbook air", "macbook", "imac", "mac mini"})
MAC_SIZES = frozenset({11, 12, 13, 14, 15, 16, 17, 21, 24, 27})
# Apple's model numbers (printed on the case) name the screen size across several years.
APPLE_A_SIZES = {
    "a1278": 13, "a1502": 13, "a1425": 13, "a1706": 13, "a1708": 13, "a1989": 13,
    "a2159": 13, "a2251": 13, "a2289": 13, "a2338": 13, "a1286": 15, "a1398": 15,
    "a1707": 15, "a1990": 15, "a1226": 15, "a1260": 15, "a1211": 15, "a1150": 15,
    "a1297": 17, "a1229": 17, "a1261": 17, "a1212": 17, "a2141": 16, "a2442": 14,
    "a2485": 16, "a1466": 13, "a1369": 13, "a1465": 11, "a1370": 11, "a1932": 13,
}  # fmt: skip

GPU_RE = re.compile(r"\b(rtx|gtx|gt|rx|arc)\s?-?(\d{3,4})\s?(ti|super|xtx|xt|gre)?\b")
# accessory types, by the first one a title names ("Tempered Glass Camera Lens Screen
# Protector" is a lens protector: glass is the material); else the accessory word itself
ACCESSORY_TYPES = (
    (
        "lens protector",
        r"camera lens|lens (?:protector|cover|film|glass)|(?<!screen )camera protector|"
        r"kameraschutz",
    ),
    (
        "screen protector",
        r"screen protector|privacy screen|screen (?:film|guard)|panzerglas|"
        r"schutzglas|schutzfolie|displayschutz|protector",
    ),
    ("case", r"case|cover|hülle|huelle|bumper|funda|skin|sleeve|tasche|etui|housing"),
    ("charger", r"charger|ladegerät|power adapter|netzteil"),
    ("cable", r"cable|kabel|cord"),
    ("adapter", r"adapter|dongle|converter"),
)
ACCESSORY_TYPE_RE = re.compile(
    "|".join(rf"(?P<t{i}>\b(?:{words})s?\b)" for i, (_, words) in enumerate(ACCESSORY_TYPES))
)
# Apple part numbers: MD101LL/A, MJLT2LL/A, MD633G/A, MC721LL (base = first five characters)
# (lower case; the word boundary before the "m" is checked after it, so the regex engine
# tries only places holding an "m")
APPLE_PART_RE = re.compile(r"(m(?<=\bm)[a-z][a-z0-9]{2}\d)(?:(ll|[a-z]{1,2})/a|ll)\b")
# Maker part numbers: hyphenated codes mixing letters and digits (10G-P5-3885-KL)
MPN_RE = re.compile(r"\b(?=[a-z0-9-]*\d)(?=[a-z0-9-]*[a-z])[a-z0-9]{2,}(?:-[a-z0-9]{1,}){2,}\b")
MPN_GATE_RE = re.compile(r"[a-z0-9]-[a-z0-9]+-[a-z0-9]")  # what every part number contains
GTIN_RE = re.compile(r"\b(\d{12,14})\b")
ISBN10_RE = re.compile(r"\bisbn(?:-?10)?:?\s*(\d{9}[\dx])\b")
# the word after the amount ("ram", "ssd", "gddr6x") is read by a lookahead, not consumed.
# Regexes that run on every title start with a character, not an assertion: the engine then
# tries only the places holding that character. The assertion before the amount ("no word
# character or dot before it") is checked after its first digit, by a lookbehind of two.
UNIT_RE = re.compile(r"(\d(?<![\w.]\d)\d{0,3}(?:\.\d{1,2})?)\s?(tb|gb|g)(?![\w])(?=\s*(\S{0,14}))")
PAIR_RE = re.compile(r"(\d(?<![\w.]\d)\d{0,2})\s?(?:gb)?\s?/\s?(\d{1,4})\s?(?:gb|tb)?(?![\w.])")
# a screen size: 13", 15.4 inch (no word character or dot before it, checked after its first
# digit as in UNIT_RE)
SIZE_RE = re.compile(r"(\d(?<![\w.]\d)\d?(?:[.,]\d)?)\s?(?:\"|''|”|“|inch\b|in\b|-inch\b|zoll\b)")
# a year 1980-2039 as a word of its own (the word boundary checked after the first digit)
YEAR_RE = re.compile(r"((?:1(?<=\b1)9[89]|2(?<=\b2)0[0-3])\d)\b")
# "early2015": the qualifier glued to the year (the gate: what every such title contains)
YEAR_GLUED_RE = re.compile(r"\b(early|mid|late)(?=(?:19[89]|20[0-3])\d\b)")
YEAR_GLUED_GATE_RE = re.compile(r"(?:early|mid|late)(?:19|20)")
YEAR_QUALIFIERS = frozenset(("early", "mid", "late"))
GEN_RE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)\s?gen(?:eration)?\b|\bgen(?:eration)?\s?(\d{1,2})\b"
)
# Apple silicon names the model of a Mac as much as its year does
APPLE_CHIP_RE = re.compile(r"\b(m[1-5])(?:\s(pro|max|ultra))?\b")
APPLE_CHIP_GATE_RE = re.compile(r"m[1-5]")
# amounts ("30 ml", "12 GB", "256gb", "8/256"), ordinals and clothing sizes: the model never
# reads past one, so the word list marks each with STOP
UNIT_WORDS = frozenset("tb gb mb ml oz mah mp w hz mm cm ghz mhz kg lb lbs inch zoll".split())
AMOUNT_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)?(?:tb|gb|mb|ml|oz|mah|mp|w|hz|mm|cm|ghz|mhz|kg|lbs?|inch|zoll)"
    r"|\d{1,2}(?:st|nd|rd|th)"
)
SIZE_WORDS = frozenset("size sz gr größe groesse".split())
STOP = "qqstopqq"
MACBOOK_SPELLING_RE = re.compile(r"\bmac\s?boo+k")
TOKEN_RE = re.compile(r"[a-z0-9äöüß@]+(?:[.+][a-z0-9]+)*\+?")
TOKEN_OR_SLASH_RE = re.compile(r"[a-z0-9äöüß@]+(?:[.+][a-z0-9]+)*\+?|/")

MEMORY_HINTS = frozenset("ram memory ddr ddr3 ddr4 ddr5 lpddr4 lpddr5 arbeitsspeicher".split())
STORAGE_HINTS = frozenset("ssd hdd flash storage speicher rom emmc nvme hd fusion sshd".split())

FOR_PARTS_RE = re.compile(
    r"for parts|parts only|parts\s?/\s?repair|parts or repair|for repair|needs repair|"
    r"not working|stopped working|\bbroken\b|\bdefekt|defective|"
    r"water damage|no heatsink|no cooler|board issue|\bonly \w+ works|\bfaulty\b|"
    r"\buntested\b|no power|won'?t turn on|does not turn on|cracked|bastler"
)
BOX_ONLY_RE = re.compile(
    r"\bbox only\b|\bempty box\b|\bonly (?:the )?box\b|\bnur (?:ovp|karton|verpackung)\b|"
    r"\bleerkarton\b|\bbox and manual only\b|\bno (?:console|phone|card|gpu|laptop) included\b"
)
ACCESSORY_WORDS = (
    "case|cover|hülle|huelle|bumper|screen protector|panzerglas|schutzglas|schutzfolie|"
    "charger|ladegerät|ladekabel|power adapter|cable|kabel|skin|decal|sticker|stand|mount|"
    "sleeve|tasche|replacement|housing|faceplate|battery|akku|logic board|motherboard|"
    "lcd|screen assembly|display assembly|backplate|strap|keyboard|trackpad|hinge|"
    "bottom case|top case|palmrest|fan|heatsink|bracket|riser|controller|remote|games?|"
    "headset|dock|joy-?cons?|spiele?|protector|tempered glass|lens protector|unlock|funda"
)
ACCESSORY_RE = re.compile(rf"(?:^|[^\w])({ACCESSORY_WORDS})s?\b")
# "made for" in the languages of cross-border sellers' titles (fit, per, para, pour)
MADE_FOR_RE = re.compile(r"\b(?:for|fits?|für|per|para|pour|compatible with|kompatibel mit)\b")
BUNDLE_WORD_RE = re.compile(r"\bbundle\b")
FOR_PARTS_GATE = (
    "part", "repair", "work", "broken", "defekt", "defective", "damage", "heatsink", "cooler",
    "issue", "only", "faulty", "untested", "power", "turn", "crack", "bastler",
)  # fmt: skip
FOR_PARTS_GATE_RE = re.compile("|".join(FOR_PARTS_GATE))
# the first word of every accessory word, singular and plural: a title without one of them
# skips the accessory regex (a set lookup per word instead of a regex over the title)
_ACCESSORY_FIRST = {re.sub(r"[^a-zäöü ]", "", w).split()[0] for w in ACCESSORY_WORDS.split("|")}
ACCESSORY_TOKENS = frozenset(
    {w for w in _ACCESSORY_FIRST}
    | {w + "s" for w in _ACCESSORY_FIRST}
    | {w.removesuffix("s") for w in _ACCESSORY_FIRST}
    | {w.removesuffix("e") for w in _ACCESSORY_FIRST}
    | {"joy", "con", "cons", "joycon"}
)
BUNDLE_GATE = ("lot", "set of", "pack of", "konvolut", "paket")
BOX_GATE = ("box", "karton", "ovp", "verpackung", "included")
BUNDLE_GATE_RE = re.compile("|".join(BUNDLE_GATE))
BOX_GATE_RE = re.compile("|".join(BOX_GATE))
MADE_FOR_WORDS = frozenset("for fit fits für fuer para pour compatible kompatibel".split())
DEVICE_NOUNS = frozenset(
    "console konsole laptop notebook phone smartphone handy tablet system".split()
)
# "with a case", "new battery": the accessory comes with (or inside) the item itself
WITH_BEFORE = frozenset("with w mit inkl incl includes including and plus new neue neuer neuem "
                        "original + & no ohne".split())  # fmt: skip
BUNDLE_RE = re.compile(r"\blot\b|\bset of \d|\bpack of \d|\bkonvolut\b|\bpaket\b")

KINDS = ("item", "bundle", "box_only", "accessory", "for_parts")
IDENTIFIER_FIELDS = ("gtin", "upc", "ean", "isbn", "mpn")


@dataclass(slots=True)
class Extracted:
    """Everything one title (and its listing's own fields) says about the product."""

    title: str
    kind: str = "item"
    brand: str | None = None
    maker: str | None = None
    family: str | None = None
    category: str | None = None
    model: str | None = None
    variants: tuple[str, ...] = ()
    size_in: int | None = None
    year: int | None = None
    generation: int | None = None
    memory: str | None = None
    storage: str | None = None
    identifier: str | None = None
    identifier_kind: str | None = None
    mpn: str | None = None
    accessory: str | None = None  # for accessories: case, screen protector, charger...
    words: tuple[str, ...] = ()
    reasons: list[str] = field(default_factory=list)


CATEGORY_KINDS = (
    ("laptop", ("laptop", "notebook", "netbook", "macbook", "chromebook")),
    ("desktop", ("desktop", "imac", "mac mini")),
    ("gpu", ("graphics card", "video card", "gpu")),
    ("phone", ("phone", "handy", "smartphone")),
    ("tablet", ("tablet", "ipad", "ebook", "e-reader")),
)


GT_NUMBERS = frozenset("210 220 240 430 440 520 530 610 620 630 640 710 720 730 740 1030".split())


def _gpu_number(prefix: str, number: str) -> bool:
    """A number that names a graphics card of that line ("RX 580", "RTX 3080"; not the
    "RX 300" of a Lexus or the "GT 500" of a Mustang)."""
    if prefix == "rtx":
        return len(number) == 4 and number[0] in "2345" and number[1] == "0"
    if prefix == "rx":
        return (len(number) == 3 and number[0] in "45") or (
            len(number) == 4 and number[0] in "5679" and number[2:] in ("00", "50")
        )
    if prefix == "gt":
        return number in GT_NUMBERS
    return True


def _accessory_type(text: str, first: str | None) -> str | None:
    """case, screen protector, lens protector, charger, cable or adapter; else the accessory
    word the title names."""
    if match := ACCESSORY_TYPE_RE.search(text):
        return ACCESSORY_TYPES[int(match.lastgroup[1:])][0]  # type: ignore[index]
    return first


@functools.lru_cache(maxsize=1024)
def category_kind(category: str | None) -> str | None:
    """laptop, desktop, gpu, phone or tablet for a family's or a marketplace's category."""
    if not category:
        return None
    for kind, words in CATEGORY_KINDS:
        if category == kind or any(word in category for word in words):
            return kind
    return category


def _gtin_ok(digits: str) -> bool:
    """GS1 check digit: a random 12-14 digit number in a title is rarely a barcode."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


@functools.lru_cache(maxsize=4096)
def _capacity(value: str, unit: str) -> tuple[float, str]:
    """(size in GB, canonical text) of '512', 'gb' / '1', 'tb'."""
    number = float(value.replace(",", "."))
    if unit == "tb":
        return number * 1000, f"{number:g}tb"
    if number >= 1000 and number % 1000 == 0:
        return number, f"{number / 1000:g}tb"
    return number, f"{number:g}gb"


def _units(text: str, category: str | None) -> tuple[str | None, str | None]:
    """(memory, storage) said in a title: by the word after each amount, else by category."""
    memory: tuple[float, str] | None = None
    storage: tuple[float, str] | None = None
    pairs = "/" in text and category in ("phone", "tablet")
    for match in PAIR_RE.finditer(text) if pairs else ():
        # "8/256", "12/256GB", "128/8GB": the smaller is memory, the larger storage (phones)
        a, b = int(match.group(1)), int(match.group(2))
        if a != b and min(a, b) <= 24 and max(a, b) >= 16:
            memory = _capacity(str(min(a, b)), "gb")
            storage = _capacity(str(max(a, b)), "gb")
            return memory[1], storage[1]
    if category != "gpu" and "gb" not in text and "tb" not in text:
        return None, None  # no "gb" or "tb" anywhere ("5g" is a capacity on graphics cards only)
    for match in UNIT_RE.finditer(text):
        unit = match.group(2)
        if unit == "g" and category != "gpu":
            continue  # "5g", "10g" outside graphics cards is not a capacity
        gb, label = _capacity(match.group(1), "gb" if unit == "g" else unit)
        hint = match.group(3).strip("-,/|()")
        if hint in MEMORY_HINTS or hint.startswith("gddr") or hint.startswith("ddr"):
            is_memory = True
        elif hint in STORAGE_HINTS:
            is_memory = False
        elif category == "gpu":
            is_memory = True
        elif category in ("laptop", "desktop"):
            is_memory = gb <= 64
        else:
            is_memory = False
        if is_memory and memory is None:
            memory = (gb, label)
        elif not is_memory and storage is None:
            storage = (gb, label)
    return (memory[1] if memory else None), (storage[1] if storage else None)


# years that are not the model's: "Office 2016", "AppleCare until 2018", "Windows 2010"
NOT_MODEL_YEAR = frozenset(
    "office windows win applecare care warranty until thru through exp expires purchased "
    "bought adobe cs ms microsoft cyber garantie bis".split()
)


def _year(text: str) -> int | None:
    """The model year: one said with early/mid/late first, else the first one not about software."""
    if "19" not in text and "20" not in text:
        return None  # every model year starts 19 or 20
    first = None
    if ("early" in text or "mid" in text or "late" in text) and YEAR_GLUED_GATE_RE.search(text):
        text = YEAR_GLUED_RE.sub(r"\1 ", text)
    for match in YEAR_RE.finditer(text):
        before = text[max(0, match.start() - 14) : match.start()].split()
        word = before[-1].strip("(-,/") if before else ""
        qualified = word in YEAR_QUALIFIERS  # "late 2011", "mid-2012", "early2015"
        if qualified:
            word = before[-2].strip("(-,/") if len(before) > 1 else ""
        if word in NOT_MODEL_YEAR:
            continue
        if qualified:
            return int(match.group(1))
        if first is None:
            first = int(match.group(1))
    return first


def _kind(text: str, words: list[str], condition: str | None) -> tuple[str, str | None]:
    """item, bundle, box_only, accessory or for_parts, with the words that said so.

    An accessory word or "bundle" in a title that gives the device's specs (storage, memory,
    year, screen, clock) is an extra that comes with it ("16GB, 256GB SSD, Case"), not the
    thing sold. "As is" alone is not for parts: refurbishers write it to refuse returns.
    """
    # cheap substring gates first: most titles are none of these kinds
    if BUNDLE_GATE_RE.search(text) and (match := BUNDLE_RE.search(text)):
        return "bundle", match.group(0).strip()
    for part in text.split(" + ")[1:] if " + " in text else ():
        # "RTX 3080 + MSI RTX 3070", "Nord 2 + Freebuds 4i": a second device
        second = TOKEN_RE.findall(part)[:3]
        if GPU_RE.search(part[:30]) or any(w in BRANDS or w in _FAMILY_STARTS for w in second):
            return "bundle", f"+ {' '.join(second)}"
    accessories = (
        list(ACCESSORY_RE.finditer(text)) if not ACCESSORY_TOKENS.isdisjoint(words) else []
    )
    specs = (accessories or "bundle" in text) and (
        UNIT_RE.search(text) or YEAR_RE.search(text) or SIZE_RE.search(text) or "ghz" in text
    )
    if not specs and "bundle" in text and (match := BUNDLE_WORD_RE.search(text)):
        # "MacBook Pro 13" 2.4GHz ... BUNDLE+MORE" is the laptop with extras
        return "bundle", match.group(0)
    if BOX_GATE_RE.search(text) and (match := BOX_ONLY_RE.search(text)):
        return "box_only", match.group(0)
    for match in accessories:
        # "case for iPhone 12", "charger fits MacBook"
        if made_for := MADE_FOR_RE.search(text, match.end()):
            return "accessory", text[match.start(1) : made_for.end()]
    # "Video Game Console System and ... cables": a device named before its accessories
    device = accessories and not DEVICE_NOUNS.isdisjoint(
        TOKEN_RE.findall(text[: accessories[0].start(1)])
    )
    for match in () if specs or device else accessories:
        before = text[: match.start(1)].split()[-2:]
        if not any(word.strip("(*-,/") in WITH_BEFORE for word in before):
            return "accessory", match.group(1)
    if condition == "for_parts":
        return "for_parts", "condition: for_parts"
    if FOR_PARTS_GATE_RE.search(text) and (match := FOR_PARTS_RE.search(text)):
        return "for_parts", match.group(0)
    return "item", None


# first word -> the families it starts, longest first ("macbook pro" before "macbook")
_FAMILY_STARTS: dict[str, list[tuple[tuple[str, ...], tuple[str, str, str]]]] = {}
for _words, _value in sorted(FAMILIES.items(), key=lambda item: -len(item[0])):
    _FAMILY_STARTS.setdefault(_words[0], []).append((_words, _value))


def _family(tokens: list[str]) -> tuple[int, int, tuple[str, str, str]] | None:
    """(start, end, (brand, family, category)) of the first product family the title names."""
    if _FAMILY_STARTS.keys().isdisjoint(tokens):
        return None
    for i, token in enumerate(tokens):
        for words, value in _FAMILY_STARTS.get(token, ()):
            if tuple(tokens[i : i + len(words)]) == words:
                return i, i + len(words), value
    return None


UNIT_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)?(?:gb|tb|mb|ghz|mhz|mah|mp|w|hz|mm|cm|in|inch|k)|(?:19|20)\d\d"
)
BARE_SIZE_RE = re.compile(r"\d\d(?:\.\d)?")


def _is_unit(token: str) -> bool:
    """Amounts that are attributes, not model names: 256gb, 2.5ghz, 13in, 2012, 4000mah."""
    return token[:1].isdigit() and UNIT_TOKEN_RE.fullmatch(token) is not None


# words repeat across titles: whether one is kept is worked out once (bounded memory)
_KEPT: dict[str, bool] = {}


def _kept(token: str) -> bool:
    """A word that says something about the product (not noise, colour, unit or one letter)."""
    kept = _KEPT.get(token)
    if kept is None:
        kept = token not in SKIPPED_WORDS and len(token) > 1 and not _is_unit(token)
        if len(_KEPT) > 500_000:
            _KEPT.clear()
        _KEPT[token] = kept
    return kept


def _tokens(raw: list[str]) -> list[str]:
    """The title's words (and slashes), each amount, ordinal or size word replaced by STOP."""
    tokens: list[str] = []
    append = tokens.append
    known_amount = _AMOUNTS.get  # True, False, or None when not yet worked out
    n = len(raw)
    i = 0
    while i < n:
        token = raw[i]
        i += 1
        first = token[0]
        if first == "/":
            # "8/256": the numbers before and after the slash are an amount ("3 // 64GB" not)
            if tokens and tokens[-1][0].isdigit() and i < n and raw[i][0].isdigit():
                tokens[-1] = STOP
                i += 1
        elif first.isdigit():
            if i < n and raw[i] in UNIT_WORDS:
                append(STOP)  # "256 gb"
                i += 1
            elif token.isdigit():
                # a bare number is never an amount: not memoised (a stock or part number is
                # one title's own, and would only fill the memo)
                append(token)
            elif (amount := known_amount(token)) or (amount is None and _amount(token)):
                append(STOP)
            else:
                append(token)
        else:
            append(STOP if token in SIZE_WORDS else token)
    return tokens


_AMOUNTS: dict[str, bool] = {}


def _amount(token: str) -> bool:
    """256gb, 2.5ghz, 30ml, 7th (memoised: the same words recur in every title)."""
    amount = _AMOUNTS.get(token)
    if amount is None:
        amount = AMOUNT_TOKEN_RE.fullmatch(token) is not None
        if len(_AMOUNTS) > 500_000:
            _AMOUNTS.clear()
        _AMOUNTS[token] = amount
    return amount


def _model_after(tokens: list[str], start: int) -> tuple[str | None, tuple[str, ...]]:
    """The model words after a brand or family: numbers and variant words, at most four.

    One name word may lead ("eos 5d", "nord ce"); a unit, noise word or colour ends it.
    """
    words: list[str] = []
    i = start
    while i < len(tokens) and len(words) < 4:
        token = tokens[i]
        i += 1
        if token in IGNORED_TOKENS:
            continue
        if token == STOP or _is_unit(token) or token in NOISE_WORDS or token in COLOUR_WORDS:
            break
        if any(ch.isdigit() for ch in token) or token in VARIANT_WORDS or token.endswith("+"):
            words.append(token)
            continue
        nxt = tokens[i] if i < len(tokens) else ""
        leads = any(ch.isdigit() for ch in nxt) and not _is_unit(nxt) or nxt in VARIANT_WORDS
        if not words and token.isalpha() and leads:
            words.append(token)
            continue
        break
    model: list[str] = []
    variants: list[str] = []
    for word in words:
        if word.endswith("+") and len(word) > 1:
            model.append(word[:-1])
            variants.append("plus")
        elif word in VARIANT_WORDS:
            variants.append(word)
        else:
            model.append(word)
    return (" ".join(model) or None), tuple(variants)


def extract(
    title: str,
    brand: str | None = None,
    category: str | None = None,
    condition: str | None = None,
    identifier: str | None = None,
    mpn: str | None = None,
) -> Extracted:
    """Read a title and the listing's own fields into attributes.

    `identifier` is a barcode or ISBN the listing carries (GTIN, UPC, EAN, ISBN); `mpn` its
    maker part number, which only names the product when the title names no model.
    """
    out, tokens = read_title(title, brand, category, condition, identifier, mpn)
    out.words = kept_words(tokens)
    return out


def kept_words(tokens: list[str]) -> tuple[str, ...]:
    """The words of read_title's tokens that say something about the product."""
    return tuple(t for t in tokens if _kept(t))


def read_title(
    title: str,
    brand: str | None = None,
    category: str | None = None,
    condition: str | None = None,
    identifier: str | None = None,
    mpn: str | None = None,
) -> tuple[Extracted, list[str]]:
    """extract's attributes with `words` left empty, and the title's tokens (kept_words gives
    the words from them, without reading the title again)."""
    text = " ".join(title.lower().replace("’", "'").split())
    if "mac b" in text or "boook" in text:
        text = MACBOOK_SPELLING_RE.sub("macbook", text)
    out = Extracted(title=title)
    raw = TOKEN_OR_SLASH_RE.findall(text)
    out.kind, why = _kind(text, raw, condition)
    if why:
        out.reasons.append(f"'{why}'")

    # identifiers: a barcode or ISBN, an Apple part number, the listing's own MPN
    if identifier and identifier.strip():
        value = re.sub(r"[\s-]", "", identifier.strip()).upper()
        out.identifier, out.identifier_kind = value, "listing identifier"
    elif max(map(len, raw), default=0) >= 12 and (  # a barcode is one word of 12+ digits
        match := next((m for m in GTIN_RE.finditer(text) if _gtin_ok(m.group(1))), None)
    ):
        # a 12-14 digit number with a valid GS1 check digit
        out.identifier, out.identifier_kind = match.group(1).zfill(13), "GTIN/EAN/UPC/ISBN"
    elif "isbn" in text and (match := ISBN10_RE.search(text)):
        out.identifier, out.identifier_kind = match.group(1).upper(), "ISBN"
    elif ("/a" in text or "ll" in text) and (match := APPLE_PART_RE.search(text)):
        out.identifier, out.identifier_kind = f"APPLE:{match.group(1).upper()}", "Apple part"
    if mpn and mpn.strip():
        out.mpn = mpn.strip().upper()
    elif text.count("-") >= 2 and MPN_GATE_RE.search(text) and (match := MPN_RE.search(text)):
        out.mpn = match.group(0).upper()

    tokens = _tokens(raw)
    found = _family(tokens)
    if found and found[1] < len(tokens):
        # "OnePlus Nord 2": a product line inside the brand's own name
        nested = _family(tokens[found[1] : found[1] + 2])
        if nested and nested[0] == 0 and nested[2][0] == found[2][0]:
            found = (found[0], found[1] + nested[1], nested[2])
    anchor = found[0] if found else None
    listing_brand = " ".join(brand.lower().split()) if brand else None
    gpu = ("rtx" in text or "rx" in text or "gt" in text or "arc" in text) and next(
        (m for m in GPU_RE.finditer(text) if _gpu_number(m.group(1), m.group(2))), None
    )
    if gpu:
        prefix, number, variant = gpu.groups()
        out.brand = "amd" if prefix == "rx" else "intel" if prefix == "arc" else "nvidia"
        out.family, out.category = prefix, "gpu"
        out.model = number
        out.variants = (variant,) if variant else ()
        out.maker = next((BRANDS[t] for t in tokens if t in BRANDS), listing_brand)
    elif found:
        start, end, (family_brand, family, family_category) = found
        out.brand, out.family, out.category = family_brand, family, family_category
        if family not in SIZE_YEAR_FAMILIES:
            out.model, out.variants = _model_after(tokens, end)
        elif (
            family_brand == "apple"
            and APPLE_CHIP_GATE_RE.search(text)
            and (chip := APPLE_CHIP_RE.search(text))
        ):
            out.model = " ".join(part for part in chip.groups() if part)
    else:
        index = next((i for i, t in enumerate(tokens) if t in BRANDS), None)
        anchor = index
        if index is not None:
            out.brand = BRANDS[tokens[index]]
            out.model, out.variants = _model_after(tokens, index + 1)
        elif listing_brand:
            out.brand = listing_brand
            words = listing_brand.split()
            at = next((i for i in range(len(tokens)) if tokens[i : i + len(words)] == words), -1)
            if at >= 0:
                anchor = at
                out.model, out.variants = _model_after(tokens, at + len(words))
        out.category = " ".join(category.lower().split()) if category else None
    if listing_brand and not out.brand:
        out.brand = listing_brand

    if (
        out.kind == "item"
        and anchor
        and not MADE_FOR_WORDS.isdisjoint(tokens[max(0, anchor - 2) : anchor])
        and DEVICE_NOUNS.isdisjoint(tokens[:anchor])
    ):
        # "LEGO Worlds for Nintendo Switch", "Case for MacBook": made for the device
        out.kind = "accessory"
        out.reasons.append(
            f"kind accessory: made for '{' '.join(tokens[anchor - 2 : anchor + 1])}'"
        )
    if out.kind == "accessory":
        first = ACCESSORY_RE.search(text) if not ACCESSORY_TOKENS.isdisjoint(raw) else None
        out.accessory = _accessory_type(text, first.group(1) if first else None)
        if out.model and sum(any(c.isdigit() for c in w) for w in out.model.split()) > 1:
            # "Case for iPhone 14 13 12 11 Pro Max": made to fit several models, none its own
            out.reasons.append(f"fits several models: '{out.model}'")
            out.model, out.variants = None, ()
    out.memory, out.storage = _units(text, category_kind(out.category))
    if match := SIZE_RE.search(text):
        out.size_in = int(float(match.group(1).replace(",", ".")))
    elif out.family in SIZE_YEAR_FAMILIES:
        # "MacBook Pro A1286 15 Laptop", "Macbook Pro 13.3": a bare screen size
        for token in tokens:
            if BARE_SIZE_RE.fullmatch(token) and int(float(token)) in MAC_SIZES:
                out.size_in = int(float(token))
                break
        else:
            out.size_in = next((APPLE_A_SIZES[t] for t in tokens if t in APPLE_A_SIZES), None)
    out.year = _year(text)
    if "gen" in text and (match := GEN_RE.search(text)):
        out.generation = int(match.group(1) or match.group(2))
    return out, tokens
