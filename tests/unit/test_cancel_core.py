"""The engine hears a door's cancel predicate in its long loops and stops with Cancelled (nothing written)."""

from __future__ import annotations

import numpy as np
import pytest

from lis_workbench.core.clusters import Analysis, run_analysis
from lis_workbench.core.errors import Cancelled
from lis_workbench.core.siting import euclidean_costs, solve


def _after(calls: int):
    """A predicate that says 'stop' from its calls-th question on, and counts the questions."""
    asked = [0]

    def cancelled() -> bool:
        asked[0] += 1
        return asked[0] >= calls

    return cancelled, asked


@pytest.mark.parametrize("statistic", ["gistar", "localmoran"])
def test_hotspots_stop_when_told(wigan, statistic):
    frame = wigan.get_values("iod2019_income_numerator", with_geometry=True, all_areas=True)
    never, asked = _after(10**9)
    run_analysis(frame["area_code"], frame["value"].to_numpy(float), list(frame["geometry"]),
                 Analysis(statistic=statistic, permutations=9999), cancelled=never)
    assert asked[0] > 10  # asked often: in the weights, the permutations and each statistic
    stop, _ = _after(asked[0] // 2)
    with pytest.raises(Cancelled):
        run_analysis(frame["area_code"], frame["value"].to_numpy(float), list(frame["geometry"]),
                     Analysis(statistic=statistic, permutations=9999), cancelled=stop)


def test_pmedian_stops_when_told():
    rng = np.random.default_rng(7)
    cost = euclidean_costs(rng.uniform(0, 10_000, (400, 2)), rng.uniform(0, 10_000, (120, 2)))
    weights = rng.integers(1, 100, 400).astype(float)
    stop, asked = _after(1)
    with pytest.raises(Cancelled):
        solve("pmedian", cost, weights, p=8, cancelled=stop)
    assert asked[0] == 1
