"""lisworkbench:pmedian - p new sites that make the demand-weighted distance to the nearest site smallest."""

from __future__ import annotations

from ..translation import QT_TRANSLATE_NOOP
from .siting_base import SitingAlgorithm


class PMedianAlgorithm(SitingAlgorithm):
    NAME = "pmedian"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "p-median (shortest average distance)")
    MODEL = "pmedian"
    HELP = ("Choose P new sites from the candidates so that the total demand-weighted distance from each area to "
            "its nearest open site is smallest (existing sites always open). Solved exactly: a Lagrangian bound "
            "and reduced-cost fixing, then HiGHS; OBJECTIVE = total weighted distance. RADIUS only marks areas as "
            "covered for the gap analysis." + SitingAlgorithm.DEMAND_HELP
            + SitingAlgorithm.CAPACITY_HELP)
