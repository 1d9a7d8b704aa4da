{#- Staging for one source of the raw lake: select its partitions, rename and cast. -#}
{% macro stage_raw_listings(source_name) %}
with

source as (

    select * from {{ source('lake', 'raw_listings') }}
    where source = '{{ source_name }}'

),

renamed as (

    select
        source,
        listing_id,
        source || ':' || listing_id as listing_key,
        url,
        title,
        cast(price as decimal(12, 2)) as price,
        upper(currency) as currency,
        cast(shipping_price as decimal(12, 2)) as shipping_price,
        condition,
        condition_raw,
        category_raw,
        brand,
        location,
        seller_id,
        image_url,
        listed_at,
        status,
        scraped_at,
        cast(date as date) as scrape_date,
        attributes

    from source

)

select * from renamed
{% endmacro %}
