"""What the public-health statistics algorithms share (Crude rate, DSR, ISR, Funnel plot limits): their group, a
layer's fields read after checking that each field parameter names one, and a result table written without
geometry. Light at import, as every algorithm module: the engine comes in when an algorithm runs."""

from __future__ import annotations

from collections.abc import Sequence

from qgis.core import QgsCoordinateReferenceSystem, QgsFields, QgsProcessingException, QgsWkbTypes
from qgis.PyQt.QtCore import QVariant

from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm


class StatsAlgorithm(LisAlgorithm):
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Public-health statistics")
    GROUP_ID = "stats"

    def field_names(self, parameters, context, key: str) -> list[str]:
        """The field(s) a field parameter names (none when an optional one is left empty)."""
        return [name for name in self.parameterAsFields(parameters, key, context) if name]

    def read_fields(self, parameters, context, key: str, numeric: Sequence[str] = (), text: Sequence[str] = (),
                    **options):
        """read_input() of the source `key` with the fields named by the field parameters `numeric` and `text`
        (their keys), each first checked to be a field of the source: a missing one is named with its parameter
        (read_input would read it as empty). Returns (source, frame)."""
        source = self.parameterAsSource(parameters, key, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, key))
        present = source.fields().names()
        for name_key in (*numeric, *text):
            missing = [n for n in self.field_names(parameters, context, name_key) if n not in present]
            if missing:
                definition = self.parameterDefinition(name_key)
                verb = "is not a field" if len(missing) == 1 else "are not fields"
                raise QgsProcessingException(
                    f"{', '.join(repr(m) for m in missing)} {verb} of {key} (parameter '{definition.description()}', "
                    f"{name_key}); the fields of {key}: {', '.join(present) or 'none'}.")
        numbers = [n for k in numeric for n in self.field_names(parameters, context, k)]
        words = [n for k in text for n in self.field_names(parameters, context, k)]
        return self.read_input(parameters, key, context, numeric=numbers, text=words, **options)

    def write_table(self, parameters, context, key: str, table) -> str:
        """A result table as a layer without geometry: text columns as strings, the rest as numbers."""
        from ..qgis_bridge.compat import make_field

        fields = QgsFields()
        for name in table.columns:
            kind = QVariant.Type.String if table[name].dtype == object else QVariant.Type.Double
            fields.append(make_field(str(name), kind))
        dest = self.write_frame(parameters, context, key, table, fields, QgsWkbTypes.Type.NoGeometry,
                                QgsCoordinateReferenceSystem())
        if not dest:
            raise QgsProcessingException(self.invalidSinkError(parameters, key))
        return dest
