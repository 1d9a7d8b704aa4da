{{ stage_raw_listings('kleinanzeigen', 'kleinanzeigen') }}
