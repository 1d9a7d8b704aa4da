-- What each product sells for, per condition, over the last `comps_window_days` (counted back
-- from the newest sale in the data): sold price quartiles in the reporting currency, number of
-- comps, sell-through (sold / ended) and median days to sell. Fewer than `min_comps` comps
-- says so in `comps_status` instead of pretending to know.

with

matched as (select * from {{ ref('int_listings_matched') }}),

ended as (

    select
        product_id,
        condition,
        status,
        price_reporting,
        reporting_currency,
        coalesce(
            sold_at,
            try_cast(json_extract_string(attributes, '$.ended_at') as timestamptz),
            status_changed_at
        ) as ended_at,
        date_diff('day', listed_at, sold_at) as days_to_sell
    from matched
    where status in ('sold', 'ended')
        and exclusion_reason is null

),

windowed as (

    select *
    from ended
    where ended_at >= (select max(ended_at) from ended) - interval {{ var('comps_window_days') }} day

),

final as (

    select
        product_id,
        condition,
        any_value(reporting_currency) as reporting_currency,
        count(*) filter (where status = 'sold') as comps_count,
        count(*) as ended_count,
        round(count(*) filter (where status = 'sold') / count(*), 4) as sell_through,
        round(median(price_reporting) filter (where status = 'sold'), 2) as median_sold_price,
        round(quantile_cont(price_reporting, 0.25) filter (where status = 'sold'), 2)
            as p25_sold_price,
        round(quantile_cont(price_reporting, 0.75) filter (where status = 'sold'), 2)
            as p75_sold_price,
        median(days_to_sell) filter (where status = 'sold') as median_days_to_sell,
        case
            when count(*) filter (where status = 'sold') >= {{ var('min_comps') }} then 'ok'
            else 'too_few_comps'
        end as comps_status
    from windowed
    group by product_id, condition

)

select * from final
