-- The sell-through model's training rows: every listing that ended, sold or not, with a
-- price in the reporting currency; `sold` is what the model learns.

with

listings as (select * from {{ ref('fct_listings') }}),

final as (

    select
        listing_key,
        title,
        cast(price_reporting as double) as price,
        reporting_currency as currency,
        condition,
        category_raw as category,
        brand,
        listed_at,
        status = 'sold' as sold
    from listings
    where status in ('sold', 'ended')
        and price > 0
        and price_reporting is not null

)

select * from final
