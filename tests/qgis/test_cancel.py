"""Cancel stops long work within a second: a 9,999-permutation local Moran on England's 32,844 LSOAs (about 12 s
to finish) run as the dock runs studies, in a QgsTask, cancelled two seconds in."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ROOT
from tests.qgis.qgis_helpers import wait_for

ENGLAND = ROOT.parent / "shared" / "data" / "england"


@pytest.fixture(scope="module")
def england_store(tmp_path_factory):
    boundaries = ENGLAND / "england_lsoa11_bgc_imd2015_2019.gpkg"
    if not boundaries.exists():
        pytest.skip("the England data (../shared/data/england) is not here")
    import gzip
    import shutil

    from lis_workbench.core.ingest import ImportSpec, import_file
    from lis_workbench.core.store import Store

    folder = tmp_path_factory.mktemp("england")
    csv = folder / "file1.csv"
    with gzip.open(ENGLAND / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz") as packed, \
            open(csv, "wb") as out:
        shutil.copyfileobj(packed, out)
    path = folder / "england.gpkg"
    with Store.create(path) as store:
        store.add_geography("lsoa11", str(boundaries), layer="lsoa11_imd")
        import_file(store, str(csv), ImportSpec(period="2019", geography="lsoa11"))
    return path


def test_cancel_stops_a_long_lisa_within_a_second(qgis_app, england_store):
    from lis_workbench.core.clusters import Analysis
    from lis_workbench.core.hotspot_study import HotspotStudy, run_hotspot_study
    from lis_workbench.core.store import Store
    from lis_workbench.qgis_bridge import tasks

    outcome = {}
    study = HotspotStudy("index_of_multiple_deprivation_imd_rank", "2019",
                         Analysis(statistic="localmoran", permutations=9999))

    def work(progress, cancelled):
        with Store.open(england_store) as store:
            return run_hotspot_study(store, study, progress, cancelled)

    task = tasks.start(tasks.StudyTask("LISA, England", work, lambda r: outcome.update(result=r),
                                       lambda message: outcome.update(failed=message)))
    started = time.monotonic()
    wait_for(lambda: time.monotonic() - started > 2.0 or task not in tasks._RUNNING, what="the first two seconds")
    assert task in tasks._RUNNING, "the analysis ended before it could be cancelled"
    cancelled_at = time.monotonic()
    task.cancel()
    wait_for(lambda: task not in tasks._RUNNING, timeout=30, what="the cancelled analysis")
    stopped_in = time.monotonic() - cancelled_at
    assert "result" not in outcome and outcome.get("failed", "").startswith("Stopped")
    assert stopped_in < 1.0, f"it took {stopped_in:.2f} s to stop"
    print(f"\n  9,999-permutation LISA on 32,844 LSOAs cancelled after 2 s: stopped {stopped_in * 1000:.0f} ms later")
