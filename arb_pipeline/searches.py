"""Saved searches from ARB_HOME/searches.yaml: what to scrape, which deals to alert, and to whom."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from arb_pipeline.sources import registry

Condition = Literal["new", "like_new", "good", "fair", "for_parts", "unknown"]
Channel = Literal["email", "webhook"]

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class SearchesError(ValueError):
    """searches.yaml is not valid YAML or not a valid list of searches."""


def normalize(text: str) -> str:
    """Casefolded text with accents stripped (NFKD), for accent-insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    """Whole-word (or whole-phrase) pattern for a keyword."""
    body = r"\s+".join(re.escape(part) for part in normalize(word).split())
    return re.compile(rf"(?<!\w){body}(?!\w)")


def has_word(title: str, word: str) -> bool:
    """Whether `word` appears in `title` as a whole word, ignoring case and accents."""
    return _word_pattern(word).search(normalize(title)) is not None


class Keywords(BaseModel):
    """Title keyword rules: every all_of word, at least one any_of word, no none_of word."""

    model_config = ConfigDict(extra="forbid")

    all_of: list[str] = []
    any_of: list[str] = []
    none_of: list[str] = []

    @field_validator("all_of", "any_of", "none_of")
    @classmethod
    def _non_blank(cls, words: list[str]) -> list[str]:
        if any(not word.strip() for word in words):
            raise ValueError("keywords must not be blank")
        return [word.strip() for word in words]

    def rejection(self, title: str) -> str | None:
        """Why the title fails the keyword rules, or None."""
        for word in self.all_of:
            if not has_word(title, word):
                return f"title lacks {word!r}"
        if self.any_of and not any(has_word(title, word) for word in self.any_of):
            return f"title has none of {', '.join(map(repr, self.any_of))}"
        for word in self.none_of:
            if has_word(title, word):
                return f"title has excluded {word!r}"
        return None


class Search(BaseModel):
    """One saved search: scrape settings, deal filters and alert delivery."""

    model_config = ConfigDict(extra="forbid")

    name: str
    enabled: bool = True
    marketplaces: list[str] = []
    query: str | None = None
    keywords: Keywords = Keywords()
    categories: list[str] = []
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    conditions: list[Condition] = []
    location: str | None = None
    radius_km: float | None = Field(default=None, gt=0)
    min_profit: float = Field(default=0.0, ge=0)
    min_margin: float = Field(default=0.0, ge=0, le=1)
    min_roi: float = Field(default=0.0, ge=0)
    max_buy_price: float | None = Field(default=None, gt=0)
    # the longest expected days to sell (at the best exit) worth tying the money up for
    max_days_to_sell: float | None = Field(default=None, gt=0)
    channels: list[Channel] = Field(default=["email"], min_length=1)
    recipients: list[str] = Field(default=[], validate_default=True)
    webhook_url: str | None = Field(default=None, validate_default=True)
    every_minutes: int = Field(default=15, ge=5)
    digest_time: str | None = None
    realert_drop_pct: float = Field(default=10.0, gt=0, le=100)

    @field_validator("name")
    @classmethod
    def _slug(cls, name: str) -> str:
        if not _SLUG.fullmatch(name):
            raise ValueError(
                f"expected a slug (lowercase letters, digits, '-', '_'; at most 64), got {name!r}"
            )
        return name

    @field_validator("marketplaces")
    @classmethod
    def _known_marketplaces(cls, names: list[str]) -> list[str]:
        # asked when a search is read, not when this module is imported (the registry imports
        # every marketplace module to find them)
        marketplaces = {*registry.PARSERS, *registry.SANDBOX_SOURCES}
        unknown = [name for name in names if name not in marketplaces]
        if unknown:
            known = ", ".join(sorted(marketplaces))
            raise ValueError(f"unknown marketplace {unknown[0]!r}; known: {known}")
        return names

    @field_validator("price_max")
    @classmethod
    def _price_range(cls, price_max: float | None, info: ValidationInfo) -> float | None:
        price_min = info.data.get("price_min")
        if price_max is not None and price_min is not None and price_max < price_min:
            raise ValueError(f"price_max {price_max:g} is below price_min {price_min:g}")
        return price_max

    @field_validator("recipients")
    @classmethod
    def _emails(cls, recipients: list[str], info: ValidationInfo) -> list[str]:
        for address in recipients:
            if not _EMAIL.fullmatch(address):
                raise ValueError(f"not an email address: {address!r}")
        if not recipients and "email" in info.data.get("channels", []):
            raise ValueError("at least one recipient is required for the email channel")
        return recipients

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, url: str | None, info: ValidationInfo) -> str | None:
        if url is None and "webhook" in info.data.get("channels", []):
            raise ValueError("webhook_url is required for the webhook channel")
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"expected an http(s) URL, got {url!r}")
        return url

    @field_validator("digest_time")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.fullmatch(value):
            raise ValueError(f"expected HH:MM (24h), got {value!r}")
        return value

    def rejection(self, opportunity: dict[str, Any]) -> str | None:
        """The first rule an fct_opportunities row fails, or None when it matches."""
        source = opportunity.get("source")
        if self.marketplaces and source not in self.marketplaces:
            return f"marketplace {source!r} not searched"
        if reason := self.keywords.rejection(opportunity.get("title") or ""):
            return reason
        category = opportunity.get("category_raw")
        wanted = {normalize(c) for c in self.categories}
        if wanted and (category is None or normalize(category) not in wanted):
            return f"category {category!r} not searched"
        price = _number(opportunity.get("price"))
        if self.price_min is not None and (price is None or price < self.price_min):
            return f"price {price} below price_min {self.price_min:g}"
        if self.price_max is not None and (price is None or price > self.price_max):
            return f"price {price} above price_max {self.price_max:g}"
        cost = _number(opportunity.get("landed_cost"))
        cost = price if cost is None else cost
        if self.max_buy_price is not None and (cost is None or cost > self.max_buy_price):
            return f"buy price {cost} above max_buy_price {self.max_buy_price:g}"
        condition = opportunity.get("condition")
        if self.conditions and condition not in self.conditions:
            return f"condition {condition!r} not searched"
        for field in ("profit", "margin", "roi"):
            threshold = getattr(self, f"min_{field}")
            value = _number(opportunity.get(field))
            if threshold and (value is None or value < threshold):
                return f"{field} {value} below min_{field} {threshold:g}"
        days = _number(opportunity.get("expected_days_to_sell"))
        if self.max_days_to_sell is not None and (days is None or days > self.max_days_to_sell):
            return f"expected days to sell {days} above max_days_to_sell {self.max_days_to_sell:g}"
        if opportunity.get("exclusion_reason") is not None:
            return f"excluded: {opportunity['exclusion_reason']}"
        profit_p10 = _number(opportunity.get("profit_p10"))
        if profit_p10 is None or profit_p10 <= 0:
            return f"profit_p10 {profit_p10} not above 0"
        return None

    def matches(self, opportunity: dict[str, Any]) -> bool:
        """Whether an fct_opportunities row passes every rule of this search."""
        return self.rejection(opportunity) is None


