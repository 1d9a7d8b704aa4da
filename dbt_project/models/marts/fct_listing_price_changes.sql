{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='change_key',
        on_schema_change='append_new_columns',
        pre_hook="{% if is_rebuild() %}delete from {{ this }}
            where changed_on >= {{ rebuild_from() }}{% endif %}"
    )
}}

-- Every observed change of a listing's asking price, with the drop in percent (negative for
-- a rise). Incremental: only the changes on the days whose snapshots a build can re-read (the
-- newest `snapshot_lookback_days` before the last change) are recomputed, against each
-- listing's earlier price. A rebuild of a window recomputes every change from its first day
-- on (a change after the window compares with the listing's last price in it).

with

-- not materialized: DuckDB copies a CTE used twice whole, before any filter
snapshots as not materialized (select * from {{ ref('int_listing_snapshots') }}),

{% if is_rebuild() %}
touched as (

    select distinct listing_key
    from snapshots
    where scrape_date >= {{ rebuild_from() }}

),
{% elif is_incremental() %}
since as (

    select coalesce(max(changed_on), date '1900-01-01') - {{ var('snapshot_lookback_days', 1) }}
        as day
    from {{ this }}

),

touched as (

    select distinct listing_key
    from snapshots
    where scrape_date >= (select day from since)

),
{% endif %}

history as (

    select
        listing_key,
        source,
        listing_id,
        currency,
        scrape_date,
        price,
        lag(price) over (partition by listing_key order by scrape_date) as previous_price
    from snapshots
    {% if is_incremental() %}
    where listing_key in (select listing_key from touched)
    {% endif %}

),

final as (

    select
        listing_key || '@' || strftime(scrape_date, '%Y-%m-%d') as change_key,
        listing_key,
        source,
        listing_id,
        currency,
        scrape_date as changed_on,
        previous_price,
        price,
        round(100.0 * (previous_price - price) / nullif(previous_price, 0), 2) as drop_pct
    from history
    where previous_price is not null
        and price is not null
        and price <> previous_price
        {% if is_rebuild() %}
        and scrape_date >= {{ rebuild_from() }}
        {% elif is_incremental() %}
        and scrape_date >= (select day from since)
        {% endif %}

)

select * from final
