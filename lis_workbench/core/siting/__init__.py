"""Location-allocation for siting services: maximal coverage (MCLP), set covering (LSCP) and p-median, solved
exactly with HiGHS (scipy.optimize.milp), existing sites fixed, with a gap analysis.

costs (travel costs), coverage (MCLP, LSCP), pmedian, capacitated, solve (a model by name, quick look, coverage
curve, gaps), network (distances along roads), demand (need in areas, sites from layers), plan (a whole analysis
on tables) and study (a plan read from the store: what every door runs).
"""

from .common import MODELS, SitingError, SitingResult
from .costs import euclidean_costs, read_cost_matrix, write_cost_matrix
from .coverage import covered_weight, solve_lscp, solve_mclp
from .pmedian import interchange, solve_pmedian, total_cost
from .solve import coverage_curve, gap_areas, greedy, solve

__all__ = ["MODELS", "SitingError", "SitingResult", "coverage_curve", "covered_weight", "euclidean_costs",
           "gap_areas", "greedy", "interchange", "read_cost_matrix", "solve", "solve_lscp", "solve_mclp",
           "solve_pmedian", "total_cost", "write_cost_matrix"]
