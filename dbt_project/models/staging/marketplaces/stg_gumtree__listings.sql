{{ stage_raw_listings('gumtree', 'gumtree') }}
