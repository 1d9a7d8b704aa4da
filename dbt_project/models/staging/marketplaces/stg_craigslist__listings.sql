{{ stage_raw_listings('craigslist', 'craigslist') }}
