"""Processing "Aggregate to larger areas": small-area values through a lookup into larger areas, by the rule
their type allows (counts summed, rates recomputed from numerators and denominators; core.geography.aggregate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import (
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core.errors import GeographyError
from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm

if TYPE_CHECKING:
    import pandas as pd

#: The value types offered; the last takes the type (and unit) from the store's catalogue.
VALUE_TYPES = ("count", "rate", "proportion", "percentage", "mean", "rank", "decile", "score",
               "from the store catalogue")


class AggregateAlgorithm(LisAlgorithm):
    NAME = "aggregate"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Aggregate to larger areas")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Indices, trends and comparisons")
    GROUP_ID = "indices"
    INPUT, CODE_FIELD, VALUE, NUMERATOR, DENOMINATOR = "INPUT", "CODE_FIELD", "VALUE", "NUMERATOR", "DENOMINATOR"
    STORE, INDICATOR, PERIOD, LOOKUP_NAME = "STORE", "INDICATOR", "PERIOD", "LOOKUP_NAME"
    LOOKUP, FROM_FIELD, TO_FIELD, WEIGHT_FIELD = "LOOKUP", "FROM_FIELD", "TO_FIELD", "WEIGHT_FIELD"
    VALUE_TYPE, TARGET, TARGET_CODE_FIELD, OUTPUT = "VALUE_TYPE", "TARGET", "TARGET_CODE_FIELD", "OUTPUT"
    UNMATCHED = "UNMATCHED"
    HELP = ("Combines small-area values (e.g. LSOAs) into larger areas (e.g. wards) through a lookup, by the rule "
            "the value type allows: counts are summed (times the lookup weight); rates, proportions and means are "
            "recomputed from summed numerators and denominators (never averaged), or, without numerators, "
            "averaged weighted by the denominator field (e.g. population); ranks, deciles and scores are not "
            "aggregable (an average IMD rank is not the rank of anything), so they come out empty.\n\n"
            "Values: a layer or table with an area code field and a value field (and numerator / denominator "
            "fields if it has them), or a STORE file and INDICATOR id (PERIOD empty = latest), whose catalogue "
            "gives the value type when Value type is 'from the store catalogue'.\n"
            "Lookup: a table (CSV, layer) with from / to code fields and an optional weight field (the share of "
            "the small area in the larger one; 1 for best-fit lookups), or LOOKUP_NAME, a lookup of the store.\n"
            "Target areas (optional): a layer of the larger areas, to give the result their geometry (and every "
            "target area a row); with a store lookup and no target, the store's boundaries are used.\n\n"
            "Output fields: area_code, [area_name,] value, numerator, denominator, n_areas (small areas the lookup "
            "puts in it), incomplete (of those, how many had no usable value) and method (how the value was made). "
            "Small areas missing from the lookup are listed in the log and counted in UNMATCHED.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Small-area values (layer or table)",
                                                              [QgsProcessing.SourceType.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterField(self.CODE_FIELD, "Area code field", "area_code", self.INPUT,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterField(self.VALUE, "Value field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterField(self.NUMERATOR, "Numerator field (rates)", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterField(self.DENOMINATOR, "Denominator or population field (rates)",
                                                      None, self.INPUT, QgsProcessingParameterField.DataType.Numeric,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Or: indicator store", optional=True,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterString(self.INDICATOR, "Store indicator id", optional=True))
        self.addParameter(QgsProcessingParameterString(self.PERIOD, "Store period (empty = latest)", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.LOOKUP, "Lookup table (from code, to code, weight)", [QgsProcessing.SourceType.TypeVector],
            optional=True))
        self.addParameter(QgsProcessingParameterField(self.FROM_FIELD, "Lookup: small-area code field", "from_code",
                                                      self.LOOKUP, optional=True))
        self.addParameter(QgsProcessingParameterField(self.TO_FIELD, "Lookup: larger-area code field", "to_code",
                                                      self.LOOKUP, optional=True))
        self.addParameter(QgsProcessingParameterField(self.WEIGHT_FIELD, "Lookup: weight field (empty = 1)", None,
                                                      self.LOOKUP, QgsProcessingParameterField.DataType.Numeric,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterString(self.LOOKUP_NAME, "Or: a lookup of the store (e.g. "
                                                       "lsoa11_ward23)", optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.VALUE_TYPE, "Value type", list(VALUE_TYPES),
                                                     defaultValue=len(VALUE_TYPES) - 1))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.TARGET, "Target areas (optional, for geometry)", [QgsProcessing.SourceType.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterField(self.TARGET_CODE_FIELD, "Target area code field", "area_code",
                                                      self.TARGET, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Aggregated values"))
        self.addOutput(QgsProcessingOutputNumber(self.UNMATCHED, "Small areas not in the lookup"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.geography import aggregate
        from ..core.store import Store

        value_type = VALUE_TYPES[self.parameterAsEnum(parameters, self.VALUE_TYPE, context)]
        store_path = self.parameterAsFile(parameters, self.STORE, context)
        lookup_name = self.parameterAsString(parameters, self.LOOKUP_NAME, context).strip()
        indicator = self.parameterAsString(parameters, self.INDICATOR, context).strip()
        store = Store.open(store_path) if store_path else None
        try:
            if store is not None and indicator and lookup_name and value_type == VALUE_TYPES[-1]:
                # a store indicator through a store lookup: the study `lis aggregate` runs, its checks and refusals
                from ..core.aggregate_study import aggregate_indicator
                from ..core.geography import area_label

                period = self.parameterAsString(parameters, self.PERIOD, context).strip() or None
                study = aggregate_indicator(store, indicator, lookup_name, period)
                result, value_type = study.table.drop(columns="area_name"), study.kind
                values = store.get_values(indicator, study.period)
                label, target_geography = area_label(study.lookup["from_geography"]), study.lookup["to_geography"]
            else:
                values, population, value_type, label = self._values(parameters, context, store, value_type)
                lookup, target_geography = self._lookup(parameters, context, store, lookup_name)
                result = aggregate(values, lookup, value_type, population, area_label=label)
            targets = self._targets(parameters, context, store, target_geography)
        finally:
            if store is not None:
                store.close()
        unmatched = result.attrs["unmatched"]
        if unmatched:
            feedback.pushWarning(f"{len(unmatched)} small area(s) are not in the lookup and were left out: "
                                 + ", ".join(unmatched[:20]) + (" ..." if len(unmatched) > 20 else ""))
        if result.attrs["kind"] == "not aggregable":
            carried = int(result["value"].notna().sum())
            feedback.pushWarning(f"Values of type '{value_type}' cannot be aggregated (ranks, deciles and scores): "
                                 + (f"only the {carried} larger area(s) made of one small area carry its value."
                                    if carried else "the output has no values."))
        incomplete = int((result["incomplete"] > 0).sum())
        if incomplete:
            feedback.pushWarning(f"{incomplete} larger area(s) lack a value for some of their small areas (see "
                                 "'incomplete' and 'method').")
        feedback.pushInfo(f"{len(result)} larger areas from {len(values)} {label}s ({result.attrs['kind']}"
                          + (f", rate scale {result.attrs['scale']:g}" if result.attrs["scale"] else "") + ").")
        dest = self._write(parameters, context, result, targets, feedback)
        return {self.OUTPUT: dest, self.UNMATCHED: len(unmatched)}

    def _values(self, parameters, context, store, value_type):
        """(values frame, population series or None, value type, what a small area is called) from the store or the
        layer; a store indicator's areas are named after its geography ("LSOA"), as `lis aggregate` names them."""
        import pandas as pd

        from ..core.geography import aggregation_kind, area_label
        from ..qgis_bridge.frames import read_frame

        indicator = self.parameterAsString(parameters, self.INDICATOR, context).strip()
        if store is not None and indicator:
            entry = store.indicator(indicator)
            period = self.parameterAsString(parameters, self.PERIOD, context).strip() or None
            frame = store.get_values(indicator, period)
            if value_type == VALUE_TYPES[-1]:
                value_type = aggregation_kind(entry.get("value_type"), entry.get("unit"))
            return frame, None, value_type, area_label(entry["geography"])
        if value_type == VALUE_TYPES[-1]:
            raise GeographyError("Say what kind of values the layer holds (count, rate, proportion, ...): 'from the "
                                 "store catalogue' is for a store indicator (STORE and INDICATOR).",
                                 option="value_type")
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise GeographyError("Give the small-area values: a layer (INPUT), or a STORE and an INDICATOR.")
        code = self.parameterAsString(parameters, self.CODE_FIELD, context) or "area_code"
        fields = {name: self.parameterAsString(parameters, key, context)
                  for name, key in (("value", self.VALUE), ("numerator", self.NUMERATOR),
                                    ("denominator", self.DENOMINATOR))}
        for name in [code, *fields.values()]:
            if name and source.fields().indexFromName(name) < 0:
                raise GeographyError(f"The values layer has no field '{name}' (its fields: "
                                     f"{', '.join(source.fields().names())}).")
        rows = read_frame(source, numeric=[f for f in fields.values() if f], text=[code])
        frame = pd.DataFrame({"area_code": rows[code].astype(str)})
        for name, field in fields.items():
            frame[name] = rows[field].to_numpy(float) if field else float("nan")
        population = None
        if fields["denominator"] and not fields["numerator"]:
            population = pd.Series(frame["denominator"].to_numpy(float), index=frame["area_code"])
        return frame, population, value_type, "small area"

    def _lookup(self, parameters, context, store, lookup_name) -> tuple[pd.DataFrame, str | None]:
        """The lookup pairs (from_code, to_code, weight) and, for a store lookup, its to-geography."""
        import pandas as pd

        from ..qgis_bridge.frames import read_frame

        if lookup_name:
            if store is None:
                raise GeographyError(f"LOOKUP_NAME '{lookup_name}' names a lookup of a store: give the STORE too.")
            return store.lookup(lookup_name), store.lookup_info(lookup_name)["to_geography"]
        source = self.parameterAsSource(parameters, self.LOOKUP, context)
        if source is None:
            raise GeographyError("Give a lookup: a table (LOOKUP) or the name of a store lookup (LOOKUP_NAME).")
        names = {"from_code": self.parameterAsString(parameters, self.FROM_FIELD, context) or "from_code",
                 "to_code": self.parameterAsString(parameters, self.TO_FIELD, context) or "to_code",
                 "weight": self.parameterAsString(parameters, self.WEIGHT_FIELD, context)}
        absent = [n for n in names.values() if n and source.fields().indexFromName(n) < 0]
        if absent:
            raise GeographyError(f"The lookup has no field(s) {', '.join(absent)} (its fields: "
                                 f"{', '.join(source.fields().names())}).")
        rows = read_frame(source, numeric=[names["weight"]] if names["weight"] else [],
                          text=[names["from_code"], names["to_code"]])
        pairs = pd.DataFrame({k: rows[v].astype(str) for k, v in names.items() if k != "weight"})
        if names["weight"]:
            pairs["weight"] = rows[names["weight"]].to_numpy(float)
        return pairs, None

    def _targets(self, parameters, context, store, geography) -> dict | None:
        """{area_code: (area_name, geometry)} of the target areas: the TARGET layer, else the store geography."""
        from ..qgis_bridge.layers import bng

        source = self.parameterAsSource(parameters, self.TARGET, context)
        if source is not None:
            code = self.parameterAsString(parameters, self.TARGET_CODE_FIELD, context) or "area_code"
            if source.fields().indexFromName(code) < 0:
                raise GeographyError(f"The target layer has no field '{code}' (its fields: "
                                     f"{', '.join(source.fields().names())}).")
            has_name = source.fields().indexFromName("area_name") >= 0
            return {"crs": source.sourceCrs(), "areas": {
                str(f[code]): (str(f["area_name"]) if has_name and f["area_name"] else None, f.geometry())
                for f in source.getFeatures()}}
        if store is not None and geography:
            areas = store.areas(geography)
            out = {}
            for row in areas.itertuples(index=False):
                geometry = QgsGeometry()
                if row.geometry is not None:
                    geometry.fromWkb(row.geometry)
                out[row.area_code] = (row.area_name, geometry)
            return {"crs": bng(), "areas": out}
        return None

    def _write(self, parameters, context, result: pd.DataFrame, targets, feedback) -> str:
        from ..core.geography import AGGREGATE_COLUMNS
        from ..qgis_bridge.frames import fields_for, write_features

        kinds = {name: QVariant.Type.Double if name in ("value", "numerator", "denominator") else
                 QVariant.Type.Int if name in ("n_areas",
                                               "incomplete") else QVariant.Type.String for name in AGGREGATE_COLUMNS}
        rows = result.set_index("area_code")
        geometries = None
        if targets:
            outside = [c for c in rows.index if c not in targets["areas"]]
            if outside:
                feedback.pushWarning(f"{len(outside)} aggregated area(s) are not in the target layer and were left "
                                     f"out: {', '.join(outside[:20])}")
            empty = [c for c in targets["areas"] if c not in rows.index]
            if empty:
                feedback.pushWarning(f"{len(empty)} target area(s) have no small area in the lookup (no value): "
                                     f"{', '.join(empty[:20])}")
            codes = list(targets["areas"])
            rows = rows.reindex(codes)
            rows.insert(0, "area_name", [targets["areas"][c][0] for c in codes])
            geometries = [_multi(targets["areas"][c][1]) for c in codes]
        table = rows.reset_index()[[c for c in ("area_code", "area_name", *AGGREGATE_COLUMNS[1:])
                                    if c in rows.reset_index().columns]]
        fields = fields_for(table, {**kinds, "area_name": QVariant.Type.String})
        if targets:
            sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.MultiPolygon,
                                              targets["crs"])
        else:
            sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.NoGeometry)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        write_features(sink, table, fields, geometries)
        return dest


def _multi(geometry):
    """A target area's geometry as a multipolygon (None when it has none)."""
    if geometry is None or geometry.isNull():
        return None
    geometry.convertToMultiType()
    return geometry