class SearchesFile(BaseModel):
    """The whole searches.yaml: a `searches:` list."""

    model_config = ConfigDict(extra="forbid")

    searches: list[Search] = []


def realert_due(alerted_price: float | None, price: float, drop_pct: float) -> bool:
    """Whether `price` fell at least `drop_pct` percent below the price last alerted: the one
    re-alert rule, asked by the selection of due alerts and by the state store's claim."""
    if not alerted_price or alerted_price <= 0:
        return False
    return (alerted_price - price) / alerted_price * 100 >= drop_pct - 1e-9


def load_searches(path: Path) -> list[Search]:
    """Searches from a YAML file; SearchesError with `file:line: …` messages when invalid."""
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise SearchesError(f"{path}:{line}: invalid YAML: {exc.problem or exc}") from exc
    if root is None:
        return []
    problems = _duplicate_keys(root, path)
    if problems:
        raise SearchesError("\n".join(problems))
    try:
        searches = SearchesFile.model_validate(data).searches
    except ValidationError as exc:
        described = sorted(_describe(error, root, data) for error in exc.errors())
        raise SearchesError("\n".join(f"{path}:{line}: {msg}" for line, msg in described)) from exc
    first_line: dict[str, int] = {}
    for index, search in enumerate(searches):
        line = _line_at(root, ("searches", index, "name"))
        if search.name in first_line:
            problems.append(
                f"{path}:{line}: search {search.name!r} field 'name': "
                f"duplicate name (first defined at line {first_line[search.name]})"
            )
        first_line.setdefault(search.name, line)
    if problems:
        raise SearchesError("\n".join(problems))
    return searches


def _number(value: Any) -> float | None:
    """A numeric value as float (DuckDB may give Decimal), None stays None."""
    return None if value is None else float(value)


def _line_at(root: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """1-based line of the deepest YAML node along a pydantic error location."""
    node, line = root, root.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child, line = value, key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _describe(error: Any, root: yaml.Node, data: Any) -> tuple[int, str]:
    """A pydantic error's line and `search 'name' field 'x': message`."""
    loc = tuple(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "model_type":
        message = "expected a mapping" if loc else "expected a mapping with a 'searches' list"
    where: list[str] = []
    if len(loc) >= 2 and loc[0] == "searches" and isinstance(loc[1], int):
        raw = data["searches"][loc[1]]
        name = raw.get("name") if isinstance(raw, dict) else None
        where.append(f"search {name!r}" if isinstance(name, str) else f"search #{loc[1] + 1}")
        loc = loc[2:]
    if loc:
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        where.append(f"field {field!r}")
    text = f"{' '.join(where)}: {message}" if where else message
    return _line_at(root, tuple(error["loc"])), text


def _duplicate_keys(node: yaml.Node, path: Path) -> list[str]:
    """`file:line: duplicate key 'x'` for every mapping key repeated in the YAML."""
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(f"{path}:{key.start_mark.line + 1}: duplicate key {key.value!r}")
            seen.add(key.value)
            problems += _duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems += _duplicate_keys(item, path)
    return problems
