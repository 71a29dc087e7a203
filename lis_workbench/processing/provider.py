"""The Processing provider `lisworkbench`: every LIS Workbench algorithm in the toolbox and qgis_process."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..__about__ import __version__
from .base import ICON


class LisWorkbenchProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "lisworkbench"

    def name(self) -> str:
        return "LIS Workbench"

    def longName(self) -> str:  # noqa: N802
        return f"LIS Workbench {__version__}"

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def loadAlgorithms(self) -> None:  # noqa: N802
        from .aggregate import AggregateAlgorithm
        from .area_profiles import AreaProfilesAlgorithm
        from .compare import CompareAlgorithm
        from .composite_index import CompositeIndexAlgorithm
        from .crude_rate import CrudeRateAlgorithm
        from .custom_areas import CustomAreasAlgorithm
        from .dsr import DsrAlgorithm
        from .emerging_hotspots import EmergingHotspotsAlgorithm
        from .event_rates import EventRatesAlgorithm
        from .export_atlas import ExportAtlasAlgorithm
        from .funnel import FunnelAlgorithm
        from .gistar import GiStarAlgorithm
        from .global_moran import GlobalMoranAlgorithm
        from .import_indicators import ImportIndicatorsAlgorithm
        from .isr import IsrAlgorithm
        from .load_indicator import LoadIndicatorAlgorithm
        from .local_moran import LocalMoranAlgorithm
        from .lscp import LscpAlgorithm
        from .mclp import MclpAlgorithm
        from .pmedian import PMedianAlgorithm
        from .publish_website import PublishWebsiteAlgorithm
        from .sii import SiiAlgorithm
        from .spatial_weights import SpatialWeightsAlgorithm
        from .thematic_map import ThematicMapAlgorithm
        from .trend import TrendAlgorithm

        for algorithm in (ImportIndicatorsAlgorithm(), LoadIndicatorAlgorithm(), ThematicMapAlgorithm(),
                          ExportAtlasAlgorithm(), AreaProfilesAlgorithm(), PublishWebsiteAlgorithm(), TrendAlgorithm(),
                          GiStarAlgorithm(), LocalMoranAlgorithm(), GlobalMoranAlgorithm(), SpatialWeightsAlgorithm(),
                          CompositeIndexAlgorithm(), AggregateAlgorithm(), CompareAlgorithm(),
                          EmergingHotspotsAlgorithm(),
                          MclpAlgorithm(), LscpAlgorithm(), PMedianAlgorithm(), CrudeRateAlgorithm(),
                          DsrAlgorithm(), IsrAlgorithm(), FunnelAlgorithm(), SiiAlgorithm(),
                          CustomAreasAlgorithm(), EventRatesAlgorithm()):
            self.addAlgorithm(algorithm)
