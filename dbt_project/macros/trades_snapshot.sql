{#- The trades ledger's lake snapshot, or an empty relation of the same columns before the
    trades_ledger asset first wrote it (a warehouse build must not fail for want of trades). -#}
{% macro trades_snapshot() %}
    {%- set snapshot = source('ledger', 'trades') -%}
    {%- set path = var('arb_home', env_var('ARB_HOME', '../.arb')) ~ '/lake/trades/trades.parquet' -%}
    {%- set found = 0 -%}
    {%- if execute -%}
        {%- set found = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] -%}
    {%- endif -%}
    {%- if found > 0 -%}
        {{ snapshot }}
    {%- else -%}
        (
            select
                null::bigint as trade_id, null::varchar as origin, null::bigint as proposal_id,
                null::varchar as source, null::varchar as listing_id, null::varchar as title,
                null::varchar as category, null::varchar as condition, null::varchar as currency,
                null::date as bought_at, null::decimal(18, 2) as buy_price,
                null::decimal(18, 2) as buy_shipping, null::decimal(18, 2) as buy_fees,
                null::date as listed_at, null::varchar as listed_marketplace,
                null::decimal(18, 2) as listed_price, null::date as sold_at,
                null::varchar as sold_marketplace, null::decimal(18, 2) as sold_price,
                null::decimal(18, 2) as sale_fees, null::decimal(18, 2) as sale_shipping,
                null::varchar as fees_basis, null::double as pred_p10, null::double as pred_p50,
                null::double as pred_p90, null::varchar as pred_exit_marketplace,
                null::double as pred_days_to_sell, null::double as repriced_p10,
                null::double as repriced_p50, null::double as repriced_p90,
                null::varchar as repriced_model_version, null::timestamptz as snapshot_at
            where false
        )
    {%- endif -%}
{% endmacro %}
