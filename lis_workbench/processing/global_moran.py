"""Processing "Global Moran's I": one number for how clustered the whole map is, with its significance."""

from __future__ import annotations

from qgis.core import QgsProcessingOutputNumber

from ..translation import QT_TRANSLATE_NOOP
from .hotspot_base import HotspotAlgorithm


class GlobalMoranAlgorithm(HotspotAlgorithm):
    NAME = "globalmoran"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Global Moran's I")
    STATISTIC = "globalmoran"
    HELP = ("Moran's I for the whole layer: above its expectation (-1/(n-1)) when similar values sit together. "
            "Returns I, EXPECTED_I, Z and P (two-tailed, under normality) and P_SIM (pseudo p from PERMUTATIONS "
            "random permutations with SEED). The same numbers as PySAL esda.Moran." + HotspotAlgorithm.WEIGHTS_HELP)

    def define(self) -> None:
        self.define_common(output=False)
        for name, label in (("I", "Moran's I"), ("EXPECTED_I", "Expected I"), ("Z", "z-score"),
                            ("P", "p-value (normality)"), ("P_SIM", "Pseudo p-value (permutations)")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def execute(self, parameters, context, feedback) -> dict:
        _source, _rows, result = self.run_on_source(parameters, context, feedback)
        s = result.summary
        feedback.pushInfo(f"Moran's I = {s['global_I']:.4f} (expected {s['global_EI']:.4f}), z = {s['global_z']:.2f}, "
                          f"p = {s['global_p']:.3g}" + (f", pseudo p = {s['global_p_sim']:.3g}"
                                                         if s["global_p_sim"] is not None else ""))
        return {"I": s["global_I"], "EXPECTED_I": s["global_EI"], "Z": s["global_z"], "P": s["global_p"],
                "P_SIM": s["global_p_sim"]}
