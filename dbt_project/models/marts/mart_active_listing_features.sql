-- What the resale model prices: every active listing with the model's columns, its price in
-- the reporting currency (the model's).

with

listings as (select * from {{ ref('fct_listings') }}),

final as (

    select
        listings.source,
        listings.listing_id,
        listings.title,
        cast(listings.price_reporting as double) as price,
        listings.reporting_currency as currency,
        listings.condition,
        listings.category_raw as category,
        listings.brand,
        {{ listing_model_features('listings') }}
    from listings
    where listings.status = 'active'

)

select * from final
