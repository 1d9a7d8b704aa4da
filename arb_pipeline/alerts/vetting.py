"""Vet a deal before alerting: is it the item itself, the predicted product, and not a scam?

Two vetters give a `Verdict`: deterministic rules, and an OpenAI model (structured output,
verdicts cached in SQLite, a daily call cap). `vet` uses OpenAI when configured and falls back
to the rules, saying so, whenever OpenAI cannot answer. Belt and braces: the rules' hard
rejections (wanted/swap ads, for parts, box only) reject a listing even when OpenAI says ok.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_DAILY_CAP = 200
MIN_SIGNATURE_OVERLAP = 0.6
SCAM_PRICE_RATIO = 0.25


def _words(alternatives: str, *, anchored: str = "") -> re.Pattern[str]:
    """Case-insensitive regex: any of the `|`-separated whole words or phrases."""
    return re.compile(rf"\b(?:{alternatives})\b{anchored}", re.IGNORECASE)


# Hard rejections, read from the title and raw condition: kept even when OpenAI says ok.
HARD_RULES: dict[str, re.Pattern[str]] = {
    "wanted or swap ad": _words(
        r"(?<!no longer )(?<!not )wanted|wtb|wtt|want to buy|in search of|we buy|swap (?:for|my)",
        anchored=r"|^\W*(?:looking for|buying|will buy|iso|swap|trade)\b",
    ),
    "for parts or not working": _words(
        r"for parts|parts only|spares(?: or repairs?)?|salvage|not working|faulty|no power|"
        r"(?<!not )(?<!never )broken|icloud locked|blacklisted"
    ),
    "box or packaging only": _words(
        r"box only|empty box|just the box|packaging only|no console|no phone|box and manual only"
    ),
}
SOFT_RULES: dict[str, re.Pattern[str]] = {
    "accessory, not the item": _words(
        r"(?:case|cover|charger|cable|strap|band|stand|mount|skin|sleeve|bag|dock|adapter|"
        r"battery|screen|lens cap)s? (?:for|fits)(?! sale)|compatible with|screen protector|"
        r"tempered glass|replacement (?:part|screen|battery|housing|lcd)|"
        r"(?:case|charger|cable|stand|manual) only"
    ),
    "manual or documentation only": _words(
        r"manual (?:only|for)",
        anchored=r"|^\W*(?:owner'?s |user |instruction )?(?:manual|instructions|user guide)\b",
    ),
    "rental": _words(r"for rent|to rent|rental|for hire|to let|renting out"),
    "service, not an item": _words(
        r"(?:repair|unlock(?:ing)?|installation|cleaning|setup|jailbreak) services?|"
        r"we (?:repair|fix|unlock)|services? (?:available|offered)"
    ),
}
OFF_PLATFORM = _words(
    r"whats ?app|telegram|signal me|e-?mail me|text me|wire transfer|wire|western union|"
    r"moneygram|gift ?cards?|zelle|cash ?app|shipping only|read (?:the )?description|"
    r"serious buyers? only"
)
# the kind a product id carries when the listing is not the item itself (arb_pipeline.products)
PRODUCT_KIND = re.compile(r" \[(bundle|box_only|accessory|for_parts)\]$")
PAYMENT_SCAM = _words(r"western union|moneygram|gift ?cards? (?:only|payment)")
SENTENCE = re.compile(r"[^.!?\n]{20,}")


@dataclass(frozen=True)
class Verdict:
    """Whether a listing may be alerted, why (not), and who decided."""

    ok: bool
    reasons: list[str]
    vetter: str


class OpenAIUnavailable(RuntimeError):
    """OpenAI gave no usable verdict (error, timeout, garbage or daily cap)."""


def _normalise(text: str) -> str:
    """Lowercase words separated by single spaces, as the dbt title signature does."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _text(opportunity: dict[str, Any], *fields: str) -> str:
    """The opportunity's title, raw condition and any further `fields` as one text."""
    parts = (opportunity.get(k) for k in ("title", "condition_raw", *fields))
    return "\n".join(str(part) for part in parts if part)


def _copied_text(text: str) -> bool:
    """True when the same sentence (20+ characters) appears more than once."""
    sentences = [_normalise(s) for s in SENTENCE.findall(text)]
    return len(sentences) != len(set(sentences))


