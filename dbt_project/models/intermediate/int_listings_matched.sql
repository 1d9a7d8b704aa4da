-- a table, not a view: dim_products, comps, price stats, opportunities and tests all read it
{{ config(materialized="table") }}

-- Listings matched to products: a product identifier when the listing carries one (GTIN,
-- UPC, EAN, ISBN, MPN from attributes, or a GTIN/ISBN-shaped number in the title), else a
-- normalised title signature (words without punctuation, stop words or condition words).
-- Also: the earlier listing a repost or cross-post duplicates, and why a listing can never
-- be a deal.

with

listings as (select * from {{ ref('fct_listings') }}),

stop_words as (select word from {{ ref('title_stop_words') }}),

exclusion_rules as (select * from {{ ref('listing_exclusion_rules') }}),

identified as (

    select
        listing_key,
        coalesce(
            json_extract_string(attributes, '$.gtin'),
            json_extract_string(attributes, '$.upc'),
            json_extract_string(attributes, '$.ean'),
            json_extract_string(attributes, '$.isbn'),
            nullif(regexp_extract(title, '\b(97[89]\d{10}|\d{12,13})\b', 1), ''),
            json_extract_string(attributes, '$.mpn')
        ) as identifier
    from listings

),

title_words as (

    select
        listing_key,
        word,
        position
    from (
        select
            listing_key,
            unnest(string_split(
                trim(regexp_replace(lower(title), '[^a-z0-9]+', ' ', 'g')), ' '
            )) as word,
            generate_subscripts(string_split(
                trim(regexp_replace(lower(title), '[^a-z0-9]+', ' ', 'g')), ' '
            ), 1) as position
        from listings
    )
    where word <> '' and word not in (select word from stop_words)

),

signatures as (

    select
        listing_key,
        string_agg(word, ' ' order by position) as title_signature
    from title_words
    where position <= 12
    group by listing_key

),

excluded as (

    select
        listings.listing_key,
        min(exclusion_rules.reason) as rule_reason
    from listings
    inner join exclusion_rules
        on regexp_matches(lower(listings.title), exclusion_rules.pattern)
    group by listings.listing_key

),

matched as (

    select
        listings.*,
        identified.identifier,
        coalesce(signatures.title_signature, '') as title_signature,
        case
            when identified.identifier is not null then 'id:' || identified.identifier
            else 'sig:' || coalesce(signatures.title_signature, '')
        end as product_id,
        excluded.rule_reason,
        -- still listed: seen in its source's latest scrape
        listings.last_seen_on = max(listings.last_seen_on) over (
            partition by listings.source
        ) as is_live,
        first_value(listings.listing_key) over (
            partition by listings.status, lower(listings.title), listings.price, listings.currency
            order by listings.listed_at nulls last, listings.listing_key
        ) as first_listing_key
    from listings
    left join identified on listings.listing_key = identified.listing_key
    left join signatures on listings.listing_key = signatures.listing_key
    left join excluded on listings.listing_key = excluded.listing_key

),

final as (

    select
        * exclude (rule_reason, first_listing_key),
        case
            when first_listing_key <> listing_key and price is not null then first_listing_key
        end as duplicate_of,
        case
            when condition = 'for_parts' then 'for_parts'
            when rule_reason is not null then rule_reason
            when price is null then 'no_price'
            when first_listing_key <> listing_key then 'duplicate'
        end as exclusion_reason
    from matched

)

select * from final
