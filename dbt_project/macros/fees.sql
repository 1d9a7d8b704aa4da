{#- Fees a seller pays on the marketplace row `f` when an item sells for `sale_price`:
    final value fee (a rate up to a threshold, another above it), a fixed fee per order,
    and payment processing. -#}
{% macro exit_fees(sale_price, f) %}
    (
        least({{ sale_price }}, {{ f }}.fee_threshold) * {{ f }}.final_value_fee_pct / 100.0
        + greatest({{ sale_price }} - {{ f }}.fee_threshold, 0)
            * {{ f }}.fee_pct_above_threshold / 100.0
        + {{ f }}.fixed_fee_per_order
        + {{ sale_price }} * {{ f }}.payment_fee_pct / 100.0
        + {{ f }}.payment_fixed_fee
    )
{% endmacro %}

{#- Fees a buyer pays on top of the price on the marketplace row `f` (buyer protection). -#}
{% macro buyer_fees(price, f) %}
    coalesce({{ price }} * {{ f }}.buyer_fee_pct / 100.0 + {{ f }}.buyer_fixed_fee, 0)
{% endmacro %}
