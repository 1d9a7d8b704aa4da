with

listings as (select * from {{ ref('fct_listings') }}),

final as (

    select
        listing_key,
        source,
        listing_id,
        product_key,
        title,
        price,
        currency,
        condition,
        category_raw,
        brand,
        listed_at,
        try_cast(json_extract_string(attributes, '$.ended_at') as timestamptz) as sold_at
    from listings
    where status = 'sold'
        and price > 0
        and exclusion_reason is null

)

select * from final
