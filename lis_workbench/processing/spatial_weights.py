"""Processing "Spatial weights": the neighbour list the hotspot tools use, as a table (one row per pair)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsWkbTypes,
)

from ..core.choices import WEIGHT_KINDS as KINDS
from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm
from .hotspot_base import ISLANDS, add_weights_parameters


class SpatialWeightsAlgorithm(LisAlgorithm):
    NAME = "spatialweights"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Spatial weights")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Hotspots and clusters")
    GROUP_ID = "hotspots"
    INPUT, ID_FIELD, WEIGHTS, K, DISTANCE, TOLERANCE = "INPUT", "ID_FIELD", "WEIGHTS", "K", "DISTANCE", "TOLERANCE"
    ISLANDS, OUTPUT = "ISLANDS", "OUTPUT"
    HELP = ("Who neighbours whom, as the hotspot tools see it: one row per pair (from_id, to_id, weight). Queen "
            "and rook contiguity are built from the geometry with a snap tolerance, so generalised boundaries "
            "that overlap or leave slivers still meet; also k nearest neighbours, distance band and inverse "
            "distance. Areas with no neighbour are reported, then dropped or joined to their nearest area.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Areas",
                                                              [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.ID_FIELD, "Area id field", "area_code", self.INPUT))
        add_weights_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Neighbour pairs",
                                                            QgsProcessing.SourceType.TypeVector))

    def execute(self, parameters, context, feedback) -> dict:
        import numpy as np
        import pandas as pd

        from ..core.clusters import Analysis, build_weights
        from ..core.weights import handle_islands
        from ..qgis_bridge.cache import weights_cache
        from ..qgis_bridge.frames import fields_for, read_frame, write_features

        source = self.parameterAsSource(parameters, self.INPUT, context)
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context)
        if source.sourceCrs().isGeographic():
            raise QgsProcessingException("The layer is in degrees: reproject it to British National Grid "
                                         "(EPSG:27700) so distances are in metres.")
        rows = read_frame(source, text=[id_field], geometry=True)
        ids = rows[id_field].astype(str).tolist()
        spec = Analysis(weights=KINDS[self.parameterAsEnum(parameters, self.WEIGHTS, context)],
                        k=self.parameterAsInt(parameters, self.K, context),
                        distance=self.parameterAsDouble(parameters, self.DISTANCE, context),
                        tolerance=self.parameterAsDouble(parameters, self.TOLERANCE, context))
        weights, points = build_weights(ids, rows["geometry"].tolist(), spec, cache=weights_cache())
        islands = weights.islands
        if islands:
            feedback.pushWarning(f"{len(islands)} area(s) have no neighbour: {', '.join(islands[:10])}")
        weights, _ = handle_islands(weights, ISLANDS[self.parameterAsEnum(parameters, self.ISLANDS, context)],
                                    points)
        for note in weights.notes:
            feedback.pushWarning(note)
        matrix = weights.matrix.tocoo()
        ids = np.asarray(weights.ids, dtype=object)
        pairs = pd.DataFrame({"from_id": ids[matrix.row], "to_id": ids[matrix.col],
                              "weight": matrix.data.astype(float)})
        fields = fields_for(pairs)
        sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.NoGeometry)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        write_features(sink, pairs, fields)
        feedback.pushInfo(f"{weights.n} areas, {matrix.nnz} neighbour pairs, "
                          f"{weights.cardinalities.mean():.2f} neighbours on average")
        return {self.OUTPUT: dest, "PAIRS": int(matrix.nnz), "ISLANDS": len(islands)}
