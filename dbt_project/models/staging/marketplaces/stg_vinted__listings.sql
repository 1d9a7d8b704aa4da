{{ stage_raw_listings('vinted', 'vinted') }}