class RuleVetter:
    """Deterministic vetting by word lists, the product signature and scam signals."""

    name = "rules"

    def hard_rejections(self, opportunity: dict[str, Any]) -> list[str]:
        """Reasons that reject a listing whatever any other vetter says (title-based)."""
        text = _text(opportunity)
        parts = opportunity.get("condition") == "for_parts"
        return [
            reason
            for reason, rule in HARD_RULES.items()
            if rule.search(text) or (parts and reason == "for parts or not working")
        ]

    def vet(self, opportunity: dict[str, Any]) -> Verdict:
        """Reject accessories, boxes, parts, wanted/rental/service ads, mismatches and scams."""
        text = _text(opportunity)
        reasons = self.hard_rejections(opportunity)
        reasons += [reason for reason, rule in SOFT_RULES.items() if rule.search(text)]
        reasons += self._product_mismatch(opportunity)
        reasons += self._scam_signals(opportunity, _text(opportunity, "description"))
        return Verdict(not reasons, reasons, self.name)

    @staticmethod
    def _product_mismatch(opportunity: dict[str, Any]) -> list[str]:
        """The product identity says it is not the item itself (any kind of id); or a signature
        product, a fuzzy match's or one the title's words named, whose words mostly are not in
        the title. Identifier and attribute ids are read from the listing itself: trusted."""
        product_id = str(opportunity.get("product_id") or "")
        reasons = []
        if kind := PRODUCT_KIND.search(product_id):
            reasons.append(f"product identity: {kind.group(1).replace('_', ' ')}, not the item")
        if not product_id.startswith("sig:"):
            return reasons
        body = PRODUCT_KIND.sub("", product_id.removeprefix("sig:"))
        signature = set(_normalise(body).split())
        if not signature:
            return [*reasons, "no product signature to match the title against"]
        title = set(_normalise(str(opportunity.get("title") or "")).split())
        share = len(signature & title) / len(signature)
        if share < MIN_SIGNATURE_OVERLAP:
            reasons.append(f"title matches only {share:.0%} of product signature {product_id!r}")
        return reasons

    @staticmethod
    def _scam_signals(opportunity: dict[str, Any], text: str) -> list[str]:
        """Off-platform payment; or a price far below market with contact words/copied text."""
        reasons = []
        if PAYMENT_SCAM.search(text):
            reasons.append("scam signal: off-platform payment")
        price, p50 = opportunity.get("price"), opportunity.get("pred_p50")
        if price is not None and p50 and float(price) < SCAM_PRICE_RATIO * float(p50):
            signals = [m.group(0).lower() for m in OFF_PLATFORM.finditer(text)]
            if _copied_text(text):
                signals.append("copied text")
            if signals:
                share, found = float(price) / float(p50), ", ".join(dict.fromkeys(signals))
                reasons.append(f"scam signal: price {share:.0%} of market with {found}")
        return reasons


VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean"},
        "reasons": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["ok", "reasons"],
    "additionalProperties": False,
}
SYSTEM_PROMPT = (
    "You vet second-hand marketplace listings for a resale buyer. Answer ok=true only if the "
    "listing sells the item itself (not an accessory, case, box, manual, part, 'for parts' or "
    "broken item, wanted/swap ad, rental or service), its title matches the predicted product, "
    "and it shows no scam signals (price far below market with off-platform contact or payment "
    "such as WhatsApp, Telegram, 'email me', wire, Western Union or gift cards; 'shipping only'; "
    "'read description'; copied text). Give short reasons; for ok=true reasons may be empty."
)
LISTING_FIELDS = (
    "title",
    "price",
    "currency",
    "condition",
    "condition_raw",
    "category_raw",
    "product_id",
    "pred_p50",
    "description",
    "url",
)
KEY_FIELDS = ("title", "price", "currency", "description", "url", "product_id")
SCHEMA_SQL = """
create table if not exists verdicts (
    key text primary key, ok integer not null, reasons text not null, vetter text not null,
    created_at text not null
);
create table if not exists calls (day text primary key, count integer not null);
"""


