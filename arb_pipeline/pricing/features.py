"""Feature frames for the resale model: column roles, title-derived numbers, input coercion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

TEXT_COLUMNS = ("title", "description")
RESERVED_COLUMNS = ("price", "currency", "listed_at")
ID_UNIQUE_SHARE = 0.9
NO_TEXT = "__none__"
WORD_TOKENS = r"(?u)\b\w+\b"
_ID_NAME = re.compile(r"(^|_)id$|[a-z]Id$|^id_|(^|_)(url|uri|link)$", re.IGNORECASE)

_NUM = r"(\d+(?:\.\d+)?)"
TITLE_NUMBERS: dict[str, str] = {
    "title_gb": rf"{_NUM}\s*gb\b",
    "title_tb": rf"{_NUM}\s*tb\b",
    "title_inch": rf"\b{_NUM}\s*(?:\"|''|”|-?\s*inch(?:es)?\b|-?\s*in\b)",
    "title_ghz": rf"{_NUM}\s*ghz\b",
    "title_year": r"\b((?:19[89]|20[0-4])\d)\b",
}
TITLE_FEATURES = ("title_storage_gb", "title_memory_gb", "title_inch", "title_ghz", "title_year")


@dataclass
class FeatureSpec:
    """Which input columns play which role; learned once from the training frame."""

    categorical: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    has_description: bool = False

    @property
    def columns(self) -> list[str]:
        """Prepared-frame columns the estimator reads, in order."""
        text = ["_title"] + (["_description"] if self.has_description else [])
        return text + self.categorical + self.numeric + list(TITLE_FEATURES)


def infer_spec(frame: pl.DataFrame) -> FeatureSpec:
    """Assign every non-reserved column of a training frame to a feature role."""
    spec = FeatureSpec(has_description=_has_text(frame, "description"))
    rows = max(frame.height, 1)
    for name, dtype in frame.schema.items():
        if name in TEXT_COLUMNS or name in RESERVED_COLUMNS or name.startswith("pred_"):
            continue
        if dtype == pl.String or dtype == pl.Categorical or (dtype.is_integer() and _id_like(name)):
            values = frame[name].cast(pl.String)
            if values.n_unique() <= max(1, ID_UNIQUE_SHARE * rows) and values.null_count() < rows:
                spec.categorical.append(name)
        elif dtype.is_numeric() or dtype == pl.Boolean:
            if frame[name].null_count() < rows:
                spec.numeric.append(name)
    return spec


def prepare(frame: pl.DataFrame, spec: FeatureSpec) -> pl.DataFrame:
    """Coerce any frame (missing columns, nulls, odd dtypes) into the estimator's input."""
    frame = frame.with_columns(
        pl.lit(None).alias(c)
        for c in {*spec.categorical, *spec.numeric, *TEXT_COLUMNS}
        if c not in frame.columns
    )
    title = _clean_text("title")
    exprs = [_document(title).alias("_title")]
    if spec.has_description:
        exprs.append(_document(_clean_text("description")).alias("_description"))
    exprs += [
        pl.col(c)
        .cast(pl.String, strict=False)
        .fill_null("")
        .str.strip_chars()
        .str.replace(r"^(?i)unknown$", "")  # the canonical record's "no condition given"
        .alias(c)
        for c in spec.categorical
    ]
    exprs += [
        pl.col(c).cast(pl.Float64, strict=False).fill_nan(None).alias(c) for c in spec.numeric
    ]
    exprs += _title_numbers(title)
    return frame.select(exprs).select(spec.columns)


def missing_title(frame: pl.DataFrame) -> pl.Series:
    """True where the title is absent or blank."""
    if "title" not in frame.columns:
        return pl.Series("no_title", [True] * frame.height)
    return frame.select(no_title=_clean_text("title") == "").to_series()


def _clean_text(name: str) -> pl.Expr:
    return (
        pl.col(name)
        .cast(pl.String, strict=False)
        .fill_null("")
        .str.strip_chars()
        .str.to_lowercase()
    )


def _document(text: pl.Expr) -> pl.Expr:
    """Text with at least one word token, so a vectorizer never sees an empty corpus."""
    return pl.when(text.str.contains(r"\w")).then(text).otherwise(pl.lit(NO_TEXT))


def _has_text(frame: pl.DataFrame, name: str) -> bool:
    return name in frame.columns and bool((frame.select(_clean_text(name) != "").to_series()).any())


def _id_like(name: str) -> bool:
    return bool(_ID_NAME.search(name))


def _all_numbers(title: pl.Expr, key: str) -> pl.Expr:
    return title.str.extract_all(TITLE_NUMBERS[key]).list.eval(
        pl.element().str.extract(r"(\d+(?:\.\d+)?)").cast(pl.Float64)
    )


def _title_numbers(title: pl.Expr) -> list[pl.Expr]:
    gb = _all_numbers(title, "title_gb")
    tb = _all_numbers(title, "title_tb").list.max() * 1024
    big_gb = gb.list.eval(pl.element().filter(pl.element() >= 100)).list.max()
    small_gb = gb.list.eval(pl.element().filter(pl.element() <= 64)).list.min()
    inch = _all_numbers(title, "title_inch").list.eval(
        pl.element().filter(pl.element().is_between(5, 100))
    )
    ghz = _all_numbers(title, "title_ghz").list.eval(pl.element().filter(pl.element() < 10))
    return [
        pl.max_horizontal(big_gb, tb).log1p().alias("title_storage_gb"),
        small_gb.log1p().alias("title_memory_gb"),
        inch.list.first().alias("title_inch"),
        ghz.list.first().alias("title_ghz"),
        _all_numbers(title, "title_year").list.max().alias("title_year"),
    ]
