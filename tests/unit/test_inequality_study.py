"""`lis inequality` and its study on the sample store: each IMD decile's proportion against scipy's Wilson
interval, and the slope and relative indices of inequality against the method written out here (Low & Low 2004,
as PHEindicatormethods' phe_sii with the logit transform: the logits of the decile proportions fitted by least
squares weighted by population share at the deciles' relative ranks, the ends of the line turned back)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit, logit
from unit_helpers import run_lis

from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.inequality_study import inequality_indicator
from lis_workbench.core.store import Store


@pytest.fixture(scope="module")
def sample(sample_store_path):
    with Store.open(sample_store_path) as opened:
        yield opened


def _by_decile(sample) -> pd.DataFrame:
    count = sample.get_values("iod2019_income_numerator").set_index("area_code")["value"]
    people = sample.get_values("pop2015_total").set_index("area_code")["value"]
    decile = sample.get_values("imd2019_imd_decile").set_index("area_code")["value"]
    frame = pd.DataFrame({"x": count, "n": people.reindex(count.index), "q": decile.reindex(count.index)})
    return frame.groupby("q").agg(x=("x", "sum"), n=("n", "sum"), areas=("x", "size"))


def test_deciles_and_indices_match_the_method_written_out(sample):
    result = inequality_indicator(sample, "iod2019_income_numerator", denominator="pop2015_total", reps=20_000)
    expected = _by_decile(sample)
    table = result.table.set_index("quantile")
    assert list(table.index) == list(range(1, 11))
    for q, row in expected.iterrows():
        ci = stats.binomtest(int(row.x), int(row.n)).proportion_ci(0.95, method="wilson")
        got = table.loc[int(q)]
        assert got["areas"] == row.areas and got["numerator"] == row.x and got["denominator"] == row.n
        assert got["value"] == pytest.approx(100 * row.x / row.n, rel=1e-12)
        assert (got["lower_95"], got["upper_95"]) == pytest.approx((100 * ci.low, 100 * ci.high), rel=1e-9)
    share = expected["n"] / expected["n"].sum()
    rank = (share.cumsum() - share / 2).to_numpy()
    slope, intercept = np.polyfit(rank, logit(expected["x"] / expected["n"]), 1, w=np.sqrt(share.to_numpy()))
    start, end = expit(intercept), expit(intercept + slope)
    assert result.sii == pytest.approx(100 * (end - start), rel=1e-9)
    assert result.rii == pytest.approx(end / start, rel=1e-9)
    assert result.intercept == pytest.approx(100 * start, rel=1e-9)
    assert result.sii_lower < result.sii < result.sii_upper and result.rii_lower < result.rii < result.rii_upper
    ranks, curve = result.curve()
    assert curve[0] == pytest.approx(100 * start) and curve[-1] == pytest.approx(100 * end)
    assert "higher in the most deprived areas" in result.summary and "percentage points" in result.summary
    again = inequality_indicator(sample, "iod2019_income_numerator", denominator="pop2015_total", reps=20_000)
    assert (again.sii_lower, again.sii_upper) == (result.sii_lower, result.sii_upper)  # seeded


def test_clear_errors(sample):
    with pytest.raises(AnalysisError, match="does not hold deprivation quantiles"):
        inequality_indicator(sample, "iod2019_income_numerator", denominator="pop2015_total",
                             deprivation="imd2019_imd_rank")
    with pytest.raises(AnalysisError, match="no denominator"):
        inequality_indicator(sample, "census2011_no_qualifications")
    with pytest.raises(AnalysisError, match="not counts"):
        inequality_indicator(sample, "iod2019_income_numerator", denominator="pop2015_total", kind="count")


def test_the_cli_prints_the_indices_and_writes_the_table(sample_store_path, tmp_path):
    csv = tmp_path / "inequality.csv"
    run = run_lis("inequality", str(sample_store_path), "iod2019_income_numerator", "--denominator",
                  "pop2015_total", "--reps", "5000", "--csv", str(csv))
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(csv)
    assert len(table) == 10 and table["sii"].nunique() == 1
    assert f"Slope index of inequality {table['sii'].iloc[0]:,.1f} percentage points" in " ".join(run.stdout.split())
    bad = run_lis("inequality", str(sample_store_path), "iod2019_income_numerator", "--denominator",
                  "pop2015_total", "--deprivation", "imd2019_imd_rank")
    assert bad.returncode != 0 and "--deprivation" in bad.stderr
