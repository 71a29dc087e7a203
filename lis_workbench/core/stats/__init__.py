"""Public-health statistics as OHID's Fingertips computes them (the methods of UKHSA's PHEindicatormethods): each
function takes a table, optional `by` columns to group on, and returns one row per group with value, lower_ci,
upper_ci, method and note (why a value was not computed)."""

from .crude import mean, proportion, rate
from .dsr import ESP2013, dsr
from .funnel import funnel_axis, proportion_funnel, proportion_significance, ratio_funnel
from .isr import isr
from .life_expectancy import life_expectancy
from .sii import sii

__all__ = ["ESP2013", "dsr", "funnel_axis", "isr", "life_expectancy", "mean", "proportion", "proportion_funnel",
           "proportion_significance", "rate", "ratio_funnel", "sii"]
