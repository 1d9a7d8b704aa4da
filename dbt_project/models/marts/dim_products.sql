-- One row per product the listings were matched to.

with

matched as (select * from {{ ref('int_listings_matched') }}),

final as (

    select
        product_id,
        any_value(identifier) as identifier,
        any_value(title_signature) as title_signature,
        mode(brand) as brand,
        mode(category_raw) as category,
        arg_min(title, first_seen_at) as example_title,
        count(*) as listings,
        count(*) filter (where status = 'sold') as sold_listings,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from matched
    group by product_id

)

select * from final
