"""Split by job into selection, offers, sending, digests and expiry (modules beside this one).

Temporary: these names stay importable from here until the alerts tests being rewritten now
import them from their modules; then this module goes.
"""

from arb_pipeline.alerts.digests import send_digest  # noqa: F401
from arb_pipeline.alerts.expiry import expire_proposals  # noqa: F401
from arb_pipeline.alerts.offers import search_max_offer  # noqa: F401
from arb_pipeline.alerts.selection import due_alerts, load_candidates  # noqa: F401
from arb_pipeline.alerts.sending import Delivery, send_alert  # noqa: F401
