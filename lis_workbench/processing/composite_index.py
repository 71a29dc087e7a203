"""Processing "Composite index": normalise, weight and combine a layer's fields into a need index, ranked and in
deciles (core.composite.build_index), with the weight sensitivity in the log."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QVariant

from ..core.choices import COMBINATIONS, MISSING_POLICIES, NORMALISATIONS
from ..core.errors import CompositeError
from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm, style_on_load

if TYPE_CHECKING:
    from ..core.composite import Component

RESULT_FIELDS = (("index_score", QVariant.Type.Double), ("index_rank", QVariant.Type.Int), ("index_decile",
                                                                                            QVariant.Type.Int),
                 ("index_quintile", QVariant.Type.Int))


def parse_weights(text: str, fields: list[str]) -> list[float]:
    """'2, 1, 1' -> [2.0, 1.0, 1.0], one per field in order; empty -> equal weights."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if not parts:
        return [1.0] * len(fields)
    if len(parts) != len(fields):
        raise CompositeError(f"WEIGHTS has {len(parts)} number(s) ({', '.join(parts)}) for {len(fields)} field(s) "
                             f"({', '.join(fields)}); give one weight per field, in the same order.")
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise CompositeError(f"WEIGHTS must be numbers separated by commas, not '{text}'.") from None


