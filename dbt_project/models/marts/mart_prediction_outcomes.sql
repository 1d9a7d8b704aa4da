-- How the model's predictions held, per category and exit marketplace, over trades sold in
-- the last 90 days: the share of sold prices inside p10–p90, the median error against p50
-- and its bias, and predicted against realized days to sell.

with

trades as (select * from {{ ref('fct_trades') }}),

closed as (

    select
        category,
        -- the exit the prediction was for; a trade bought without one (an import) counts
        -- where it sold
        coalesce(pred_exit_marketplace, sold_marketplace, 'unknown') as exit_marketplace,
        realized_profit_reporting,
        reporting_currency,
        within_interval,
        pred_days_to_sell,
        days_to_sell,
        (proceeds::double - pred_p50) / nullif(pred_p50, 0) as relative_error
    from trades
    where status = 'sold' and sold_at >= current_date - interval 90 day

),

final as (

    select
        category,
        exit_marketplace,
        count(*) as trades_closed,
        count(relative_error) as trades_with_prediction,
        avg(within_interval::int) as share_within_interval,
        median(abs(relative_error)) as median_abs_error,
        median(relative_error) as bias,
        avg(pred_days_to_sell) as predicted_days_to_sell,
        median(days_to_sell) as realized_days_to_sell,
        sum(realized_profit_reporting) as realized_profit_reporting,
        any_value(reporting_currency) as reporting_currency
    from closed
    group by category, exit_marketplace

)

select * from final
