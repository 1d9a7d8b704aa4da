-- Every live active listing priced as a purchase: landed cost (price, shipping, buyer fees),
-- predicted resale p10/p50/p90, the exit marketplace that nets the most after its fees and
-- typical shipping, profit, margin, ROI, the profit if it resells only at p10, the highest
-- offer that still breaks even at p10, comps and a confidence.

with

-- not materialized: DuckDB copies a CTE used twice whole, before any filter
matched as not materialized (select * from {{ ref('int_listings_matched') }}),

source_latest as (

    select source, max(last_seen_on) as latest_on
    from matched
    group by source

),

listings as (

    -- active listings still live: seen in their source's latest scrape
    select matched.*
    from matched
    inner join source_latest
        on matched.source = source_latest.source
        and matched.last_seen_on = source_latest.latest_on
    where matched.status = 'active'

),

predictions as (select * from {{ source('lake', 'resale_predictions') }}),

price_stats as (select * from {{ ref('mart_product_price_stats') }}),

fees as (select * from {{ ref('int_marketplace_fees_current') }}),

shipping as (select * from {{ ref('typical_shipping') }}),

product_comps as (

    select
        product_id,
        sum(comps_count) as comps_count,
        sum(comps_count) / nullif(sum(ended_count), 0) as sell_through
    from price_stats
    group by product_id

),

priced as (

    select
        listings.listing_key,
        listings.source,
        listings.marketplace,
        listings.listing_id,
        listings.title,
        -- the seller's own text, for vetting (scam signals, accessories, copied text)
        json_extract_string(listings.attributes, '$.description') as description,
        listings.url,
        listings.image_url,
        listings.condition,
        listings.category_raw,
        listings.product_id,
        listings.price,
        listings.currency,
        coalesce(listings.shipping_price, 0) as shipping_price,
        listings.fx_to_reporting,
        listings.reporting_currency,
        predictions.pred_p10,
        predictions.pred_p50,
        predictions.pred_p90,
        predictions.currency as prediction_currency,
        coalesce(product_comps.comps_count, 0) as comps_count,
        -- the sell-through model's probability for this listing, else the product's history
        coalesce(predictions.sell_probability, product_comps.sell_through) as sell_through,
        listings.exclusion_reason
    from listings
    inner join predictions
        on listings.source = predictions.source
        and listings.listing_id = predictions.listing_id
    left join product_comps on listings.product_id = product_comps.product_id

),

with_buyer_fees as (

    select
        priced.*,
        {{ buyer_fees('priced.price', 'fees') }} as buyer_fees,
        coalesce(fees.buyer_fee_pct, 0) as buyer_fee_pct,
        coalesce(fees.buyer_fixed_fee, 0) as buyer_fixed_fee
    from priced
    left join fees
        on priced.marketplace = fees.marketplace
        and priced.currency = fees.currency
        and fees.category = '*'

),

exit_candidates as (

    -- each exit marketplace's fee row for the listing's category, else its default row
    select
        with_buyer_fees.*,
        fees.marketplace as exit_marketplace,
        {{ exit_fees('with_buyer_fees.pred_p50', 'fees') }} as exit_fees,
        {{ exit_fees('with_buyer_fees.pred_p10', 'fees') }} as exit_fees_p10
    from with_buyer_fees
    inner join fees
        on fees.currency = with_buyer_fees.prediction_currency
        and fees.is_exit_channel
        and fees.category in (with_buyer_fees.category_raw, '*')
    qualify row_number() over (
        partition by with_buyer_fees.listing_key, fees.marketplace
        order by fees.category = '*'
    ) = 1

),

with_shipping as (

    select
        exit_candidates.*,
        shipping.outbound_shipping
    from exit_candidates
    inner join shipping
        on shipping.currency = exit_candidates.prediction_currency
        and shipping.category in (exit_candidates.category_raw, '*')
    qualify row_number() over (
        partition by exit_candidates.listing_key, exit_candidates.exit_marketplace
        order by shipping.category = '*'
    ) = 1

),

best_exit as (

    select
        *,
        price + shipping_price + buyer_fees as landed_cost
    from with_shipping
    qualify row_number() over (
        partition by listing_key order by exit_fees + outbound_shipping, exit_marketplace
    ) = 1

),

final as (

    select
        listing_key,
        source,
        listing_id,
        title,
        description,
        url,
        image_url,
        condition,
        category_raw,
        product_id,
        price,
        currency,
        shipping_price,
        round(buyer_fees, 2) as buyer_fees,
        round(landed_cost, 2) as landed_cost,
        round(pred_p10, 2) as pred_p10,
        round(pred_p50, 2) as pred_p50,
        round(pred_p90, 2) as pred_p90,
        exit_marketplace,
        round(exit_fees, 2) as exit_fees,
        outbound_shipping,
        round(pred_p50 - exit_fees - outbound_shipping - landed_cost, 2) as profit,
        round(pred_p10 - exit_fees_p10 - outbound_shipping - landed_cost, 2) as profit_p10,
        round((pred_p50 - exit_fees - outbound_shipping - landed_cost) / nullif(pred_p50, 0), 4)
            as margin,
        round(
            (pred_p50 - exit_fees - outbound_shipping - landed_cost) / nullif(landed_cost, 0), 4
        ) as roi,
        round(greatest(
            (pred_p10 - exit_fees_p10 - outbound_shipping - shipping_price - buyer_fixed_fee)
            / (1 + buyer_fee_pct / 100.0),
            0
        ), 2) as max_offer,
        round((pred_p50 - exit_fees - outbound_shipping - landed_cost) * fx_to_reporting, 2)
            as profit_reporting,
        reporting_currency,
        comps_count,
        round(sell_through, 4) as sell_through,
        case
            when comps_count >= 2 * {{ var('min_comps') }}
                and (pred_p90 - pred_p10) / pred_p50 <= 0.6
                and coalesce(sell_through, 0) >= 0.5
                then 'high'
            when comps_count >= {{ var('min_comps') }}
                and (pred_p90 - pred_p10) / pred_p50 <= 1.0
                then 'medium'
            else 'low'
        end as confidence,
        case
            when prediction_currency <> currency then 'currency_mismatch'
            else exclusion_reason
        end as exclusion_reason
    from best_exit

)

select * from final
