"""What the siting algorithms (mclp, lscp, pmedian) share: their fixed parameters, reading demand and sites
from layers, running core.siting_plan.run_plan and writing the three outputs."""

from __future__ import annotations

from qgis.core import (
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..qgis_bridge.feedback import cancelled_from_feedback, progress_from_feedback
from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm, style_on_load

DISTANCES = ("euclidean", "network", "matrix")


class SitingAlgorithm(LisAlgorithm):
    """DEMAND, DEMAND_WEIGHT, CANDIDATES, EXISTING, P, RADIUS, DISTANCE, NETWORK -> OUTPUT_SITES,
    OUTPUT_ALLOCATION, OUTPUT_DEMAND; OBJECTIVE and SOLVE_SECONDS."""

    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Siting services")
    GROUP_ID = "siting"
    MODEL = ""
    USES_P = True
    DEMAND_HELP = ("\n\nDemand points are used where they are. Demand areas sit at their population-weighted "
                   "centroids when CENTROIDS gives them (points carrying the areas' codes, e.g. the store's "
                   "pts_lsoa11_pwc), as `lis site` and the dock place them; else at a point inside each polygon.")
    CAPACITY_HELP = ("\n\nWith a CAPACITY field each site serves at most that much demand, and an area's demand may be "
                     "split between sites; SINGLE_SOURCE serves each area whole by one site instead (each child "
                     "attends one centre), as spopt's capacitated p-median does. That is slower to solve; the "
                     "notes say which was used.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DEMAND", "Demand areas or points", [QgsProcessing.SourceType.TypeVectorPolygon,
                                                 QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField("DEMAND_WEIGHT", "Demand weight (e.g. children aged 0-4)",
                                                      "value", "DEMAND", QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField("DEMAND_ID", "Demand area code", "area_code", "DEMAND",
                                                      optional=True))
        self.addParameter(QgsProcessingParameterField("NEED_FIELD", "Need field (e.g. IMD decile or an index score)",
                                                      None, "DEMAND", QgsProcessingParameterField.DataType.Numeric,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterString(
            "NEED_TEST", "Need test on that field, e.g. <=3 (blank: multiply the demand by it)", "", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "CENTROIDS", "Where each area's people live: population-weighted centroids (points with the areas' "
            "codes; optional)", [QgsProcessing.SourceType.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterField("CENTROIDS_ID", "Centroids' area code", "area_code",
                                                      "CENTROIDS", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource("CANDIDATES", "Candidate sites",
                                                              [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "EXISTING", "Existing sites (always open)", [QgsProcessing.SourceType.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterField("CAPACITY", "Capacity field (capacitated model)", None,
                                                      "CANDIDATES", QgsProcessingParameterField.DataType.Numeric,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "SINGLE_SOURCE", "Each area served whole by one site (single source; needs a capacity field)",
            defaultValue=False))
        if self.USES_P:
            self.addParameter(QgsProcessingParameterNumber("P", "Number of new sites", defaultValue=3, minValue=0))
        else:
            self.addParameter(QgsProcessingParameterNumber("SHARE", "Share of demand to reach (1 = all)",
                                                           QgsProcessingParameterNumber.Type.Double, 1.0, minValue=0.01,
                                                           maxValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            "RADIUS", "Reach: metres, or minutes with a speed" + (" (optional for p-median: marks coverage)"
                                                                   if self.MODEL == "pmedian" else ""),
            QgsProcessingParameterNumber.Type.Double, 1500.0, minValue=0.0, optional=self.MODEL == "pmedian"))
        self.addParameter(QgsProcessingParameterEnum("DISTANCE", "Distance", list(DISTANCES), defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource("NETWORK", "Network (roads/paths, split at junctions)",
                                                              [QgsProcessing.SourceType.TypeVectorLine], optional=True))
        self.addParameter(QgsProcessingParameterNumber("SPEED", "Travel speed km/h (costs in minutes)",
                                                       QgsProcessingParameterNumber.Type.Double, None, optional=True,
                                                       minValue=0.1))
        self.addParameter(QgsProcessingParameterFile("COST_MATRIX", "Cost-matrix CSV (demand_code, site_id, cost)",
                                                     extension="csv", optional=True))
        self.addParameter(QgsProcessingParameterBoolean("QUICK", "Quick look (greedy/interchange, not proven)",
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT_SITES", "Sites",
                                                            QgsProcessing.SourceType.TypeVectorPoint))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT_ALLOCATION", "Allocation lines", QgsProcessing.SourceType.TypeVectorLine, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT_DEMAND", "Demand with assigned site", QgsProcessing.SourceType.TypeVectorAnyGeometry,
            optional=True))
        if self.USES_P:
            self.addParameter(QgsProcessingParameterFileDestination(
                "OUTPUT_CURVE", "Coverage curve chart: each number of new sites 0..P solved (PNG)",
                "PNG images (*.png)", optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("OBJECTIVE", "Objective"))
        self.addOutput(QgsProcessingOutputNumber("SOLVE_SECONDS", "Solve time (s)"))
        self.addOutput(QgsProcessingOutputString("SUMMARY", "Summary"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.siting.demand import study_margin, within_study_area
        from ..core.siting.plan import SitingPlan, run_plan
        from ..qgis_bridge.siting_map import style_allocation, style_demand, style_sites, with_service

        demand_source = self.parameterAsSource(parameters, "DEMAND", context)
        if demand_source is None:
            raise QgsProcessingException("No demand layer was given.")
        if demand_source.sourceCrs().isGeographic():
            raise QgsProcessingException("The demand layer is in degrees: reproject it to British National Grid "
                                         "(EPSG:27700) so distances are in metres.")
        demand, geometries = self._demand(parameters, context, demand_source)
        sites = self._sites(parameters, context, demand_source)
        radius = parameters.get("RADIUS")
        radius = None if radius in (None, "") else self.parameterAsDouble(parameters, "RADIUS", context)
        if self.MODEL != "pmedian" and radius is None:
            raise QgsProcessingException("Coverage models need a reach (RADIUS).")
        sites = within_study_area(sites, demand, study_margin(radius))
        speed = parameters.get("SPEED")
        network = self.parameterAsSource(parameters, "NETWORK", context)
        distance = DISTANCES[self.parameterAsEnum(parameters, "DISTANCE", context)]
        plan = SitingPlan(
            model=self.MODEL, p=self.parameterAsInt(parameters, "P", context) if self.USES_P else None,
            radius=radius, share=self.parameterAsDouble(parameters, "SHARE", context) if not self.USES_P else 1.0,
            distance=distance,
            network=[bytes(f.geometry().asWkb()) for f in network.getFeatures()] if network else None,
            speed_kmh=None if speed in (None, "") else self.parameterAsDouble(parameters, "SPEED", context),
            cost_matrix=self.parameterAsFile(parameters, "COST_MATRIX", context) or None,
            quick=self.parameterAsBool(parameters, "QUICK", context),
            single_source=self.parameterAsBool(parameters, "SINGLE_SOURCE", context),
            curve=self.USES_P and parameters.get("OUTPUT_CURVE") not in (None, ""))
        outcome = run_plan(plan, demand, sites, progress_from_feedback(feedback), cancelled_from_feedback(feedback))
        for note in outcome.notes:
            feedback.pushWarning(note)
        feedback.pushInfo(outcome.summary)
        crs = demand_source.sourceCrs()
        results = {"OBJECTIVE": outcome.result.objective, "SOLVE_SECONDS": outcome.result.seconds,
                   "SUMMARY": outcome.summary}
        results["OUTPUT_SITES"] = self._write(parameters, context, "OUTPUT_SITES", outcome.sites.drop(
            columns=["x", "y"]).assign(existing=outcome.sites["existing"].astype(int)),
            [_point(x, y) for x, y in zip(outcome.sites["x"], outcome.sites["y"])], QgsWkbTypes.Type.Point, crs)
        lines = outcome.allocation
        results["OUTPUT_ALLOCATION"] = self._write(
            parameters, context, "OUTPUT_ALLOCATION", lines.drop(columns=["x1", "y1", "x2", "y2"]),
            [QgsGeometry.fromPolylineXY([QgsPointXY(a, b), QgsPointXY(c, d)])
             for a, b, c, d in lines[["x1", "y1", "x2",
                                      "y2"]].itertuples(index=False)], QgsWkbTypes.Type.LineString, crs)
        results["OUTPUT_DEMAND"] = self._write(parameters, context, "OUTPUT_DEMAND",
                                               with_service(outcome.demand).drop(columns=["x", "y"]), geometries,
                                               demand_source.wkbType(), crs)
        polygons = QgsWkbTypes.geometryType(demand_source.wkbType()) == QgsWkbTypes.GeometryType.PolygonGeometry
        for key, style in (("OUTPUT_SITES", style_sites), ("OUTPUT_ALLOCATION", style_allocation),
                           ("OUTPUT_DEMAND", lambda layer: style_demand(layer, polygons))):
            if results.get(key):
                style_on_load(context, results[key], style)
        if outcome.curve is not None:
            weight = self.parameterAsString(parameters, "DEMAND_WEIGHT", context)
            what = f"Demand: {weight} of {demand_source.sourceName()}"
            results["OUTPUT_CURVE"] = self._curve(parameters, context, outcome, plan, what)
        return {k: v for k, v in results.items() if v is not None}

    def _curve(self, parameters, context, outcome, plan, subtitle: str) -> str:
        """The coverage curve PNG, as `lis site --curve` draws it."""
        from ..qgis_bridge.siting_map import curve_png

        path = self.parameterAsFileOutput(parameters, "OUTPUT_CURVE", context)
        curve_png(outcome.curve, path, self.MODEL, "minutes" if plan.speed_kmh else "m", chosen=plan.p,
                  subtitle=subtitle)
        return path

    def _demand(self, parameters, context, source):
        import pandas as pd

        from ..core.siting.demand import NeedRule, demand_table
        from ..qgis_bridge.frames import read_frame

        weight_field = self.parameterAsString(parameters, "DEMAND_WEIGHT", context)
        id_field = self.parameterAsString(parameters, "DEMAND_ID", context)
        need_field = self.parameterAsString(parameters, "NEED_FIELD", context)
        names = source.fields().names()
        id_field = id_field if id_field and id_field in names else ""
        rows = read_frame(source, numeric=[n for n in (weight_field, need_field) if n],
                          text=[id_field] if id_field else [], geometry=True)
        if rows.empty:
            raise QgsProcessingException("The demand layer has no features.")
        codes = rows[id_field].astype(str).tolist() if id_field else rows["fid"].astype(str).tolist()
        if len(set(codes)) != len(codes):
            raise QgsProcessingException(f"The demand code field '{id_field}' repeats codes; choose a unique one.")
        values = pd.DataFrame({"area_code": codes, "value": rows[weight_field].to_numpy(float)})
        geometries = rows["geometry"].tolist()
        points, polygons = None, None
        if QgsWkbTypes.geometryType(source.wkbType()) == QgsWkbTypes.GeometryType.PointGeometry:
            located = [_point_of(_geometry(g)) for g in geometries]
            points = pd.DataFrame({"area_code": codes, "x": [p.x() for p in located], "y": [p.y() for p in located]})
        else:  # areas: at their population-weighted centroids when given (as `lis site` takes the store's), else
            # at a point inside each
            polygons = dict(zip(codes, geometries))
            points = self._centroids(parameters, context, source)
        rule, need = None, None
        if need_field:
            test = (self.parameterAsString(parameters, "NEED_TEST", context) or "").strip()
            rule = NeedRule.parse(f"need{test}")
            need = pd.DataFrame({"area_code": codes, "value": rows[need_field].to_numpy(float)})
        return demand_table(values, need, rule, points, polygons), geometries

    def _centroids(self, parameters, context, demand_source):
        """The CENTROIDS points as (area_code, x, y), or None when not given."""
        import pandas as pd

        source = self.parameterAsSource(parameters, "CENTROIDS", context)
        if source is None:
            return None
        if source.sourceCrs() != demand_source.sourceCrs():
            raise QgsProcessingException(f"The centroids are in {source.sourceCrs().authid()} but the demand is in "
                                         f"{demand_source.sourceCrs().authid()}: reproject one.")
        code = self.parameterAsString(parameters, "CENTROIDS_ID", context) or "area_code"
        if source.fields().indexFromName(code) < 0:
            raise QgsProcessingException(f"The centroids have no field '{code}' (their fields: "
                                         f"{', '.join(source.fields().names())}).")
        rows = []
        for feature in source.getFeatures():
            if feature.hasGeometry():
                point = _point_of(feature.geometry())
                rows.append((str(feature[code]), point.x(), point.y()))
        return pd.DataFrame(rows, columns=["area_code", "x", "y"])

    def _sites(self, parameters, context, demand_source):
        import pandas as pd

        from ..core.siting.demand import sites_table
        from ..qgis_bridge.frames import number

        capacity = self.parameterAsString(parameters, "CAPACITY", context) or None
        frames = []
        for key in ("EXISTING", "CANDIDATES"):
            source = self.parameterAsSource(parameters, key, context)
            if source is None:
                frames.append(None)
                continue
            if source.sourceCrs() != demand_source.sourceCrs():
                raise QgsProcessingException(f"The {key.lower()} layer is in {source.sourceCrs().authid()} but the "
                                             f"demand is in {demand_source.sourceCrs().authid()}: reproject one.")
            rows = []
            for f in source.getFeatures():
                point = _point_of(f.geometry())
                row = {"site_id": f"{key[0]}{f.id()}", "x": point.x(), "y": point.y()}
                names = f.fields().names()
                label = "area_name" if "area_name" in names else names[1] if len(names) > 1 else None
                row["name"] = str(f[label]) if label else ""  # a store layer's own names, as `lis site` shows
                if capacity and capacity in names:
                    row["capacity"] = number(f[capacity])
                rows.append(row)
            frames.append(pd.DataFrame(rows))
        existing, candidates = frames
        if existing is not None and capacity and "capacity" not in existing.columns:
            raise QgsProcessingException(f"The existing sites have no capacity field '{capacity}'.")
        return sites_table(candidates if candidates is not None else pd.DataFrame(), existing, id_field="site_id",
                           name_field="name", capacity_field="capacity" if capacity else None)

    def _write(self, parameters, context, key, frame, geometries, wkb_type, crs):
        from ..qgis_bridge.frames import fields_for, write_features

        if parameters.get(key) in (None, ""):
            return None
        fields = fields_for(frame)
        sink, dest = self.parameterAsSink(parameters, key, context, fields, wkb_type, crs)
        if sink is None:
            return None
        write_features(sink, frame, fields, geometries)
        return dest


def _point(x: float, y: float) -> QgsGeometry:
    return QgsGeometry.fromPointXY(QgsPointXY(float(x), float(y)))


def _geometry(wkb: bytes) -> QgsGeometry:
    shape = QgsGeometry()
    shape.fromWkb(wkb)
    return shape


def _point_of(geometry: QgsGeometry) -> QgsPointXY:
    """A point feature's location (a multipoint's first point)."""
    return geometry.asPoint() if not geometry.isMultipart() else geometry.asMultiPoint()[0]
