"""One row per distinct identity input (title, brand, category, for-parts, identifier, MPN):
its product id, how it was identified, and the attributes read from it.

The same code as `arb-pipeline products identify` (arb_pipeline.products). Incremental: each
run identifies only the inputs of the newest snapshot days (or of a rebuild window) that are
not in the table yet, so a new day costs its new titles, not the whole history; those that
fuzzy-match join the products earlier builds found by their words.
"""

from arb_pipeline.products import identify_frame

INPUTS = "identity_key, title, brand, category, condition, identifier, mpn"


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    inputs = dbt.ref("int_product_identity_inputs")
    where = ""
    known = None
    if dbt.is_incremental:
        rebuild_from = dbt.config.get("rebuild_from")
        lookback = int(dbt.config.get("snapshot_lookback_days") or 1)
        if rebuild_from and str(rebuild_from) != "None":
            since = f"date '{rebuild_from}'"
        else:
            since = f"(select max(first_seen_on) - {lookback} from {dbt.this})"
        where = (
            f"where scrape_date >= {since}"
            f" and identity_key not in (select identity_key from {dbt.this})"
        )
        this = dbt.this

        def known(brands: set[str]):
            """One input per product of earlier builds named by its words, of these brands:
            a new title fuzzy-joins them as it would in one build."""
            listed = ", ".join("'" + b.replace("'", "''") + "'" for b in sorted(brands))
            return inputs.query(
                "inputs",
                f"select distinct {INPUTS} from inputs where identity_key in ("
                f" select min(identity_key) from {this} where identified_by = 'none'"
                f" and product_brand in ({listed}) group by product_id)",
            ).pl()

    # deduplicated before identifying: a million listings cost their distinct titles
    frame = inputs.query(
        "inputs",
        f"select {INPUTS}, min(scrape_date) as first_seen_on from inputs {where}"
        f" group by all order by identity_key",
    ).pl()
    return identify_frame(frame, known).drop(
        ["title", "brand", "category", "condition", "identifier", "mpn"]
    )
