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

{#- The exclusion rules (seed listing_exclusion_rules) become constant patterns: a join on
    the pattern column compiled each regex again for every title. -#}
{%- set exclusion_rules_relation = ref('listing_exclusion_rules') -%}
{%- set exclusion_rules = [] -%}
{%- if execute -%}
    {%- set exclusion_rules = run_query(
        'select reason, pattern from ' ~ exclusion_rules_relation ~ ' order by reason'
    ).rows -%}
{%- endif %}

with

-- not materialized: DuckDB copies a CTE used twice whole, before any filter
snapshots as not materialized (select * from {{ ref('int_listing_snapshots') }}),

fx_rates as (select * from {{ ref('int_fx_rates') }}),

identities as (select * from {{ ref('int_product_identities') }}),

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

seen as (

    -- aggregates, not windows: one hash pass per listing instead of a sort per window, and
    -- small per-listing state (the latest row is joined back below), so big builds stay
    -- in memory
    select
        listing_key,
        min(scraped_at) as first_seen_at,
        max(scraped_at) as last_seen_at,
        min(scrape_date) as first_seen_on,
        max(scrape_date) as last_seen_on,
        count(*) as times_seen,
        arg_min_null(price, scrape_date) as first_price,
        arg_max_null(status, scrape_date) as latest_status
    from history
    group by listing_key

),

other_status as (

    -- the last day each listing had a status other than its latest one
    select
        history.listing_key,
        max(history.scrape_date) filter (
            where history.status is distinct from seen.latest_status
        ) as other_status_on
    from history
    inner join seen using (listing_key)
    group by history.listing_key

),

status_changes as (

    -- the current status began with the first scrape after that day
    select
        history.listing_key,
        min(history.scraped_at) as status_changed_at
    from history
    inner join other_status using (listing_key)
    where other_status.other_status_on is null
        or history.scrape_date > other_status.other_status_on
    group by history.listing_key

),

current_state as (

    -- each listing's latest snapshot
    select
        history.*,
        status_changes.status_changed_at,
        seen.first_seen_at,
        seen.last_seen_at,
        seen.first_seen_on,
        seen.last_seen_on,
        seen.times_seen,
        seen.first_price
    from history
    inner join seen
        on history.listing_key = seen.listing_key
        and history.scrape_date = seen.last_seen_on
    inner join status_changes on history.listing_key = status_changes.listing_key

),

converted as (

    select
        current_state.*,
        '{{ var("reporting_currency") }}' as reporting_currency,
        latest_rate.usd_per_unit / reporting_rate.usd_per_unit as fx_to_reporting
    from current_state
    asof left join fx_rates as latest_rate
        on current_state.currency = latest_rate.currency
        and coalesce(current_state.listed_at, current_state.scraped_at)::date
            >= latest_rate.valid_from
    asof left join fx_rates as reporting_rate
        on reporting_rate.currency = '{{ var("reporting_currency") }}'
        and coalesce(current_state.listed_at, current_state.scraped_at)::date
            >= reporting_rate.valid_from

),

identified as (

    -- product identity (arb_pipeline.products, through the Python model
    -- int_product_identities): an identifier, else the title's attributes, else a fuzzy match
    -- or the title's own words
    select
        converted.*,
        identities.product_id,
        identities.identified_by,
        identities.product_kind,
        case
            when identities.identified_by = 'identifier' then identities.product_identifier
        end as identifier
    from converted
    left join identities on {{ product_identity_key() }} = identities.identity_key

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
        product_id,
        identified_by,
        product_kind,
        -- the first exclusion rule, by reason, whose pattern the title matches
        {% if exclusion_rules %}
        case
            {% for reason, pattern in exclusion_rules %}
            when regexp_matches(lower(title), '{{ pattern | replace("'", "''") }}')
                then '{{ reason }}'
            {% endfor %}
        end
        {% else %}
        cast(null as varchar)
        {% endif %} as exclusion_rule,
        attributes
    from identified

)

select * from final
