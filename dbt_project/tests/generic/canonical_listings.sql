{#- Rows that break the canonical listing record: no listing_key or title, or a condition or
    status outside the canonical values (a null condition or status passes, as with
    accepted_values). One test per staging model instead of four keeps builds short. -#}
{% test canonical_listings(model, conditions, statuses) %}
select listing_key, title, condition, status
from {{ model }}
where listing_key is null
    or title is null
    or condition not in ('{{ conditions | join("', '") }}')
    or status not in ('{{ statuses | join("', '") }}')
{% endtest %}
