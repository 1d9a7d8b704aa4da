"""Product ids from extracted attributes: identifier, attribute key, fuzzy join, or none.

`identify_many` deduplicates its inputs, so a million listings cost what their distinct
titles cost. Ids are readable and stable (the same title gets the same id in every build):
    id:<identifier>[ kind]        a barcode/ISBN, an Apple part number, or (for titles that
                                  name no model) a maker part number
    attr:<brand family model variants size year memory storage>[ kind]
    sig:<brand and the title's remaining words, sorted>[ kind]   fuzzy and none
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from arb_pipeline.products.extract import (
    IDENTIFIER_FIELDS,
    VARIANT_WORDS,
    Extracted,
    category_kind,
    extract,
    kept_words,
    read_title,
)

if TYPE_CHECKING:
    import polars as pl

METHODS = ("identifier", "attributes", "fuzzy", "none")
# a fuzzy join needs titles this alike (rapidfuzz token_sort_ratio, 0-100)
FUZZY_CUTOFF = 90
# representatives a fuzzy block keeps: past this, new titles stay on their own (bounded cost)
MAX_BLOCK_REPRESENTATIVES = 300

UPGRADEABLE_STORAGE = frozenset({"laptop", "desktop"})
# past this many distinct titles, extraction runs in one process per core (spawned, since the
# caller, e.g. dbt, may run threads); below it, starting processes costs more than it saves
PARALLEL_MIN_ROWS = 50_000
CHUNK_ROWS = 20_000

Row = tuple[str, str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class Identity:
    """A title's product id, how it was identified, and what was read from it."""

    product_id: str
    method: str
    extracted: Extracted
    joined_to: str | None = None  # for fuzzy: the title whose product it joined


def _suffix(e: Extracted) -> str:
    """Kind apart from the item itself: for-parts, accessories, box-only, bundles."""
    return "" if e.kind == "item" else f" [{e.kind}]"


def attribute_key(e: Extracted) -> str | None:
    """The key of what the title says (None when it names no family or model)."""
    if not (e.family or e.model):
        return None
    parts: list[str] = [e.brand or "?"]
    if e.family and e.family != e.brand:
        parts.append(e.family)
    if e.model:
        parts.append(e.model)
    parts.extend(sorted(e.variants))
    if e.accessory:
        parts.append(e.accessory)
    if e.size_in:
        parts.append(f"{e.size_in}in")
    if e.year:
        parts.append(str(e.year))
    if e.generation:
        parts.append(f"gen{e.generation}")
    if e.memory:
        parts.append(f"{e.memory}-ram")
    # computers' drives are what sellers swap most (HDD to SSD), so a laptop's storage is an
    # attribute of the listing, not of the product; phones, tablets and consoles keep theirs
    if e.storage and category_kind(e.category) not in UPGRADEABLE_STORAGE:
        parts.append(e.storage)
    return " ".join(parts)


def _signature(e: Extracted) -> str:
    """Brand, the title's remaining words and its year, sorted: word order and noise do not
    matter; the year does (a 2002 and a 1998 Ford Expedition are not one product)."""
    brand_words = set((e.brand or "").split())
    words = sorted(
        {w for w in e.words if w not in brand_words} | ({str(e.year)} if e.year else set())
    )
    return " ".join([e.brand or "", *words]).strip() or " ".join(e.title.lower().split())


def _block(e: Extracted) -> tuple | None:
    """Titles a fuzzy match may join: same brand, category, kind, variant words, numbers."""
    if not e.brand:
        return None
    protected = frozenset(w for w in e.words if w in VARIANT_WORDS or any(c.isdigit() for c in w))
    return (e.brand, e.category, e.kind, e.size_in, e.year, e.memory, e.storage, protected)


def _fuzzy_text(e: Extracted) -> str:
    """The words a fuzzy match compares: the title's name words, without brand or numbers."""
    brand_words = set((e.brand or "").split())
    return " ".join(
        sorted(
            {
                w
                for w in e.words
                if w not in brand_words
                and w not in VARIANT_WORDS
                and not any(c.isdigit() for c in w)
            }
        )
    )


def _direct(e: Extracted) -> tuple[str, str] | None:
    """(product id, method) from an identifier or attributes, None when neither is enough."""
    if e.identifier:
        return f"id:{e.identifier}{_suffix(e)}", "identifier"
    key = attribute_key(e)
    if key:
        return f"attr:{key}{_suffix(e)}", "attributes"
    if e.mpn:
        return f"id:{e.mpn}{_suffix(e)}", "identifier"
    return None