def parse_polarities(text: str, fields: list[str]) -> list[str]:
    """'high, low' -> one polarity per field ("high": a high value means more need); one word applies to all;
    empty -> all "high". The catalogue's high_is_bad / high_is_good are accepted too."""
    from ..core.composite import CATALOGUE_POLARITY, POLARITIES

    parts = [p.strip().lower() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if not parts:
        return ["high"] * len(fields)
    words = [CATALOGUE_POLARITY.get(p, p) for p in parts]
    bad = [p for p, w in zip(parts, words) if w not in POLARITIES]
    if bad:
        raise CompositeError(f"POLARITY '{bad[0]}' is not a polarity: use 'high' (a high value means more need) or "
                             "'low' (a low value means more need), one per field, separated by commas.")
    if len(words) == 1:
        return words * len(fields)
    if len(words) != len(fields):
        raise CompositeError(f"POLARITY has {len(words)} word(s) for {len(fields)} field(s) ({', '.join(fields)}); "
                             "give one per field, in the same order, or one for all.")
    return words


class CompositeIndexAlgorithm(LisAlgorithm):
    NAME = "compositeindex"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Composite index")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Indices, trends and comparisons")
    GROUP_ID = "indices"
    INPUT, FIELDS, WEIGHTS, POLARITY = "INPUT", "FIELDS", "WEIGHTS", "POLARITY"
    NORMALISATION, COMBINE, MISSING, RECIPE, STEP = "NORMALISATION", "COMBINE", "MISSING", "RECIPE", "STEP"
    OUTPUT, SENSITIVITY, MAX_SHARE, METHOD = "OUTPUT", "SENSITIVITY", "MAX_SHARE_CHANGING_DECILE", "METHOD"
    HELP = ("Combines several fields into one composite (need / vulnerability) index: each field is normalised, "
            "oriented so that higher always means more need, weighted and combined; areas are ranked (1 = most in "
            "need) and put in deciles and quintiles (1 = the most in need 10% / 20%, as the IMD).\n\n"
            "Fields: the components. Weights: numbers in the fields' order, comma-separated, any scale (2,1,1 = "
            "50%, 25%, 25%); empty = equal. Polarity: per field 'high' (a high value means more need, e.g. a "
            "claimant rate) or 'low' (a low value does, e.g. an IMD rank where 1 is the most deprived); one word "
            "applies to all.\n"
            "Normalisation: zscore ((x - mean) / sd), minmax (0-1), rank (rank / n), percentile (0-100) or "
            "exponential (the IoD transformation of the rank, 0-100, which lets a high need in one component be "
            "offset only partly by low need in another). Combine: weighted sum, or weighted geometric mean.\n"
            "Missing values: fail (an error listing the areas), drop (left out), reweight (the area's other "
            "components, weights renormalised) or mean (average need).\n"
            "Recipe (optional): an index recipe (TOML or JSON, as for `lis index`) whose components name fields of "
            "this layer; its weights, polarities, normalisation, combine and missing policy replace the ones "
            "above.\n\n"
            "Output: the input fields plus index_score, index_rank, index_decile, index_quintile and per "
            "component <field>_norm (its normalised value) and <field>_contrib (weight x normalised value; they "
            "add up to the score for a weighted sum). The weight sensitivity (how many areas change decile when "
            "each weight moves up or down by STEP) is written to the log and returned as SENSITIVITY (JSON) and "
            "MAX_SHARE_CHANGING_DECILE. The layer is styled by decile, darker = more need.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Areas",
                                                              [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.FIELDS, "Component fields", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric, allowMultiple=True,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterString(self.WEIGHTS, "Weights (comma-separated, in the fields' "
                                                       "order; empty = equal)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.POLARITY, "Polarity per field: high or low = more need "
                                                       "(comma-separated; empty = high)", optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.NORMALISATION, "Normalisation", list(NORMALISATIONS),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(self.COMBINE, "Combine", ["weighted sum", "geometric mean"],
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(self.MISSING, "Missing values", list(MISSING_POLICIES),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.RECIPE, "Index recipe (optional; replaces the settings above)", optional=True,
            fileFilter="Index recipes (*.toml *.json);;All files (*.*)"))
        self.addParameter(QgsProcessingParameterNumber(self.STEP, "Sensitivity: move each weight by (0.2 = 20%)",
                                                       QgsProcessingParameterNumber.Type.Double, 0.2, minValue=0.01,
                                                       maxValue=0.99))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Composite index"))
        self.addOutput(QgsProcessingOutputString(self.SENSITIVITY, "Weight sensitivity (JSON)"))
        self.addOutput(QgsProcessingOutputNumber(self.MAX_SHARE, "Largest share of areas changing decile"))
        self.addOutput(QgsProcessingOutputString(self.METHOD, "How the index was made"))

    def execute(self, parameters, context, feedback) -> dict:
        import pandas as pd

        from ..core.composite import build_index
        from ..qgis_bridge.frames import read_frame

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        components, options = self._components(parameters, context)
        names = [c.source_column for c in components]
        absent = [n for n in names if source.fields().indexFromName(n) < 0]
        if absent:
            raise CompositeError(f"The layer has no field(s) {', '.join(absent)}.")
        rows = read_frame(source, numeric=names, geometry=True, all_fields=True)
        if rows.empty:
            raise CompositeError("The layer has no features.")
        frame = pd.DataFrame({n: rows[n].to_numpy(float) for n in names}, index=rows["fid"].astype(str).tolist())
        result = build_index(frame, components, **options)
        feedback.pushInfo(f"Method: {result.method()}")
        if result.dropped:
            feedback.pushWarning(f"{len(result.dropped)} area(s) lacked a component and were left out (missing = "
                                 "drop); their index fields are empty.")
        step = self.parameterAsDouble(parameters, self.STEP, context)
        sensitivity = result.sensitivity(step)
        feedback.pushInfo(f"Weight sensitivity (each weight moved by {step:.0%}, the others renormalised):")
        for row in sensitivity.itertuples(index=False):
            feedback.pushInfo(f"  {row.component} {row.change}: weight {row.weight:.1%} -> {row.new_weight:.1%}, "
                              f"{row.areas_changing_decile} area(s) change decile ({row.share_changing_decile:.1%}), "
                              f"largest rank move {row.max_rank_change}")
        dest = self._write(parameters, context, source, rows, result)
        style_deciles_on_load(context, dest)
        largest = float(sensitivity["share_changing_decile"].max()) if len(sensitivity) else 0.0
        return {self.OUTPUT: dest, self.SENSITIVITY: json.dumps(sensitivity.to_dict("records")),
                self.MAX_SHARE: largest, self.METHOD: result.method()}

    def _components(self, parameters, context) -> tuple[list[Component], dict]:
        """The components and build_index options, from the recipe when one is given, else the parameters."""
        from ..core.composite import Component
        from ..core.index_recipe import load_recipe

        recipe_path = self.parameterAsFile(parameters, self.RECIPE, context)
        if recipe_path:
            recipe = load_recipe(recipe_path)
            with_per = [c.key for c in recipe.components if c.per]
            if with_per:
                raise CompositeError(f"{recipe_path}: component(s) {', '.join(with_per)} divide by a store "
                                     "indicator ('per'); run such recipes on the store with `lis index`, or make "
                                     "the rate a field of the layer.")
            silent = [c.key for c in recipe.components if not c.polarity]
            if silent:  # `lis index` reads it from the catalogue; a layer has none, and a guess can invert the index
                raise CompositeError(f"{recipe_path}: component(s) {', '.join(silent)} give no polarity, and a layer "
                                     "has no catalogue to take it from: add polarity = \"high\" (a high value means "
                                     "more need) or \"low\" to each, or run the recipe on the store with "
                                     "`lis index`.")
            parts = [Component(c.key, c.weight, c.polarity, column=c.key,
                               rank_population=c.rank_population) for c in recipe.components]
            return parts, {"normalisation": recipe.normalisation, "combine": recipe.combine,
                           "missing": recipe.missing}
        fields = self.parameterAsFields(parameters, self.FIELDS, context)
        if not fields:
            raise CompositeError("Choose the component fields (FIELDS), or give an index recipe (RECIPE).")
        weights = parse_weights(self.parameterAsString(parameters, self.WEIGHTS, context), fields)
        polarities = parse_polarities(self.parameterAsString(parameters, self.POLARITY, context), fields)
        parts = [Component(f, w, p) for f, w, p in zip(fields, weights, polarities)]
        return parts, {"normalisation": NORMALISATIONS[self.parameterAsEnum(parameters, self.NORMALISATION, context)],
                       "combine": COMBINATIONS[self.parameterAsEnum(parameters, self.COMBINE, context)],
                       "missing": MISSING_POLICIES[self.parameterAsEnum(parameters, self.MISSING, context)]}

    def _write(self, parameters, context, source, rows, result) -> str:
        """The input features with the index fields added (input fields of the same names are replaced)."""
        columns = list(RESULT_FIELDS)
        names = {name: name for name, _ in RESULT_FIELDS}
        for comp in result.components:
            columns += [(f"{comp.id}_norm", QVariant.Type.Double), (f"{comp.id}_contrib", QVariant.Type.Double)]
            names[f"{comp.id}_normalised"] = f"{comp.id}_norm"
            names[f"{comp.id}_contribution"] = f"{comp.id}_contrib"
        table = result.frame.reset_index(drop=True).rename(columns=names)
        return self.write_with_columns(parameters, context, self.OUTPUT, source, rows, table, columns)


def style_deciles_on_load(context, dest: str) -> None:
    """When Processing adds the output to the map, style it by decile (darker = more need)."""
    from ..qgis_bridge.charts import style_index_deciles

    style_on_load(context, dest, style_index_deciles)
