"""The demo police feed: deterministic, seeded and calibrated Amersfoort incidents.

Nothing here runs at import time. Build the areas once (``AreaIndex.of_municipality``), then:

- :func:`generate_incidents` - every incident of the period, as a BVH extract (33 columns);
- :func:`generate_updates` - later versions of some of them, with the moment of the change;
- :func:`generate_bad_rows` - a few faulty rows for quarantine and the unmapped-code report;
- :func:`cbs_monthly` - the matching CBS 47022NED-shaped monthly counts;
- :func:`known_at` - when a feed knows a row (to serve it in the right day's window).
"""

from vis.demo.badrows import KIND, KINDS, QUARANTINED_KINDS, generate_bad_rows
from vis.demo.cbs import cbs_monthly
from vis.demo.generator import BVH_COLUMNS, generate_incidents
from vis.demo.params import DemoParams
from vis.demo.updates import CHANGED, generate_updates, known_at

__all__ = [
    "BVH_COLUMNS",
    "CHANGED",
    "KIND",
    "KINDS",
    "QUARANTINED_KINDS",
    "DemoParams",
    "cbs_monthly",
    "generate_bad_rows",
    "generate_incidents",
    "generate_updates",
    "known_at",
]
