{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='listing_key',
        on_schema_change='sync_all_columns',
        post_hook="{% if is_rebuild() %}delete from {{ this }}
            where last_seen_on >= {{ rebuild_from() }}
                and listing_key not in (select listing_key from {{ ref('fct_listings') }})
            {% endif %}"
    )
}}

-- Listings with what needs other listings: the earlier listing a repost or cross-post
-- duplicates, and why a listing can never be a deal. Product identity comes from fct_listings.
-- Incremental: recomputes new listings and those seen again (in a rebuild, every listing
-- seen since its first day), and every listing of the duplicate groups they leave or join;
-- a rebuild drops listings no longer seen. (Whether a listing is still live depends on every
-- listing of its source, so fct_opportunities works it out: stored here, each new day would
-- rewrite the whole previous day.)

with

-- not materialized: DuckDB copies a CTE used twice whole, before any filter
listings as not materialized (

    select
        *,
        {{ duplicate_groups() }}
    from {{ ref('fct_listings') }}

),

{% if is_incremental() %}
previous as not materialized (

    select
        *,
        {{ duplicate_groups() }}
    from {{ this }}

),

changed as (

    {% if is_rebuild() %}
    -- a rebuild may change any listing seen since its first day
    select listing_key from listings where last_seen_on >= {{ rebuild_from() }}
    union
    select listing_key from previous where last_seen_on >= {{ rebuild_from() }}
    {% else %}
    -- new listings, and listings seen again (their last scrape moved); only listings seen
    -- since the day before the newest one can be either
    select listings.listing_key
    from listings
    left join previous
        on listings.listing_key = previous.listing_key
        and listings.last_seen_on = previous.last_seen_on
        and listings.last_seen_at = previous.last_seen_at
    where listings.last_seen_on >= (
        select coalesce(max(last_seen_on) - 1, date '1900-01-01') from previous
    )
        and previous.listing_key is null
    {% endif %}

),

affected_groups as (

    select title_group, photo_group from listings where listing_key in (select * from changed)
    union all
    select title_group, photo_group from previous where listing_key in (select * from changed)

),
{% endif %}

recomputed as (

    select * from listings
    {% if is_incremental() %}
    where listing_key in (select * from changed)
        or title_group in (select title_group from affected_groups)
        or photo_group in (select photo_group from affected_groups)
    {% endif %}

),

title_firsts as (

    select
        title_group,
        first(listing_key order by listed_at nulls last, listing_key) as first_by_title
    from listings
    {% if is_incremental() %}
    where title_group in (select title_group from recomputed)
    {% endif %}
    group by title_group

),

photo_firsts as (

    select
        photo_group,
        first(listing_key order by listed_at nulls last, listing_key) as first_by_photo
    from listings
    where photo_group is not null
    {% if is_incremental() %}
        and photo_group in (select photo_group from recomputed)
    {% endif %}
    group by photo_group

),

first_listings as (

    select
        recomputed.* exclude (title_group, photo_group),
        case
            when title_firsts.first_by_title <> recomputed.listing_key
                then title_firsts.first_by_title
            when photo_firsts.first_by_photo <> recomputed.listing_key
                then photo_firsts.first_by_photo
            else recomputed.listing_key
        end as first_listing_key
    from recomputed
    inner join title_firsts on recomputed.title_group = title_firsts.title_group
    left join photo_firsts on recomputed.photo_group = photo_firsts.photo_group

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
