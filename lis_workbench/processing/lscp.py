"""lisworkbench:lscp - set covering: the fewest new sites that bring all (or a share of) the demand within reach."""

from __future__ import annotations

from ..translation import QT_TRANSLATE_NOOP
from .siting_base import SitingAlgorithm


class LscpAlgorithm(SitingAlgorithm):
    NAME = "lscp"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Set covering (LSCP)")
    MODEL = "lscp"
    USES_P = False
    HELP = ("The fewest new sites from the candidates so that every demand area (or SHARE of the demand) is within "
            "RADIUS of an open site (existing sites always open). Solved exactly (HiGHS); OBJECTIVE = number of new "
            "sites. An area out of reach of every candidate is named in the error." + SitingAlgorithm.DEMAND_HELP
            + SitingAlgorithm.CAPACITY_HELP)
