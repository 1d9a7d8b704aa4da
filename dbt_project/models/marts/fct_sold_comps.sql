-- Sold listings usable as price comparables, one row per sold listing.

with

matched as (select * from {{ ref('int_listings_matched') }}),

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
        date_diff('day', listed_at, sold_at) as days_to_sell
    from matched
    where status = 'sold'
        and price > 0
        and exclusion_reason is null

)

select * from final
