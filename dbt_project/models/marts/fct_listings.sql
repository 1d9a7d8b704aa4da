{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='listing_key',
        on_schema_change='append_new_columns'
    )
}}

-- One row per (source, listing_id): its latest state, when it was first and last seen, how
-- often, when its status last changed, and its prices in the reporting currency.
-- Incremental: only listings seen in new snapshots are recomputed.

with

snapshots as (select * from {{ ref('int_listing_snapshots') }}),

fx_rates as (select * from {{ ref('fx_rates') }}),

{% if is_incremental() %}
touched as (

    select distinct listing_key
    from snapshots
    where scrape_date >= (select max(last_seen_on) - 1 from {{ this }})

),
{% endif %}

history as (

    select snapshots.*
    from snapshots
    {% if is_incremental() %}
    inner join touched using (listing_key)
    {% endif %}

),

status_runs as (

    -- number the runs of equal status per listing, so a change starts a new run
    select
        *,
        sum(case when status is distinct from previous_status then 1 else 0 end) over (
            partition by listing_key order by scrape_date
        ) as status_run
    from (
        select
            *,
            lag(status) over (partition by listing_key order by scrape_date) as previous_status
        from history
    )

),

latest as (

    select
        * exclude (previous_status, status_run),
        min(scraped_at) over (partition by listing_key, status_run) as status_changed_at,
        min(scraped_at) over listing as first_seen_at,
        max(scraped_at) over listing as last_seen_at,
        min(scrape_date) over listing as first_seen_on,
        max(scrape_date) over listing as last_seen_on,
        count(*) over listing as times_seen,
        first_value(price) over (listing order by scrape_date) as first_price
    from status_runs
    window listing as (partition by listing_key)
    qualify row_number() over (listing order by scrape_date desc) = 1

),

converted as (

    select
        latest.*,
        '{{ var("reporting_currency") }}' as reporting_currency,
        latest_rate.usd_per_unit / reporting_rate.usd_per_unit as fx_to_reporting
    from latest
    asof left join fx_rates as latest_rate
        on latest.currency = latest_rate.currency
        and coalesce(latest.listed_at, latest.scraped_at)::date >= latest_rate.valid_from
    asof left join fx_rates as reporting_rate
        on reporting_rate.currency = '{{ var("reporting_currency") }}'
        and coalesce(latest.listed_at, latest.scraped_at)::date >= reporting_rate.valid_from

),

final as (

    select
        listing_key,
        source,
        marketplace,
        listing_id,
        url,
        title,
        price,
        currency,
        shipping_price,
        cast(round(price * fx_to_reporting, 2) as decimal(14, 2)) as price_reporting,
        cast(round(shipping_price * fx_to_reporting, 2) as decimal(14, 2))
            as shipping_price_reporting,
        reporting_currency,
        fx_to_reporting,
        first_price,
        condition,
        condition_raw,
        category_raw,
        brand,
        location,
        seller_id,
        image_url,
        listed_at,
        status,
        status_changed_at,
        case
            when status = 'sold'
                then coalesce(
                    try_cast(json_extract_string(attributes, '$.ended_at') as timestamptz),
                    status_changed_at
                )
        end as sold_at,
        first_seen_at,
        last_seen_at,
        first_seen_on,
        last_seen_on,
        times_seen,
        attributes
    from converted

)

select * from final
