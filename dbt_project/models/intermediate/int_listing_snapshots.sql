{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_key',
        on_schema_change='append_new_columns',
        pre_hook="{% if is_rebuild() %}delete from {{ this }}
            where scrape_date between {{ rebuild_from() }} and {{ rebuild_to() }}{% endif %}"
    )
}}

-- One row per listing per scrape date (the last scrape of that day). Incremental: each run
-- re-reads only the last `snapshot_lookback_days` of partitions, so a new partition costs
-- work in proportion to its rows. After a re-parse of older days, a rebuild
-- (vars rebuild_from/rebuild_to) deletes that window of dates and re-reads it from the lake.

with

listings as (select * from {{ ref('stg_lake__listings') }}),

recent as (

    select * from listings
    {% if is_rebuild() %}
    where scrape_date between {{ rebuild_from() }} and {{ rebuild_to() }}
    {% elif is_incremental() %}
    where scrape_date >= (
        select max(scrape_date) - {{ var('snapshot_lookback_days', 1) }} from {{ this }}
    )
    {% endif %}

),

final as (

    select
        listing_key || '@' || strftime(scrape_date, '%Y-%m-%d') as snapshot_key,
        *
    from recent
    qualify row_number() over (
        partition by listing_key, scrape_date order by scraped_at desc
    ) = 1

)

select * from final
