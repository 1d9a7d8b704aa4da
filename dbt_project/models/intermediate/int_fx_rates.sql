-- US dollars per unit of each currency from a date on: the ECB's reference rates (asset
-- fx_rates_ecb, refreshed each working day) where it has published them, and the seed
-- fx_rates as the fallback: before the first ECB day, for currencies the ECB does not
-- publish, and for everything while no ECB file has been fetched yet.

{%- set ecb_relation = source('lake', 'fx_rates_ecb') %}
{%- set ecb_path = var('arb_home', env_var('ARB_HOME', '../.arb')) ~ '/lake/fx/ecb_rates.parquet' %}
{%- set has_ecb = false %}
{%- if execute %}
    {%- set has_ecb = run_query("select count(*) from glob('" ~ ecb_path ~ "')").rows[0][0] > 0 %}
{%- endif %}

with

seed as (

    select currency, valid_from, usd_per_unit, 'seed' as rate_source
    from {{ ref('fx_rates') }}

),

ecb as (

    {% if has_ecb %}
    select currency, cast(valid_from as date) as valid_from, usd_per_unit, 'ecb' as rate_source
    from {{ ecb_relation }}
    {% else %}
    select * from seed where false
    {% endif %}

),

final as (

    select * from ecb
    union all
    select seed.*
    from seed
    anti join ecb on seed.currency = ecb.currency and seed.valid_from = ecb.valid_from

)

select * from final
