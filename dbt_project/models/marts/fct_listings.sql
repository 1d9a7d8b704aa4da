{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='listing_key',
        on_schema_change='append_new_columns',
        post_hook="{% if is_rebuild() %}delete from {{ this }}
            where first_seen_on <= {{ rebuild_to() }} and last_seen_on >= {{ rebuild_from() }}
                and listing_key not in (
                    select listing_key from {{ ref('int_listing_snapshots') }}
                ){% endif %}"
    )
}}

-- One row per (source, listing_id): its latest state, when it was first and last seen, how
-- often, when its status last changed, and its prices in the reporting currency.
-- Incremental: only listings seen in new snapshots are recomputed. A rebuild of a window
-- recomputes every listing seen in it before or after, and drops those no longer seen at all.

with

snapshots as (select * from {{ ref('int_listing_snapshots') }}),

fx_rates as (select * from {{ ref('fx_rates') }}),

stop_words as (select list(word) as words from {{ ref('title_stop_words') }}),

exclusion_rules as (select * from {{ ref('listing_exclusion_rules') }}),

{% if is_rebuild() %}
touched as (

    select listing_key
    from snapshots
    where scrape_date between {{ rebuild_from() }} and {{ rebuild_to() }}
    union
    select listing_key
    from {{ this }}
    where first_seen_on <= {{ rebuild_to() }} and last_seen_on >= {{ rebuild_from() }}

),
{% elif is_incremental() %}
touched as (

    -- listings with a snapshot this table has not seen: a new day, or a re-scraped one
    select distinct snapshots.listing_key
    from snapshots
    left join {{ this }} as known on snapshots.listing_key = known.listing_key
    where snapshots.scrape_date >= (select max(last_seen_on) - 1 from {{ this }})
        and (
            known.listing_key is null
            or snapshots.scrape_date > known.last_seen_on
            or snapshots.scraped_at > known.last_seen_at
        )

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

identified as (

    -- product identity: an identifier when the listing carries one (GTIN, UPC, EAN, ISBN,
    -- MPN in attributes, or a GTIN/ISBN-shaped number in the title), else a title signature:
    -- its first 12 words without punctuation, stop words or condition words
    select
        converted.*,
        coalesce(
            json_extract_string(attributes, '$.gtin'),
            json_extract_string(attributes, '$.upc'),
            json_extract_string(attributes, '$.ean'),
            json_extract_string(attributes, '$.isbn'),
            nullif(regexp_extract(title, '\b(97[89]\d{10}|\d{12,13})\b', 1), ''),
            json_extract_string(attributes, '$.mpn')
        ) as identifier,
        array_to_string(list_slice(list_filter(
            string_split(regexp_replace(lower(title), '[^a-z0-9]+', ' ', 'g'), ' '),
            lambda word: word <> '' and not list_contains(stop_words.words, word)
        ), 1, 12), ' ') as title_signature
    from converted
    cross join stop_words

),

excluded as (

    select
        identified.listing_key,
        min(exclusion_rules.reason) as exclusion_rule
    from identified
    inner join exclusion_rules
        on regexp_matches(lower(identified.title), exclusion_rules.pattern)
    group by identified.listing_key

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
        identifier,
        title_signature,
        case
            when identifier is not null then 'id:' || identifier
            else 'sig:' || title_signature
        end as product_id,
        excluded.exclusion_rule,
        attributes
    from identified
    left join excluded using (listing_key)

)

select * from final
