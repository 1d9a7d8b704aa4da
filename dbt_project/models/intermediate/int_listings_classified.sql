with

listings as (select * from {{ ref('int_listings_deduplicated') }}),

exclusion_rules as (select * from {{ ref('listing_exclusion_rules') }}),

excluded as (

    select
        listings.listing_key,
        min(exclusion_rules.reason) as rule_reason
    from listings
    inner join exclusion_rules
        on regexp_matches(lower(listings.title), exclusion_rules.pattern)
    group by listings.listing_key

),

signed as (

    select
        listings.*,
        excluded.rule_reason,
        -- a stopgap product signature until real product identity lands: the first four title words
        array_to_string(
            list_slice(
                string_split(trim(regexp_replace(lower(title), '[^a-z0-9 ]+', ' ', 'g')), ' '),
                1,
                4
            ),
            ' '
        ) as product_key,
        -- the same item listed twice (a repost or cross-post): same title, price and currency
        first_value(listings.listing_key) over (
            partition by listings.status, lower(listings.title), listings.price, listings.currency
            order by listings.listed_at nulls last, listings.listing_key
        ) as first_listing_key
    from listings
    left join excluded on listings.listing_key = excluded.listing_key

),

final as (

    select
        * exclude (rule_reason, first_listing_key),
        case when first_listing_key <> listing_key and price is not null
            then first_listing_key end as duplicate_of,
        case
            when condition = 'for_parts' then 'for_parts'
            when rule_reason is not null then rule_reason
            when price is null then 'no_price'
            when first_listing_key <> listing_key then 'duplicate'
        end as exclusion_reason
    from signed

)

select * from final
