"""Processing "Import indicators": a partner CSV into the store, validated in full and written all at once or not
at all (core.ingest, as `lis import`), so "collect once" can be a step of a model."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from ..core.choices import LAYOUTS, PERIOD_FORMATS, POLARITIES
from ..qgis_bridge.feedback import progress_from_feedback
from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm

#: choices with "" meaning "work it out" (layout, period format) or "not given" (polarity)
LAYOUT_CHOICES = ("infer from the file", *LAYOUTS)
PERIOD_FORMAT_CHOICES = ("as written", *PERIOD_FORMATS)
POLARITY_CHOICES = ("not given", *POLARITIES)
TEXT_OPTIONS = (("GEOGRAPHY", "geography", "Geography of the codes (empty: inferred from the codes)"),
                ("CODE_COLUMN", "code_column", "Column of area codes (empty: inferred)"),
                ("PERIOD_COLUMN", "period_column", "Column of periods (empty: inferred from its name)"),
                ("PERIOD", "period", "Period of a file without a period column"),
                ("INDICATOR_COLUMN", "indicator_column", "Long layout: column naming each row's indicator"),
                ("INDICATOR", "indicator", "Long layout, one indicator: its id"),
                ("PREFIX", "id_prefix", "Prefix for ids made from column names"))
CATALOGUE_OPTIONS = (("TITLE", "title"), ("THEME", "theme"), ("UNIT", "unit"), ("VALUE_TYPE", "value_type"),
                     ("SOURCE", "source"), ("PARTNER", "partner"), ("LICENCE", "licence"), ("NOTES", "notes"),
                     ("DENOMINATOR", "denominator"))


class ImportIndicatorsAlgorithm(LisAlgorithm):
    NAME = "importindicators"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Import indicators")
    STORE, INPUT, LAYOUT, PERIOD_FORMAT, VALUE_COLUMNS = "STORE", "INPUT", "LAYOUT", "PERIOD_FORMAT", "VALUE_COLUMNS"
    POLARITY, ENCODING, ALLOW_UNMATCHED, REPLACE, DRY_RUN = ("POLARITY", "ENCODING", "ALLOW_UNMATCHED", "REPLACE",
                                                              "DRY_RUN")
    INDICATORS, ROWS, REPORT = "INDICATORS", "ROWS", "REPORT"
    HELP = ("Imports a partner's CSV into the store as `lis import` does: the area-code column and its geography "
            "are worked out from the codes, the layout (long: code, period, value; wide: one column per "
            "indicator) and the period column from the headers. Every cell is checked first; a fault (a "
            "non-number, a repeated area and period, an unknown code, a NUL byte, a period spelt two ways, a "
            "negative count...) stops the import with the file, row and column, and nothing is written. Otherwise "
            "every indicator of the file lands in one transaction, recorded in the audit log.\n\n"
            "Value columns: 'column' or 'column=id', separated by semicolons (empty: every numeric column). "
            "Catalogue fields (title, unit, polarity...) apply to every indicator of the file. Dry run validates "
            "only. Outputs: the indicator ids imported, the number of values and the report.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterFile(self.INPUT, "Partner CSV file", extension="csv"))
        self.addParameter(QgsProcessingParameterEnum(self.LAYOUT, "Layout", list(LAYOUT_CHOICES), defaultValue=0))
        for key, _, label in TEXT_OPTIONS:
            self.addParameter(QgsProcessingParameterString(key, label, optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.PERIOD_FORMAT, "Dates to periods",
                                                     list(PERIOD_FORMAT_CHOICES), defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.VALUE_COLUMNS, "Value columns ('column' or 'column=id', "
                                                       "separated by ;)", optional=True))
        for key, name in CATALOGUE_OPTIONS:
            self.addParameter(QgsProcessingParameterString(key, f"Catalogue: {name.replace('_', ' ')}",
                                                           optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.POLARITY, "Catalogue: polarity", list(POLARITY_CHOICES),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.ENCODING, "Text encoding of the file", "utf-8-sig"))
        self.addParameter(QgsProcessingParameterBoolean(self.ALLOW_UNMATCHED, "Import rows with known codes, record "
                                                        "the others in the audit log", defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(self.REPLACE, "Overwrite values already stored for these "
                                                        "periods", defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(self.DRY_RUN, "Validate only (write nothing)",
                                                        defaultValue=False))
        self.addOutput(QgsProcessingOutputString(self.INDICATORS, "Indicators imported (comma-separated)"))
        self.addOutput(QgsProcessingOutputNumber(self.ROWS, "Values imported"))
        self.addOutput(QgsProcessingOutputString(self.REPORT, "Report"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.ingest import import_file, report_lines, spec_from_options
        from ..core.store import Store

        def text(key: str) -> str | None:
            return self.parameterAsString(parameters, key, context).strip() or None

        layout = self.parameterAsEnum(parameters, self.LAYOUT, context)
        period_format = self.parameterAsEnum(parameters, self.PERIOD_FORMAT, context)
        polarity = self.parameterAsEnum(parameters, self.POLARITY, context)
        defaults = {name: text(key) for key, name in CATALOGUE_OPTIONS}
        defaults["polarity"] = POLARITY_CHOICES[polarity] if polarity else None
        spec = spec_from_options(
            **{name: text(key) for key, name, _ in TEXT_OPTIONS},
            layout=LAYOUT_CHOICES[layout] if layout else None,
            period_format=PERIOD_FORMAT_CHOICES[period_format] if period_format else None,
            encoding=text(self.ENCODING) or "utf-8-sig",
            allow_unmatched=self.parameterAsBool(parameters, self.ALLOW_UNMATCHED, context),
            replace=self.parameterAsBool(parameters, self.REPLACE, context),
            value_columns=[v for v in (text(self.VALUE_COLUMNS) or "").split(";") if v.strip()],
            defaults=defaults)
        dry_run = self.parameterAsBool(parameters, self.DRY_RUN, context)
        with Store.open(self.parameterAsFile(parameters, self.STORE, context)) as store:
            report = import_file(store, self.parameterAsFile(parameters, self.INPUT, context), spec, dry_run=dry_run,
                                 progress=progress_from_feedback(feedback))
        lines = report_lines(report, dry_run)
        for line in lines:
            feedback.pushInfo(line)
        return {self.INDICATORS: ",".join(report.indicators), self.ROWS: report.rows, self.REPORT: " ".join(lines)}
