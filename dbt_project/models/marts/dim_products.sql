-- One row per product the listings were matched to.

with

matched as (select * from {{ ref('int_listings_matched') }}),

final as (

    select
        product_id,
        -- ties broken by value or key, so every build of the same listings agrees
        any_value(identifier) as identifier,
        -- one method per product, except sig: products that gathered fuzzy matches
        mode(identified_by order by identified_by) as identified_by,
        mode(product_kind order by product_kind) as product_kind,
        mode(brand order by brand) as brand,
        mode(category_raw order by category_raw) as category,
        first(title order by first_seen_at, listing_key) as example_title,
        count(*) as listings,
        count(*) filter (where status = 'sold') as sold_listings,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from matched
    group by product_id

)

select * from final
