"""Product ids from extracted attributes: identifier, attribute key, fuzzy join, or none.

`identify_many` deduplicates its inputs, so a million listings cost what their distinct
titles cost. Ids are readable and stable (the same title gets the same id in every build):
    id:<identifier>[ kind]        a barcode/ISBN, an Apple part number, or (for titles that
                                  name no model) a maker part number
    attr:<brand family model variants size year memory storage>[ kind]
    sig:<brand and the title's remaining words, sorted>[ kind]   fuzzy and none
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import polars as pl
from rapidfuzz import fuzz, process

from arb_pipeline.products.extract import (
    IDENTIFIER_FIELDS,
    VARIANT_WORDS,
    Extracted,
    category_kind,
    extract,
)

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


Direct = tuple[str, str] | None


def _extract_chunk(rows: list[Row], keep_words: bool = True) -> list[tuple[Extracted, Direct]]:
    """Each row's attributes and its id from an identifier or attributes (None: neither)."""
    out = []
    for row in rows:
        e = extract(*row)
        direct = _direct(e)
        if direct and not keep_words:
            e.words = ()  # only fuzzy matching reads them: less to send back from a worker
        out.append((e, direct))
    return out


def _worker_chunk(rows: list[Row]) -> list[tuple[Extracted, Direct]]:
    return _extract_chunk(rows, keep_words=False)


def _extract_all(rows: list[Row]) -> list[tuple[Extracted, Direct]]:
    """Extract every row, in one process per core when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(rows) < PARALLEL_MIN_ROWS or workers < 2:
        return _extract_chunk(rows)
    chunks = [rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return [pair for part in pool.map(_worker_chunk, chunks) for pair in part]


def identify_many(rows: Iterable[Row]) -> list[Identity]:
    """Identify (title, brand, category, condition, identifier, mpn) rows, in order.

    Identifiers first, then attribute keys; titles with neither are fuzzy-joined within
    their brand, category, kind, variant words and numbers, else keep their own signature.
    """
    rows = list(rows)
    unique = list(dict.fromkeys(rows))
    distinct: dict[Row, Extracted] = {}
    result: dict[Row, Identity] = {}
    leftovers: dict[str, list[Row]] = defaultdict(list)
    for row, (e, direct) in zip(unique, _extract_all(unique), strict=True):
        distinct[row] = e
        if direct:
            result[row] = Identity(direct[0], direct[1], e)
        else:
            leftovers[_signature(e)].append(row)

    # fuzzy: per block, the most common signatures become representatives first
    blocks: dict[tuple, list[str]] = defaultdict(list)
    counts = Counter()
    for signature, members in leftovers.items():
        e = distinct[members[0]]
        counts[signature] = len(members)
        block = _block(e)
        if block is not None and len(_fuzzy_text(e).split()) >= 2:
            blocks[block].append(signature)
    joined: dict[str, str] = {}
    for signatures in blocks.values():
        if len(signatures) < 2:
            continue
        signatures.sort(key=lambda s: (-counts[s], s))
        reps: list[str] = []
        rep_texts: list[str] = []
        for signature in signatures:
            text = _fuzzy_text(distinct[leftovers[signature][0]])
            match = process.extractOne(
                text, rep_texts, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF
            )
            if match is not None:
                joined[signature] = reps[match[2]]
            elif len(reps) < MAX_BLOCK_REPRESENTATIVES:
                reps.append(signature)
                rep_texts.append(text)
    for signature, members in leftovers.items():
        rep = joined.get(signature)
        for row in members:
            e = distinct[row]
            if rep is not None:
                rep_title = distinct[leftovers[rep][0]].title
                result[row] = Identity(f"sig:{rep}{_suffix(e)}", "fuzzy", e, rep_title)
            else:
                result[row] = Identity(f"sig:{signature}{_suffix(e)}", "none", e)
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


OUTPUT_COLUMNS = {
    "product_id": pl.String,
    "identified_by": pl.String,
    "product_kind": pl.String,
    "product_brand": pl.String,
    "product_family": pl.String,
    "product_model": pl.String,
    "product_variants": pl.String,
    "product_size_in": pl.Int32,
    "product_year": pl.Int32,
    "product_memory": pl.String,
    "product_storage": pl.String,
    "product_identifier": pl.String,
}


def identify_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame, in order, with `product_id`, `identified_by` and the attributes extracted.

    Reads `title` and, when present, `brand`, `category`, `condition`, `attributes` (JSON with
    gtin/upc/ean/isbn/mpn), or `identifier` and `mpn` columns as the warehouse passes them.
    """
    if "title" not in frame.columns:
        raise ValueError(f"no title column (columns: {', '.join(frame.columns) or 'none'})")

    def column(name: str) -> Sequence[object]:
        if name not in frame.columns:
            return [None] * frame.height
        return frame.get_column(name).cast(pl.String).to_list()

    titles = frame.get_column("title").cast(pl.String).to_list()
    if "identifier" in frame.columns or "mpn" in frame.columns:
        pairs = list(zip(column("identifier"), column("mpn"), strict=True))
    elif "attributes" in frame.columns:
        attributes = frame.get_column("attributes")
        values = (
            attributes.to_list()
            if attributes.dtype == pl.Object or isinstance(attributes.dtype, pl.Struct)
            else attributes.cast(pl.String).to_list()
        )
        pairs = [_identifiers(v) for v in values]
    else:
        pairs = [(None, None)] * frame.height
    rows = [
        (title or "", brand, category, condition, ids[0], ids[1])
        for title, brand, category, condition, ids in zip(
            titles, column("brand"), column("category"), column("condition"), pairs, strict=True
        )
    ]
    identities = identify_many(rows)
    values = {
        "product_id": [i.product_id for i in identities],
        "identified_by": [i.method for i in identities],
        "product_kind": [i.extracted.kind for i in identities],
        "product_brand": [i.extracted.brand for i in identities],
        "product_family": [i.extracted.family for i in identities],
        "product_model": [i.extracted.model for i in identities],
        "product_variants": [" ".join(i.extracted.variants) or None for i in identities],
        "product_size_in": [i.extracted.size_in for i in identities],
        "product_year": [i.extracted.year for i in identities],
        "product_memory": [i.extracted.memory for i in identities],
        "product_storage": [i.extracted.storage for i in identities],
        "product_identifier": [i.extracted.identifier or i.extracted.mpn for i in identities],
    }
    out = pl.DataFrame(values, schema=OUTPUT_COLUMNS)
    return pl.concat(
        [frame.drop([c for c in OUTPUT_COLUMNS if c in frame.columns]), out], how="horizontal"
    )
