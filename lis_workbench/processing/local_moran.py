"""Processing "Local Moran (LISA)": local Moran's I, z, pseudo p, quadrant and cluster per area."""

from __future__ import annotations

from qgis.PyQt.QtCore import QVariant

from ..translation import QT_TRANSLATE_NOOP
from .hotspot_base import HotspotAlgorithm, style_clusters_on_load


class LocalMoranAlgorithm(HotspotAlgorithm):
    NAME = "localmoran"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Local Moran (LISA)")
    STATISTIC = "localmoran"
    HELP = ("Local Moran's I (LISA): areas like their neighbours (High-High, Low-Low clusters) or unlike them "
            "(High-Low, Low-High outliers). Output fields lisa_i, lisa_z (analytical z under conditional "
            "randomisation), lisa_p (pseudo p from conditional permutations), lisa_quadrant (HH, LH, LL, HL) and "
            "lisa_cluster (the quadrant where significant after the chosen correction, else Not significant). "
            "The same numbers as PySAL esda.Moran_Local. SUMMARY is the line `lis hotspot` and the dock print."
            + HotspotAlgorithm.WEIGHTS_HELP)

    def define(self) -> None:
        self.define_common()

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.hotspot_study import summary_line

        source, rows, result = self.run_on_source(parameters, context, feedback)
        dest = self.write(parameters, context, source, rows, result,
                          {"lisa_i": QVariant.Type.Double, "lisa_z": QVariant.Type.Double,
                           "lisa_p": QVariant.Type.Double,
                           "lisa_quadrant": QVariant.Type.String, "lisa_cluster": QVariant.Type.String})
        style_clusters_on_load(context, dest, "lisa_cluster", self.input_metadata(parameters, context))
        return {self.OUTPUT: dest, self.SUMMARY: summary_line(result)}
