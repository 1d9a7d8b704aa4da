-- Every live active listing priced as a purchase at its best exit marketplace: landed cost,
-- that exit's predicted resale p10/p50/p90, fees, shipping, profit, margin, ROI, the profit
-- if it resells only at p10, the highest offer that still breaks even at p10, days to sell
-- and profit per day there, the runner-up exit and its profit, comps and a confidence.
--
-- The best exit is the one with the highest exit_score (fct_opportunity_exits): the profit at
-- p10 less the cost of the money tied up until it sells, so a wide interval (few comps at that
-- exit) or a slow market counts against an exit however low its fees; ties by name. An exit
-- where the product has sold before comes ahead of one where it never has: a price there with
-- no comp at all is a guess, however wide its interval.

with

exits as (select * from {{ ref('fct_opportunity_exits') }}),

price_stats as (select * from {{ ref('mart_product_price_stats') }}),

product_comps as (

    select
        product_id,
        sum(comps_count) as comps_count,
        sum(comps_count) / nullif(sum(ended_count), 0) as sell_through
    from price_stats
    group by product_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by listing_key
            order by coalesce(exit_comps_count, 0) > 0 desc, exit_score desc nulls last,
                exit_marketplace
        ) as exit_rank
    from exits

),

runner_up as (

    select
        listing_key,
        exit_marketplace as runner_up_exit,
        profit as runner_up_profit,
        profit_p10 as runner_up_profit_p10
    from ranked
    where exit_rank = 2

),

best as (

    select
        ranked.*,
        coalesce(product_comps.comps_count, 0) as comps_count,
        -- the sell-through model's probability for this listing, else the product's history
        coalesce(ranked.sell_probability, product_comps.sell_through) as sell_through
    from ranked
    left join product_comps on ranked.product_id = product_comps.product_id
    where ranked.exit_rank = 1

),

final as (

    select
        best.listing_key,
        best.source,
        best.listing_id,
        best.title,
        best.description,
        best.url,
        best.image_url,
        best.condition,
        best.category_raw,
        best.product_id,
        best.price,
        best.currency,
        best.shipping_price,
        best.buyer_fees,
        best.landed_cost,
        best.exit_pred_p10 as pred_p10,
        best.exit_pred_p50 as pred_p50,
        best.exit_pred_p90 as pred_p90,
        best.exit_marketplace,
        best.exit_fees,
        best.outbound_shipping,
        best.net_proceeds,
        best.profit,
        best.profit_p10,
        round(best.profit / nullif(best.exit_pred_p50, 0), 4) as margin,
        round(best.profit / nullif(best.landed_cost, 0), 4) as roi,
        round(greatest(
            (best.exit_pred_p10 - best.exit_fees_p10 - best.outbound_shipping
                - best.shipping_price - best.buyer_fixed_fee)
            / (1 + best.buyer_fee_pct / 100.0),
            0
        ), 2) as max_offer,
        best.expected_days_to_sell,
        best.sell_probability_30d,
        best.profit_per_day,
        best.exit_score,
        runner_up.runner_up_exit,
        runner_up.runner_up_profit,
        runner_up.runner_up_profit_p10,
        round(best.profit * best.fx_to_reporting, 2) as profit_reporting,
        best.reporting_currency,
        best.prediction_currency,
        best.fx_rate_date,
        best.comps_count,
        round(best.sell_through, 4) as sell_through,
        case
            when best.comps_count >= 2 * {{ var('min_comps') }}
                and (best.exit_pred_p90 - best.exit_pred_p10) / best.exit_pred_p50 <= 0.6
                and coalesce(best.sell_through, 0) >= 0.5
                then 'high'
            when best.comps_count >= {{ var('min_comps') }}
                and (best.exit_pred_p90 - best.exit_pred_p10) / best.exit_pred_p50 <= 1.0
                then 'medium'
            else 'low'
        end as confidence,
        best.exclusion_reason
    from best
    left join runner_up on best.listing_key = runner_up.listing_key

)

select * from final
