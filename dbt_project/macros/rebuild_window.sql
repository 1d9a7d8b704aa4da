{#- A date-range rebuild (e.g. after re-parsing archived days): with the vars `rebuild_from`
    and `rebuild_to` (YYYY-MM-DD, inclusive) an incremental run re-reads exactly that window of
    scrape dates from the lake and replaces what depends on it, instead of reading the newest
    days. A --full-refresh ignores the window. -#}

{#- The window as two ISO date strings, or none when no rebuild was asked for. -#}
{% macro rebuild_window() %}
    {%- set start = var('rebuild_from', none) -%}
    {%- set end = var('rebuild_to', none) -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if start is none or end is none -%}
        {{ exceptions.raise_compiler_error(
            "rebuild_from and rebuild_to go together; got rebuild_from=" ~ start
            ~ ", rebuild_to=" ~ end) }}
    {%- endif -%}
    {%- set window = [start | string, end | string] -%}
    {%- for name, value in [('rebuild_from', window[0]), ('rebuild_to', window[1])] -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
            {{ exceptions.raise_compiler_error(
                name ~ " must be a date like 2026-11-18, not '" ~ value ~ "'") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if window[0] > window[1] -%}
        {{ exceptions.raise_compiler_error(
            "rebuild_from " ~ window[0] ~ " is after rebuild_to " ~ window[1]) }}
    {%- endif -%}
    {{ return(window) }}
{% endmacro %}


{#- True when this run of an incremental model rebuilds a window (not a full refresh). -#}
{% macro is_rebuild() %}
    {%- set window = rebuild_window() -%}  {#- validated even when the model builds in full -#}
    {{ return(window is not none and is_incremental()) }}
{% endmacro %}


{#- The window's first and last scrape date as SQL date literals. -#}
{% macro rebuild_from() %}date '{{ rebuild_window()[0] }}'{% endmacro %}

{% macro rebuild_to() %}date '{{ rebuild_window()[1] }}'{% endmacro %}
