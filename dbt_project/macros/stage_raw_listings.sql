{#- Staging for one source of the raw lake: select its partitions, rename, cast, and map the
    marketplace's own condition words to the canonical ones (seed condition_map). -#}
{% macro stage_raw_listings(source_name, marketplace) %}
with

source as (

    select * from {{ source('lake', 'raw_listings') }}
    where source = '{{ source_name }}'

),

condition_map as (

    select * from {{ ref('condition_map') }}
    where marketplace = '{{ marketplace }}'

),

renamed as (

    select
        source.source,
        '{{ marketplace }}' as marketplace,
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
    left join condition_map
        on lower(trim(source.condition_raw)) = condition_map.condition_raw

)

select * from renamed
{% endmacro %}
