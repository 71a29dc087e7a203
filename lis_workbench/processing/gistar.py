"""Processing "Hotspots (Gi*)": Getis-Ord Gi* z, pseudo p and hot/cold spot category per area."""

from __future__ import annotations

from qgis.PyQt.QtCore import QVariant

from ..translation import QT_TRANSLATE_NOOP
from .hotspot_base import HotspotAlgorithm, style_clusters_on_load


class GiStarAlgorithm(HotspotAlgorithm):
    NAME = "gistar"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Hotspots (Gi*)")
    STATISTIC = "gistar"
    HELP = ("Getis-Ord Gi*: where high (hot) or low (cold) values cluster. Each area is compared with itself and "
            "its neighbours. Output fields gi_z (z-score), gi_p (pseudo p from conditional permutations, or from z "
            "when PERMUTATIONS is 0) and gi_cluster (hot / cold spot at 99%, 95% or 90% confidence after the "
            "chosen multiple-testing correction, or Not significant). Neighbours weigh 1 (binary weights, as ArcGIS), "
            "so gi_z is the Ord-Getis z; the same numbers as PySAL esda.G_Local "
            "(star=True, transform='B'). SUMMARY is the line `lis hotspot` and the dock print."
            + HotspotAlgorithm.WEIGHTS_HELP)

    def define(self) -> None:
        self.define_common()

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.hotspot_study import summary_line

        source, rows, result = self.run_on_source(parameters, context, feedback)
        dest = self.write(parameters, context, source, rows, result,
                          {"gi_z": QVariant.Type.Double, "gi_p": QVariant.Type.Double,
                           "gi_cluster": QVariant.Type.String})
        style_clusters_on_load(context, dest, "gi_cluster", self.input_metadata(parameters, context))
        return {self.OUTPUT: dest, self.SUMMARY: summary_line(result)}
