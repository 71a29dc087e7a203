"""lisworkbench:mclp - maximal coverage: p new sites that bring the most demand within reach."""

from __future__ import annotations

from ..translation import QT_TRANSLATE_NOOP
from .siting_base import SitingAlgorithm


class MclpAlgorithm(SitingAlgorithm):
    NAME = "mclp"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Maximal coverage (MCLP)")
    MODEL = "mclp"
    HELP = ("Choose P new sites from the candidates so that the most demand lies within RADIUS of an open site "
            "(existing sites always open). Solved exactly (HiGHS); OBJECTIVE = demand covered. Chosen candidates "
            "carry selected = 1 and their rank (order of opening, largest gain first)." + SitingAlgorithm.DEMAND_HELP
            + SitingAlgorithm.CAPACITY_HELP)
