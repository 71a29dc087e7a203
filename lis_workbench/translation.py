"""Translations of the plugin's words (menus, the dock, algorithm names and groups): `tr` at the point of use,
`QT_TRANSLATE_NOOP` where a name is defined before QGIS runs, one context, and the translator for QGIS's
language loaded from i18n/lis_workbench_<language>.qm when there is one. The sources of translations are
i18n/*.ts, made by pylupdate5 (`make i18n`)."""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QTranslator

CONTEXT = "LisWorkbench"
I18N = Path(__file__).resolve().parent / "i18n"
_TRANSLATOR: QTranslator | None = None

__all__ = ["CONTEXT", "QT_TRANSLATE_NOOP", "install_translator", "tr"]


def tr(text: str) -> str:
    """The text in the user's language, where a translation exists."""
    return QCoreApplication.translate(CONTEXT, text)


def install_translator() -> str | None:
    """Load the .qm for QGIS's user interface language, if the plugin has one; returns its path."""
    global _TRANSLATOR
    from qgis.core import QgsSettings

    language = str(QgsSettings().value("locale/userLocale", "") or "")[:2]
    path = I18N / f"lis_workbench_{language}.qm"
    if not language or not path.exists() or _TRANSLATOR is not None:
        return None
    translator = QTranslator()
    if translator.load(str(path)):
        QCoreApplication.installTranslator(translator)
        _TRANSLATOR = translator
        return str(path)
    return None
