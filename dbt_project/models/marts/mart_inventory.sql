-- What is still held: one row per open or listed trade, with days held and its age bucket,
-- today's re-priced value (the current model's p50 at its listing, else predicted, exit),
-- the fees that exit would take, and the unrealized profit.

with

trades as (select * from {{ ref('fct_trades') }}),

fees as (select * from {{ ref('int_marketplace_fees_filtered_to_today') }}),

held as (

    select
        *,
        coalesce(listed_marketplace, pred_exit_marketplace) as exit_marketplace
    from trades
    where status in ('open', 'listed')

),

with_fees as (

    -- the exit's fee row for the item's category, else its default row
    select
        held.*,
        {{ exit_fees('held.repriced_p50', 'fees') }} as exit_fees
    from held
    left join fees
        on held.exit_marketplace = fees.marketplace
        and fees.category in (held.category, '*')
    qualify row_number() over (
        partition by held.trade_id order by fees.category = '*'
    ) = 1

),

final as (

    select
        trade_id,
        title,
        category,
        condition,
        currency,
        status,
        bought_at,
        days_held,
        case
            when days_held <= 30 then '0-30'
            when days_held <= 60 then '31-60'
            when days_held <= 90 then '61-90'
            else '90+'
        end as aging_bucket,
        pred_days_to_sell,
        coalesce(days_held > pred_days_to_sell, false) as past_predicted_days,
        cost,
        listed_marketplace,
        listed_price,
        exit_marketplace,
        repriced_p10,
        repriced_p50,
        repriced_p90,
        repriced_model_version,
        round(exit_fees, 2) as exit_fees,
        round(repriced_p50 - exit_fees - cost, 2) as unrealized_profit,
        round(unrealized_profit * fx_to_reporting, 2) as unrealized_profit_reporting,
        reporting_currency
    from with_fees

)

select * from final
