"""Processing "Spatial weights": the neighbour list the hotspot tools use, as a table (one row per pair)."""

from __future__ import annotations

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core.clusters import Analysis, build_weights
from ..core.weights import KINDS, handle_islands
from .base import LisAlgorithm
from .hotspot_base import ISLANDS, add_weights_parameters


class SpatialWeightsAlgorithm(LisAlgorithm):
    NAME = "spatialweights"
    DISPLAY_NAME = "Spatial weights"
    GROUP = "Hotspots and clusters"
    GROUP_ID = "hotspots"
    INPUT, ID_FIELD, WEIGHTS, K, DISTANCE, TOLERANCE = "INPUT", "ID_FIELD", "WEIGHTS", "K", "DISTANCE", "TOLERANCE"
    ISLANDS, OUTPUT = "ISLANDS", "OUTPUT"
    HELP = ("Who neighbours whom, as the hotspot tools see it: one row per pair (from_id, to_id, weight). Queen "
            "and rook contiguity are built from the geometry with a snap tolerance, so generalised boundaries "
            "that overlap or leave slivers still meet; also k nearest neighbours, distance band and inverse "
            "distance. Areas with no neighbour are reported, then dropped or joined to their nearest area.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Areas", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.ID_FIELD, "Area id field", "area_code", self.INPUT))
        add_weights_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Neighbour pairs", QgsProcessing.TypeVector))

    def execute(self, parameters, context, feedback) -> dict:
        source = self.parameterAsSource(parameters, self.INPUT, context)
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context)
        features = list(source.getFeatures())
        if source.sourceCrs().isGeographic():
            raise QgsProcessingException("The layer is in degrees: reproject it to British National Grid "
                                         "(EPSG:27700) so distances are in metres.")
        ids = [str(f[id_field]) for f in features]
        spec = Analysis(weights=KINDS[self.parameterAsEnum(parameters, self.WEIGHTS, context)],
                        k=self.parameterAsInt(parameters, self.K, context),
                        distance=self.parameterAsDouble(parameters, self.DISTANCE, context),
                        tolerance=self.parameterAsDouble(parameters, self.TOLERANCE, context))
        weights, points = build_weights(ids, [bytes(f.geometry().asWkb()) for f in features], spec)
        islands = weights.islands
        if islands:
            feedback.pushWarning(f"{len(islands)} area(s) have no neighbour: {', '.join(islands[:10])}")
        weights, _ = handle_islands(weights, ISLANDS[self.parameterAsEnum(parameters, self.ISLANDS, context)],
                                    points)
        for note in weights.notes:
            feedback.pushWarning(note)
        fields = QgsFields()
        for name, kind in (("from_id", QVariant.String), ("to_id", QVariant.String), ("weight", QVariant.Double)):
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.NoGeometry)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        matrix = weights.matrix.tocoo()
        for i, j, value in zip(matrix.row, matrix.col, matrix.data):
            feature = QgsFeature(fields)
            feature.setAttributes([weights.ids[i], weights.ids[j], float(value)])
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        feedback.pushInfo(f"{weights.n} areas, {matrix.nnz} neighbour pairs, "
                          f"{weights.cardinalities.mean():.2f} neighbours on average")
        return {self.OUTPUT: dest, "PAIRS": int(matrix.nnz), "ISLANDS": len(islands)}
