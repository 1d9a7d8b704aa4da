with

listings as (select * from {{ ref('int_listings_classified') }}),

final as (

    select
        listing_key,
        source,
        listing_id,
        url,
        title,
        price,
        currency,
        shipping_price,
        condition,
        condition_raw,
        category_raw,
        brand,
        location,
        seller_id,
        image_url,
        listed_at,
        status,
        product_key,
        duplicate_of,
        exclusion_reason,
        first_seen_at,
        last_seen_at,
        times_seen,
        attributes
    from listings

)

select * from final
