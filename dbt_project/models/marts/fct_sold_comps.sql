{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='listing_key',
        on_schema_change='append_new_columns',
        post_hook="{% if is_incremental() %}delete from {{ this }}
            where listing_key not in (select listing_key from {{ ref('int_listings_matched') }}
                where status = 'sold' and price > 0 and exclusion_reason is null
                and json_extract_string(attributes, '$.best_offer_accepted')
                    is distinct from 'true'){% endif %}"
    )
}}

-- Sold listings usable as price comparables, one row per sold listing, with the marketplace
-- it sold on. Incremental: writes only the comps that are new or changed (a listing sold,
-- repriced, or now a duplicate) and drops those that stopped qualifying, instead of
-- rewriting the table.

with

matched as (

    select
        * replace (
            -- a sold Mercari item's last update is its sale; sold_at is when we saw it sold
            case
                when marketplace = 'mercari' then coalesce(
                    try_cast(json_extract_string(attributes, '$.updated_at') as timestamptz),
                    sold_at
                )
                else sold_at
            end as sold_at
        )
    from {{ ref('int_listings_matched') }}

),

final as (

    select
        listing_key,
        source,
        listing_id,
        product_id,
        title,
        price,
        currency,
        price_reporting,
        reporting_currency,
        condition,
        category_raw,
        brand,
        listed_at,
        sold_at,
        date_diff('day', listed_at, sold_at) as days_to_sell,
        -- where it sold: the exit marketplace the resale model prices for (last, so that
        -- warehouses built before it gain the column at the end of the table)
        marketplace
    from matched
    where status = 'sold'
        and price > 0
        and exclusion_reason is null
        -- eBay shows a "Best offer accepted" sale at its listed price, only an upper bound of
        -- what it sold for: not a comparable
        and json_extract_string(attributes, '$.best_offer_accepted') is distinct from 'true'

),

changed as (

    select * from final
    {% if is_incremental() %}
    except
    select * from {{ this }}
    {% endif %}

)

select * from changed
