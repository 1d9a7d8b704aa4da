{{ stage_raw_listings('facebook', 'facebook') }}
