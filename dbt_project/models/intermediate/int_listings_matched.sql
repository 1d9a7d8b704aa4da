-- a table, not a view: dim_products, comps, price stats, opportunities and tests all read it
{{ config(materialized="table") }}

-- Listings with what needs all listings at once: whether a listing is still live (seen in
-- its source's latest scrape), the earlier listing a repost or cross-post duplicates, and
-- why a listing can never be a deal. Product identity comes from fct_listings.

with

listings as (select * from {{ ref('fct_listings') }}),

matched as (

    select
        *,
        last_seen_on = max(last_seen_on) over (partition by source) as is_live,
        -- the same item listed twice (a repost or a cross-post): the same title at the same
        -- price, or the same seller with the same photo at the same price (stock photos of
        -- different sellers are not duplicates)
        first_value(listing_key) over (
            partition by status, lower(title), price, currency
            order by listed_at nulls last, listing_key
        ) as first_by_title,
        case when image_url is not null then first_value(listing_key) over (
            partition by status, seller_id, image_url, price, currency
            order by listed_at nulls last, listing_key
        ) end as first_by_photo
    from listings

),

first_listings as (

    select
        * exclude (first_by_title, first_by_photo),
        case
            when first_by_title <> listing_key then first_by_title
            when first_by_photo <> listing_key then first_by_photo
            else listing_key
        end as first_listing_key
    from matched

),

final as (

    select
        * exclude (first_listing_key),
        case
            when first_listing_key <> listing_key and price is not null then first_listing_key
        end as duplicate_of,
        case
            when condition = 'for_parts' then 'for_parts'
            when exclusion_rule is not null then exclusion_rule
            when price is null then 'no_price'
            when first_listing_key <> listing_key then 'duplicate'
        end as exclusion_reason
    from first_listings

)

select * from final
