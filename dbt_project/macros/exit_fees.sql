{#- Fees a seller pays on `marketplace fee row` when an item sells for `sale_price`. -#}
{% macro exit_fees(sale_price, fees) %}
    least({{ sale_price }} * {{ fees }}.final_value_fee_pct / 100.0, {{ fees }}.final_value_fee_cap)
    + {{ sale_price }} * {{ fees }}.payment_fee_pct / 100.0
    + {{ fees }}.fixed_fee_per_order
    + {{ fees }}.outbound_shipping
{% endmacro %}
