-- p10 <= p50 <= p90 for every priced opportunity
select listing_key, pred_p10, pred_p50, pred_p90
from {{ ref('fct_opportunities') }}
where not (pred_p10 <= pred_p50 and pred_p50 <= pred_p90)