class OpenAIVetter:
    """Vets through OpenAI chat completions with a JSON-schema verdict, cached and capped."""

    def __init__(
        self,
        api_key: str,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        *,
        cache_path: Path,
        daily_call_cap: int = DEFAULT_DAILY_CAP,
        timeout: float = 20,
    ) -> None:
        self.model, self.cache_path, self.daily_call_cap = model, Path(cache_path), daily_call_cap
        self._api_key = api_key
        # imported here, as in _ask: loading the Dagster definitions (every run worker and code
        # server) then does not pay the SDK's ~2 s import, only a vetter with a key does
        import openai as openai_sdk

        # no SDK retries: each request counts against the daily cap exactly once
        self._client = openai_sdk.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA_SQL)

    def __repr__(self) -> str:
        return f"OpenAIVetter(model={self.model!r}, cache_path={str(self.cache_path)!r})"

    @property
    def name(self) -> str:
        """The vetter label used in verdicts: `openai:<model>`."""
        return f"openai:{self.model}"

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """An autocommit connection to the cache file, closed afterwards."""
        with closing(sqlite3.connect(self.cache_path, timeout=30, isolation_level=None)) as db:
            yield db

    @staticmethod
    def cache_key(opportunity: dict[str, Any]) -> str:
        """Content hash of the fields that identify what the model was shown."""
        content = {field: opportunity.get(field) for field in KEY_FIELDS}
        data = json.dumps(content, sort_keys=True, default=str).encode()
        return hashlib.sha256(data).hexdigest()

    def calls_today(self) -> int:
        """OpenAI requests made so far this UTC day."""
        with self._db() as db:
            row = db.execute("select count from calls where day = ?", (_today(),)).fetchone()
        return int(row[0]) if row else 0

    def vet(self, opportunity: dict[str, Any]) -> Verdict:
        """The cached verdict, else ask OpenAI; raises OpenAIUnavailable when it cannot."""
        try:
            return self._vet(opportunity)
        except sqlite3.Error as exc:
            raise OpenAIUnavailable(f"verdict cache {self.cache_path}: {exc}") from None

    def _vet(self, opportunity: dict[str, Any]) -> Verdict:
        """Cache lookup, cap check, request and cache write."""
        key = self.cache_key(opportunity)
        with self._db() as db:
            row = db.execute(
                "select ok, reasons, vetter from verdicts where key = ?", (key,)
            ).fetchone()
        if row:
            return Verdict(bool(row[0]), json.loads(row[1]), row[2])
        self._reserve_call()
        verdict = self._ask(opportunity)
        with self._db() as db:
            db.execute(
                "insert or replace into verdicts values (?, ?, ?, ?, ?)",
                (key, int(verdict.ok), json.dumps(verdict.reasons), verdict.vetter, _now()),
            )
        return verdict

    def _reserve_call(self) -> None:
        """Count one call for today, or raise OpenAIUnavailable when the cap is reached."""
        with self._db() as db:
            db.execute("begin immediate")
            row = db.execute("select count from calls where day = ?", (_today(),)).fetchone()
            used = int(row[0]) if row else 0
            if used >= self.daily_call_cap:
                db.execute("rollback")
                raise OpenAIUnavailable(f"daily call cap of {self.daily_call_cap} reached")
            db.execute("insert or replace into calls values (?, ?)", (_today(), used + 1))
            db.execute("commit")

    def _ask(self, opportunity: dict[str, Any]) -> Verdict:
        """One chat completion with a strict JSON-schema response, parsed into a Verdict."""
        import openai as openai_sdk  # loaded by __init__ already; see there

        listing = {field: opportunity.get(field) for field in LISTING_FIELDS}
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": json.dumps(listing, default=str)},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "verdict", "strict": True, "schema": VERDICT_SCHEMA},
                },
                temperature=0,
            )
            content = completion.choices[0].message.content
        except openai_sdk.APIStatusError as exc:
            raise OpenAIUnavailable(self._redact(f"HTTP {exc.status_code}")) from None
        except openai_sdk.APITimeoutError:
            raise OpenAIUnavailable("request timed out") from None
        except (openai_sdk.OpenAIError, IndexError, AttributeError) as exc:
            raise OpenAIUnavailable(self._redact(f"{type(exc).__name__}: {exc}")) from None
        try:
            answer = json.loads(content or "")
            ok, reasons = answer["ok"], answer["reasons"]
            if not isinstance(ok, bool) or not isinstance(reasons, list):
                raise TypeError
            if not all(isinstance(reason, str) for reason in reasons):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            raise OpenAIUnavailable(
                f"unparsable answer: {self._redact(str(content))[:200]!r}"
            ) from None
        return Verdict(ok, list(reasons), self.name)

    def _redact(self, text: str) -> str:
        """Text with the API key removed, should anything echo it."""
        return text.replace(self._api_key, "[redacted]") if self._api_key else text


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _now() -> str:
    return datetime.now(UTC).isoformat()


def vet(opportunity: dict[str, Any], openai: OpenAIVetter | None = None) -> Verdict:
    """Vet with OpenAI when configured, else rules; rules also decide when OpenAI cannot."""
    rules = RuleVetter()
    if openai is None:
        return rules.vet(opportunity)
    try:
        verdict = openai.vet(opportunity)
    except OpenAIUnavailable as exc:
        log.warning("openai vetting unavailable, deciding by rules: %s", exc)
        fallback = rules.vet(opportunity)
        note = f"openai unavailable: {exc}; decided by rules"
        return Verdict(fallback.ok, [*fallback.reasons, note], rules.name)
    hard = rules.hard_rejections(opportunity)
    if verdict.ok and hard:
        return Verdict(
            False, [*hard, f"rejected by rules although {verdict.vetter} said ok"], "rules"
        )
    return verdict
