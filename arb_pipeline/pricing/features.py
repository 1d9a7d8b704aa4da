"""Feature frames for the resale model: column roles, title-derived numbers, input coercion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer

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
    "title_size": r"\b(?:size|sz|gr\.?|taille|talla)\s*:?\s*(\d+(?:\.\d+)?)\b",
}
MILEAGE = r"\b(\d+(?:[.,]\d{3})*(?:\.\d+)?)\s*(k)?\s*(?:miles|mi|km|kms|tkm)\b"
LETTER_SIZES = {
    "xxs": 1,
    "xs": 2,
    "s": 3,
    "m": 4,
    "l": 5,
    "xl": 6,
    "xxl": 7,
    "2xl": 7,
    "xxxl": 8,
    "3xl": 8,
}
LETTER_SIZE = r"\b(?:size|sz)\s*:?\s*(" + "|".join(LETTER_SIZES) + r")\b"
FOR_PARTS = (
    r"\b(?:for parts|parts only|spares|not working|doesn'?t work|broken|cracked|as[- ]is|"
    r"untested|defekt|damaged|faulty|read description|no power)\b"
)
TITLE_FEATURES = (
    "title_storage_gb",
    "title_memory_gb",
    "title_inch",
    "title_ghz",
    "title_year",
    "title_size",
    "title_letter_size",
    "title_mileage",
    "title_for_parts",
)


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
        return text + self.categorical + self.numeric_features

    @property
    def numeric_features(self) -> list[str]:
        """Numeric columns, their signed logs (prices, mileages are log-normal), title numbers."""
        return self.numeric + [f"_log_{c}" for c in self.numeric] + list(TITLE_FEATURES)


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
    numbers = [pl.col(c).cast(pl.Float64, strict=False).fill_nan(None) for c in spec.numeric]
    exprs += [number.alias(c) for number, c in zip(numbers, spec.numeric, strict=True)]
    exprs += [
        (number.sign() * number.abs().log1p()).alias(f"_log_{c}")
        for number, c in zip(numbers, spec.numeric, strict=True)
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
        _all_numbers(title, "title_size").list.first().alias("title_size"),
        title.str.extract(LETTER_SIZE, 1)
        .replace_strict(LETTER_SIZES, default=None, return_dtype=pl.Float64)
        .alias("title_letter_size"),
        _mileage(title).alias("title_mileage"),
        title.str.contains(FOR_PARTS).cast(pl.Float64).alias("title_for_parts"),
    ]


def _mileage(title: pl.Expr) -> pl.Expr:
    """Miles or kilometres written in the title ("120k miles", "85,000 km"), log1p."""
    number = title.str.extract(MILEAGE, 1).str.replace_all(",", "").cast(pl.Float64, strict=False)
    thousands = title.str.extract(MILEAGE, 2).is_not_null()
    return pl.when(thousands).then(number * 1000).otherwise(number).log1p()


class NgramTfidf(TransformerMixin, BaseEstimator):
    """TfidfVectorizer(sublinear_tf=True) for word n-grams or char_wb n-grams, counted with polars.

    Same features as scikit-learn's vectorizer, but tokenising is vectorised and char n-grams are
    computed once per distinct word (a document's char_wb counts are the sum over its words).
    """

    def __init__(
        self,
        analyzer: str = "word",
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        max_features: int | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, documents: Any, y: Any = None) -> NgramTfidf:
        """Learn the vocabulary (min_df, then the max_features most frequent) and idf."""
        self.vocabulary_ = None
        counts, grams = self._counts(_as_text(documents))
        keep = np.flatnonzero(np.bincount(counts.indices, minlength=counts.shape[1]) >= self.min_df)
        if self.max_features is not None and keep.size > self.max_features:
            totals = np.asarray(counts[:, keep].sum(axis=0)).ravel()
            keep = np.sort(keep[np.argsort(-totals, kind="stable")[: self.max_features]])
        self.vocabulary_ = pl.DataFrame({"gram": grams[keep], "id": np.arange(keep.size)})
        self.vocabulary_ = self.vocabulary_.with_columns(pl.col("id").cast(pl.UInt32))
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts[:, keep])
        return self

    def transform(self, documents: Any) -> sparse.csr_matrix:
        """Sublinear TF-IDF rows, l2-normalised, over the fitted vocabulary."""
        return self.tfidf_.transform(self._counts(_as_text(documents))[0])

    def fit_transform(self, documents: Any, y: Any = None, **_: Any) -> sparse.csr_matrix:
        """fit then transform."""
        return self.fit(documents).transform(documents)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The n-grams, in column order."""
        return self.vocabulary_["gram"].to_numpy()

    def _counts(self, text: pl.Series) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Document x n-gram counts over the fitted vocabulary (or all n-grams while fitting)."""
        codes = (text.rank("dense") - 1).cast(pl.Int64).to_numpy()  # count each distinct text once
        counts, names = self._distinct_counts(text.unique().sort())
        return counts[codes], names

    def _distinct_counts(self, text: pl.Series) -> tuple[sparse.csr_matrix, np.ndarray]:
        rows = pl.DataFrame({"text": text.str.to_lowercase()}).with_row_index("row")
        if self.analyzer == "char_wb":
            words = rows.select(
                "row", pl.col("text").str.replace_all(r"\s+", " ").str.split(" ").alias("word")
            ).explode("word")
            words = words.filter(pl.col("word").is_not_null() & (pl.col("word") != ""))
            distinct = words.select(pl.col("word").unique(maintain_order=True))
            distinct = distinct.with_row_index("word_id")
            grams = distinct.with_columns(
                pl.col("word")
                .map_elements(self._char_grams, return_dtype=pl.List(pl.String))
                .alias("gram")
            ).explode("gram")
            pairs = words.join(distinct, on="word").select("row", id="word_id")
            per_doc = _matrix(pairs, len(text), distinct.height)
            per_word, names = self._lookup(
                grams.select(row="word_id", gram="gram"), distinct.height
            )
            counts = (per_doc @ per_word).tocsr()
            counts.sort_indices()  # the same sums in the same order: refits are reproducible
            return counts, names
        tokens = rows.select("row", pl.col("text").str.extract_all(r"\b\w+\b").alias("gram"))
        tokens = tokens.explode("gram").drop_nulls("gram")
        low, high = self.ngram_range
        parts, gram = [], tokens["gram"]
        for n in range(1, high + 1):
            if n > 1:
                gram = gram + " " + tokens["gram"].shift(1 - n)
            if n >= low:
                same = (tokens["row"].shift(1 - n) == tokens["row"]).fill_null(False)
                parts.append(pl.DataFrame({"row": tokens["row"], "gram": gram}).filter(same))
        return self._lookup(pl.concat(parts), len(text))

    def _lookup(self, pairs: pl.DataFrame, n_rows: int) -> tuple[sparse.csr_matrix, np.ndarray]:
        if self.vocabulary_ is None:
            vocabulary = pairs.select(pl.col("gram").unique().sort())
            vocabulary = vocabulary.with_row_index("id")
        else:
            vocabulary = self.vocabulary_
        ids = pairs.join(vocabulary, on="gram").select("row", "id")
        return _matrix(ids, n_rows, vocabulary.height), vocabulary["gram"].to_numpy()

    def _char_grams(self, word: str) -> list[str]:
        word, (low, high) = f" {word} ", self.ngram_range
        if len(word) <= low:
            return [word]
        return [
            word[i : i + n]
            for n in range(low, min(high, len(word)) + 1)
            for i in range(len(word) - n + 1)
        ]


def _as_text(documents: Any) -> pl.Series:
    if isinstance(documents, pl.DataFrame):
        documents = documents.to_series()
    series = documents if isinstance(documents, pl.Series) else pl.Series(list(documents))
    return series.cast(pl.String).fill_null("")


def _matrix(pairs: pl.DataFrame, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    """Count (row, id) pairs into a CSR matrix."""
    rows, cols = pairs["row"].to_numpy(), pairs["id"].to_numpy()
    ones = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((ones, (rows, cols)), shape=(n_rows, n_cols))
