"""Deleting an indicator (audited) and exporting one to CSV and GeoPackage (checked with ogrinfo and pyogrio)."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pandas as pd
import pytest
from unit_helpers import rows, sample_csv

from lis_workbench.core.errors import IndicatorNotFound, LisError
from lis_workbench.core.export import export_indicator
from lis_workbench.core.ingest import ImportSpec, import_file

CLAIMANTS = "wigan_claimant_count_wards_2015_2017_monthly.csv"


def count_rows(path, sql, params=()):
    return rows(path, sql, params)[0][0]


def test_delete_indicator_removes_catalogue_row_and_values(store, store_path):
    total = count_rows(store_path, "SELECT COUNT(*) FROM lis_value")
    own = count_rows(store_path, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'claimant_rate'")
    assert own == len(sample_csv(CLAIMANTS)) == 850
    removed = store.delete_indicator("claimant_rate")
    assert removed == own
    assert count_rows(store_path, "SELECT COUNT(*) FROM lis_value") == total - own
    assert count_rows(store_path, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'claimant_rate'") == 0
    assert count_rows(store_path, "SELECT COUNT(*) FROM lis_catalogue WHERE id = 'claimant_rate'") == 0
    assert count_rows(store_path, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'claimant_count'") == 850
    with pytest.raises(IndicatorNotFound):
        store.indicator("claimant_rate")
    last = store.audit().iloc[-1]
    assert (last["action"], last["target"], last["rows"]) == ("delete", "claimant_rate", own)
    with pytest.raises(IndicatorNotFound) as info:
        store.delete_indicator("claimant_rate")
    assert isinstance(info.value, LisError)
    assert "claimant_rate" in str(info.value)


def test_export_csv_one_period(sample, tmp_path):
    out = tmp_path / "imd.csv"
    n = export_indicator(sample, "imd2019_imd_rank", str(out))
    frame = pd.read_csv(out, dtype={"period": str})
    assert n == len(frame) == 200
    src = sample_csv("wigan_imd2019_file2_domains_ranks_deciles.csv").set_index("LSOA code (2011)")
    expected = src["Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"]
    assert (frame["indicator"] == "imd2019_imd_rank").all()
    assert (frame["period"] == "2019").all()
    got = frame.set_index("area_code")["value"]
    assert (got.sort_index() == expected.sort_index()).all()
    assert frame["area_name"].tolist() == src.loc[frame["area_code"], "LSOA name (2011)"].tolist()


def test_export_csv_all_periods(sample, tmp_path):
    out = tmp_path / "claimants.csv"
    n = export_indicator(sample, "claimant_count", str(out), period="all")
    frame = pd.read_csv(out, dtype={"period": str})
    src = sample_csv(CLAIMANTS)
    src["period"] = src["date"].str[:7]
    assert n == len(frame) == len(src) == 850
    merged = frame.merge(src, left_on=["area_code", "period"], right_on=["wd15cd", "period"], validate="one_to_one")
    assert len(merged) == 850
    np.testing.assert_allclose(merged["value"], merged["count"])


def test_export_geopackage(sample, tmp_path):
    import pyogrio

    out = tmp_path / "claimant_rate.gpkg"
    n = export_indicator(sample, "claimant_rate", str(out), period="2016-06")
    assert n == 25
    result = subprocess.run(["ogrinfo", "-ro", "-so", str(out), "claimant_rate"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Feature Count: 25\b", result.stdout)
    assert "27700" in result.stdout
    frame = pyogrio.read_dataframe(out, layer="claimant_rate")
    assert frame.crs.to_epsg() == 27700
    assert len(frame) == 25 and frame.geometry.is_valid.all()
    src = sample_csv(CLAIMANTS)
    src = src[src["date"] == "2016-06-01"].set_index("wd15cd")
    got = frame.set_index("area_code")
    assert sorted(got.index) == sorted(src.index)
    np.testing.assert_allclose(got["value"].sort_index(), src["rate"].sort_index())
    assert (got["period"] == "2016-06").all()
    assert (got["area_name"].sort_index() == src["wd15nm"].sort_index()).all()
    validate = pytest.importorskip("osgeo_utils.samples.validate_gpkg")
    validate.check(str(out), extra_checks=True, warning_as_error=True)


def test_export_geopackage_keeps_suppressed_as_null(store, lsoa_codes, tmp_path):
    path = tmp_path / "small_numbers.csv"
    cells = ["c", "5", "*", "7"]
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,{v}\n" for c, v in zip(lsoa_codes, cells)))
    import_file(store, str(path), ImportSpec())
    import pyogrio

    out = tmp_path / "small.gpkg"
    assert export_indicator(store, "small_numbers", str(out)) == 4
    frame = pyogrio.read_dataframe(out).set_index("area_code").loc[lsoa_codes[:4]]
    assert frame["suppressed"].tolist() == [1, 0, 1, 0]
    assert frame["value"].isna().tolist() == [True, False, True, False]
    assert frame["value"].iloc[3] == 7


def test_export_refuses_other_formats(sample, tmp_path):
    with pytest.raises(LisError) as info:
        export_indicator(sample, "imd2019_imd_rank", str(tmp_path / "x.xlsx"))
    assert "x.xlsx" in str(info.value)
    with pytest.raises(LisError):
        export_indicator(sample, "claimant_count", str(tmp_path / "x.gpkg"), period="all")
    with pytest.raises(IndicatorNotFound):
        export_indicator(sample, "claimant_count", str(tmp_path / "x.csv"), period="1999-01")
