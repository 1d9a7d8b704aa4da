with

ebay_api as (select * from {{ ref('stg_sandbox_ebay_api__listings') }}),

ebay_finding as (select * from {{ ref('stg_sandbox_ebay_finding__listings') }}),

craigslist as (select * from {{ ref('stg_sandbox_craigslist__listings') }}),

unioned as (

    select * from ebay_api
    union all by name
    select * from ebay_finding
    union all by name
    select * from craigslist

),

latest as (

    select
        *,
        min(scraped_at) over (partition by listing_key) as first_seen_at,
        max(scraped_at) over (partition by listing_key) as last_seen_at,
        count(distinct scrape_date) over (partition by listing_key) as times_seen
    from unioned
    qualify row_number() over (
        partition by listing_key order by scrape_date desc, scraped_at desc
    ) = 1

)

select * from latest
