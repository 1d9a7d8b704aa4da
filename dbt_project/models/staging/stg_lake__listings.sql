-- Every scraped listing of the lake, renamed and cast, each source mapped to the marketplace
-- it belongs to (seed listing_sources, one row per source module of arb_pipeline/sources and
-- per sandbox feed) and the marketplace's own condition words to the canonical ones.

with

source as (

    select * from {{ source('lake', 'raw_listings') }}

),

listing_sources as (

    select * from {{ ref('listing_sources') }}

),

condition_map as (

    select * from {{ ref('condition_map') }}

),

renamed as (

    select
        source.source,
        listing_sources.marketplace,
        source.listing_id,
        source.source || ':' || source.listing_id as listing_key,
        source.url,
        source.title,
        cast(source.price as decimal(14, 2)) as price,
        upper(source.currency) as currency,
        cast(source.shipping_price as decimal(14, 2)) as shipping_price,
        coalesce(condition_map.condition, source.condition) as condition,
        source.condition_raw,
        source.category_raw,
        source.brand,
        source.location,
        source.seller_id,
        source.image_url,
        source.listed_at,
        source.status,
        source.scraped_at,
        cast(source.date as date) as scrape_date,
        source.attributes

    from source
    left join listing_sources
        on source.source = listing_sources.source
    left join condition_map
        on listing_sources.marketplace = condition_map.marketplace
        and lower(trim(source.condition_raw)) = condition_map.condition_raw

)

select * from renamed
