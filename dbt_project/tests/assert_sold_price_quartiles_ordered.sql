-- p25 <= median <= p75 sold price for every product and condition
select product_id, condition, p25_sold_price, median_sold_price, p75_sold_price
from {{ ref('mart_product_price_stats') }}
where not (p25_sold_price <= median_sold_price and median_sold_price <= p75_sold_price)