# What identity keeps of one distinct input: plain tuples (cheap to send back from a worker
# process, unlike the Extracted objects). Index names below.
Summary = tuple
(ID, METHOD, KIND, BRAND, FAMILY, MODEL, VARIANTS, SIZE, YEAR, MEMORY, STORAGE, IDENT) = range(12)
SIGNATURE, BLOCK, FUZZY_TEXT = 12, 13, 14


def _summary(e: Extracted, direct: tuple[str, str] | None = None) -> Summary:
    """The id from an identifier or attributes, else what a fuzzy match needs; the attributes."""
    direct = direct or _direct(e)
    if direct:
        product_id, method, signature, block, text = *direct, None, None, None
    else:
        product_id = method = None
        signature, block, text = _signature(e), _block(e), _fuzzy_text(e)
    return (
        product_id, method, e.kind, e.brand, e.family, e.model, " ".join(e.variants) or None,
        e.size_in, e.year, e.memory, e.storage, e.identifier or e.mpn, signature, block, text,
    )  # fmt: skip


def _summary_of(row: Row) -> Summary:
    """A row's summary; its words are kept only when no identifier or key names it."""
    e, tokens = read_title(*row)
    if direct := _direct(e):
        return _summary(e, direct)
    e.words = kept_words(tokens)
    return _summary(e)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: identity's millions of rows, summaries and ids
    all live to the end of the call and hold no cycles, so every full collection would walk
    them for nothing (on 1M titles that was half of the parent's own CPU)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _summarize_chunk(rows: list[Row]) -> list[Summary]:
    """Each row's summary (the collector is paused around every caller: identify_frame, and
    the extraction workers for their whole lives)."""
    return [_summary_of(row) for row in rows]


def _summarize_all(rows: list[Row]) -> list[Summary]:
    """Summarize every row, in one process per core when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(rows) < PARALLEL_MIN_ROWS or workers < 2:
        return _summarize_chunk(rows)
    size = max(5_000, min(CHUNK_ROWS, len(rows) // (workers * 4) + 1))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    context = multiprocessing.get_context("spawn")
    # the workers never collect: they hold only this work (and unpickle their chunks and
    # pickle their summaries outside _summarize_chunk)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=gc.disable) as pool:
        return [summary for part in pool.map(_summarize_chunk, chunks) for summary in part]


def _resolve(
    summaries: Sequence[Summary], known: Sequence[Summary] = ()
) -> tuple[list[str], list[str], list[int | None]]:
    """Each summary's product id, method, and (fuzzy) the index of the input it joined.

    Titles with no identifier or attribute key are grouped by signature; per block the
    signatures of `known` (products of earlier builds) are representatives first, then the
    most common new ones; a signature within FUZZY_CUTOFF of a representative joins it.
    Indexes at or past len(summaries) name a known input.
    """
    leftovers: dict[str, list[int]] = defaultdict(list)
    known_first: dict[str, int] = {}
    for i, summary in enumerate(known, start=len(summaries)):
        if summary[ID] is None:
            known_first.setdefault(summary[SIGNATURE], i)
    for i, summary in enumerate(summaries):
        if summary[ID] is None:
            leftovers[summary[SIGNATURE]].append(i)
    everything = [*summaries, *known] if known_first else summaries

    blocks: dict[tuple, list[tuple[int, int, str]]] = defaultdict(list)
    for signature, first in known_first.items():
        summary = everything[first]
        if summary[BLOCK] is not None and summary[FUZZY_TEXT].count(" ") >= 1:
            blocks[summary[BLOCK]].append((0, first, signature))
    for signature, members in leftovers.items():
        if signature in known_first:
            continue
        summary = summaries[members[0]]
        if summary[BLOCK] is not None and summary[FUZZY_TEXT].count(" ") >= 1:
            blocks[summary[BLOCK]].append((-len(members), members[0], signature))
    joined: dict[str, tuple[str, int]] = {}
    for candidates in blocks.values():
        if len(candidates) < 2:
            continue
        # known products first (never joined again: their listings keep their ids), then
        # the new signatures, the most common first
        candidates.sort(key=lambda c: (c[1] < len(summaries), c[0], c[2]))
        reps: list[tuple[str, int]] = []
        rep_texts: list[str] = []
        for _, first, signature in candidates:
            text = everything[first][FUZZY_TEXT]
            if first >= len(summaries):
                if len(reps) < MAX_BLOCK_REPRESENTATIVES:
                    reps.append((signature, first))
                    rep_texts.append(text)
                continue
            match = process.extractOne(
                text, rep_texts, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF
            )
            if match is not None:
                joined[signature] = reps[match[2]]
            elif len(reps) < MAX_BLOCK_REPRESENTATIVES:
                reps.append((signature, first))
                rep_texts.append(text)

    ids: list[str] = [""] * len(summaries)
    methods: list[str] = [""] * len(summaries)
    joined_to: list[int | None] = [None] * len(summaries)
    for i, summary in enumerate(summaries):
        if summary[ID] is not None:
            ids[i], methods[i] = summary[ID], summary[METHOD]
    for signature, members in leftovers.items():
        rep = joined.get(signature)
        for i in members:
            suffix = "" if summaries[i][KIND] == "item" else f" [{summaries[i][KIND]}]"
            if rep is not None:
                ids[i], methods[i], joined_to[i] = f"sig:{rep[0]}{suffix}", "fuzzy", rep[1]
            else:
                ids[i], methods[i] = f"sig:{signature}{suffix}", "none"
    return ids, methods, joined_to


def identify_many(rows: Iterable[Row], known: Iterable[Row] = ()) -> list[Identity]:
    """Identify (title, brand, category, condition, identifier, mpn) rows, in order.

    Identifiers first, then attribute keys; titles with neither are fuzzy-joined within
    their brand, category, kind, variant words and numbers (to the products of the `known`
    rows first: inputs identified in earlier builds), else keep their own signature.
    """
    rows = list(rows)
    unique = list(dict.fromkeys(rows))
    known_rows = list(dict.fromkeys(known))
    extracted = [extract(*row) for row in unique]
    ids, methods, joined = _resolve(
        [_summary(e) for e in extracted], [_summary(extract(*row)) for row in known_rows]
    )
    everything = unique + known_rows
    result = {
        row: Identity(
            ids[i], methods[i], e, None if joined[i] is None else everything[joined[i]][0]
        )
        for i, (row, e) in enumerate(zip(unique, extracted, strict=True))
    }
    return [result[row] for row in rows]


def explain(identity: Identity) -> str:
    """Why a title got its product id, in a few lines."""
    e = identity.extracted
    lines = [f"title: {e.title}", f"product_id: {identity.product_id}"]
    lines.append(f"identified by: {identity.method}")
    if identity.method == "identifier":
        lines.append(
            f"  {e.identifier_kind or 'maker part number'}: {e.identifier or e.mpn}"
            + ("" if e.identifier else " (the title names no model, so the part number does)")
        )
    elif identity.method == "attributes":
        lines.append(f"  key: {attribute_key(e)}")
    elif identity.method == "fuzzy":
        lines.append(
            f"  joined (rapidfuzz token_sort_ratio >= {FUZZY_CUTOFF}) to: {identity.joined_to}"
        )
    else:
        lines.append("  no identifier, family or model found: the title's own words are its key")
    lines.append(f"kind: {e.kind}" + (f" ({e.reasons[0]})" if e.reasons else ""))
    fields = {
        "brand": e.brand,
        "maker": e.maker,
        "family": e.family,
        "category": e.category,
        "model": e.model,
        "variants": " ".join(e.variants) or None,
        "screen size (in)": e.size_in,
        "year": e.year,
        "generation": e.generation,
        "memory": e.memory,
        "storage": e.storage,
        "maker part number": e.mpn,
        "accessory": e.accessory,
    }
    lines += [f"{name}: {value}" for name, value in fields.items() if value is not None]
    lines.append(f"words kept: {' '.join(e.words)}")
    return "\n".join(lines)


def _identifiers(value: object) -> tuple[str | None, str | None]:
    """(barcode or ISBN, maker part number) from a listing's attributes (JSON text or dict)."""
    if value is None:
        return None, None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as error:
            raise ValueError(f"attributes is not JSON: {value[:60]!r} ({error})") from None
    if not isinstance(value, dict):
        return None, None
    barcode = next(
        (str(value[k]) for k in IDENTIFIER_FIELDS[:-1] if value.get(k) not in (None, "")), None
    )
    mpn = value.get("mpn")
    return barcode, (str(mpn) if mpn not in (None, "") else None)


# polars dtype names: the extraction workers import this module, and never need polars
OUTPUT_COLUMNS = {
    "product_id": "String",
    "identified_by": "String",
    "product_kind": "String",
    "product_brand": "String",
    "product_family": "String",
    "product_model": "String",
    "product_variants": "String",
    "product_size_in": "Int32",
    "product_year": "Int32",
    "product_memory": "String",
    "product_storage": "String",
    "product_identifier": "String",
}


def _rows(frame: pl.DataFrame) -> list[Row]:
    """(title, brand, category, condition, identifier, mpn) of each row of a frame."""
    import polars as pl

    if "title" not in frame.columns:
        raise ValueError(f"no title column (columns: {', '.join(frame.columns) or 'none'})")

    def column(name: str) -> Sequence[object]:
        if name not in frame.columns:
            return [None] * frame.height
        return frame.get_column(name).cast(pl.String).to_list()

    titles = frame.get_column("title").cast(pl.String).fill_null("").to_list()
    if "identifier" in frame.columns or "mpn" in frame.columns:
        identifiers, mpns = column("identifier"), column("mpn")
    elif "attributes" in frame.columns:
        attributes = frame.get_column("attributes")
        values = (
            attributes.to_list()
            if attributes.dtype == pl.Object or isinstance(attributes.dtype, pl.Struct)
            else attributes.cast(pl.String).to_list()
        )
        pairs = [_identifiers(v) for v in values]
        identifiers, mpns = [p[0] for p in pairs], [p[1] for p in pairs]
    else:
        identifiers = mpns = [None] * frame.height
    return list(
        zip(
            titles, column("brand"), column("category"), column("condition"), identifiers, mpns,
            strict=True,
        )
    )  # fmt: skip


def identify_frame(
    frame: pl.DataFrame, known: Callable[[set[str]], pl.DataFrame | None] | None = None
) -> pl.DataFrame:
    """The frame, in order, with `product_id`, `identified_by` and the attributes extracted.

    Reads `title` and, when present, `brand`, `category`, `condition`, `attributes` (JSON with
    gtin/upc/ean/isbn/mpn), or `identifier` and `mpn` columns as the warehouse passes them.
    `known(brands)`: the same columns for inputs identified in earlier builds, of the brands
    of the titles left to fuzzy-match; new titles join their products first (the warehouse
    passes one input per product named by its words).
    """
    with _collector_paused():
        return _identify_frame(frame, known)


def _identify_frame(
    frame: pl.DataFrame, known: Callable[[set[str]], pl.DataFrame | None] | None
) -> pl.DataFrame:
    """identify_frame, with the collector paused."""
    import polars as pl

    rows = _rows(frame)
    index: dict[Row, int] = {}
    positions = [index.setdefault(row, len(index)) for row in rows]
    unique = list(index)
    summaries = _summarize_all(unique)
    known_rows: list[Row] = []
    if known is not None:
        brands = {s[BLOCK][0] for s in summaries if s[ID] is None and s[BLOCK] is not None}
        known_frame = known(brands) if brands else None
        if known_frame is not None:
            known_rows = list(dict.fromkeys(_rows(known_frame)))
    ids, methods, _ = _resolve(summaries, _summarize_chunk(known_rows))
    columns = list(zip(*summaries, strict=True)) if summaries else [()] * (IDENT + 1)
    values = {
        "product_id": ids,
        "identified_by": methods,
        "product_kind": columns[KIND],
        "product_brand": columns[BRAND],
        "product_family": columns[FAMILY],
        "product_model": columns[MODEL],
        "product_variants": columns[VARIANTS],
        "product_size_in": columns[SIZE],
        "product_year": columns[YEAR],
        "product_memory": columns[MEMORY],
        "product_storage": columns[STORAGE],
        "product_identifier": columns[IDENT],
    }
    out = pl.DataFrame(values, schema={k: getattr(pl, v) for k, v in OUTPUT_COLUMNS.items()})
    if len(unique) < len(rows):
        out = out[pl.Series(positions, dtype=pl.UInt32)]
    return pl.concat(
        [frame.drop([c for c in OUTPUT_COLUMNS if c in frame.columns]), out], how="horizontal"
    )
