-- One row per trade (bought from a proposal with `arb-pipeline trades buy`, or imported): cost,
-- proceeds, realized profit to the cent in its own and the reporting currency, days held,
-- and the prediction it was bought on with whether the sold price fell inside p10–p90.

with

trades as (select * from {{ trades_snapshot() }}),

fx_rates as (select * from {{ ref('fx_rates') }}),

computed as (

    select
        trade_id,
        origin,
        proposal_id,
        source,
        listing_id,
        title,
        coalesce(category, 'unknown') as category,
        coalesce(condition, 'unknown') as condition,
        currency,
        case
            when sold_at is not null then 'sold'
            when listed_at is not null then 'listed'
            else 'open'
        end as status,
        bought_at,
        buy_price + buy_shipping + buy_fees as cost,
        listed_at,
        listed_marketplace,
        listed_price,
        sold_at,
        sold_marketplace,
        sold_price as proceeds,
        sale_fees,
        sale_shipping,
        fees_basis,
        sold_price - sale_fees - sale_shipping - (buy_price + buy_shipping + buy_fees)
            as realized_profit,
        coalesce(sold_at, current_date) - bought_at as days_held,
        sold_at - coalesce(listed_at, bought_at) as days_to_sell,
        pred_p10,
        pred_p50,
        pred_p90,
        pred_exit_marketplace,
        pred_days_to_sell,
        case
            when sold_at is not null and pred_p10 is not null
                then sold_price between pred_p10 and pred_p90
        end as within_interval,
        repriced_p10,
        repriced_p50,
        repriced_p90,
        repriced_model_version,
        snapshot_at
    from trades

),

final as (

    -- realized profit in the reporting currency at the rates of the sale date
    select
        computed.*,
        '{{ var("reporting_currency") }}' as reporting_currency,
        round(
            computed.realized_profit * sale_rate.usd_per_unit / reporting_rate.usd_per_unit, 2
        ) as realized_profit_reporting,
        sale_rate.usd_per_unit / reporting_rate.usd_per_unit as fx_to_reporting
    from computed
    asof left join fx_rates as sale_rate
        on computed.currency = sale_rate.currency
        and coalesce(computed.sold_at, current_date) >= sale_rate.valid_from
    asof left join fx_rates as reporting_rate
        on reporting_rate.currency = '{{ var("reporting_currency") }}'
        and coalesce(computed.sold_at, current_date) >= reporting_rate.valid_from

)

select * from final
