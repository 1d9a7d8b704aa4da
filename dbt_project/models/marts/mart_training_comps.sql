-- The resale model's training rows: every sold comp with the model's columns. Comps in every
-- currency train one model in the reporting currency (each converted at its listing date's
-- rate); `marketplace` is where the comp sold, so the model prices per exit. The sale date
-- stands in as `listed_at`: the model's holdout is ordered by it.

with

comps as (select * from {{ ref('fct_sold_comps') }}),

listings as (select * from {{ ref('fct_listings') }}),

final as (

    select
        comps.listing_key,
        comps.title,
        cast(comps.price_reporting as double) as price,
        comps.reporting_currency as currency,
        comps.marketplace,
        comps.condition,
        comps.category_raw as category,
        comps.brand,
        comps.sold_at as listed_at,
        {{ listing_model_features('listings') }}
    from comps
    left join listings using (listing_key)

)

select * from final
