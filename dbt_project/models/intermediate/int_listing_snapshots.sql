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

sandbox_ebay_api as (select * from {{ ref('stg_sandbox_ebay_api__listings') }}),

sandbox_ebay_finding as (select * from {{ ref('stg_sandbox_ebay_finding__listings') }}),

sandbox_craigslist as (select * from {{ ref('stg_sandbox_craigslist__listings') }}),

sandbox_facebook as (select * from {{ ref('stg_sandbox_facebook__listings') }}),

ebay_api as (select * from {{ ref('stg_ebay_api__listings') }}),

ebay as (select * from {{ ref('stg_ebay__listings') }}),

craigslist as (select * from {{ ref('stg_craigslist__listings') }}),

gumtree as (select * from {{ ref('stg_gumtree__listings') }}),

kleinanzeigen as (select * from {{ ref('stg_kleinanzeigen__listings') }}),

vinted as (select * from {{ ref('stg_vinted__listings') }}),

mercari as (select * from {{ ref('stg_mercari__listings') }}),

facebook as (select * from {{ ref('stg_facebook__listings') }}),

unioned as (

    select * from sandbox_ebay_api
    union all by name
    select * from sandbox_ebay_finding
    union all by name
    select * from sandbox_craigslist
    union all by name
    select * from sandbox_facebook
    union all by name
    select * from ebay_api
    union all by name
    select * from ebay
    union all by name
    select * from craigslist
    union all by name
    select * from gumtree
    union all by name
    select * from kleinanzeigen
    union all by name
    select * from vinted
    union all by name
    select * from mercari
    union all by name
    select * from facebook

),

recent as (

    select * from unioned
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
