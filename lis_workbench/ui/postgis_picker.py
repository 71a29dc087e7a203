"""Choosing a PostGIS store in the dock: one of QGIS's saved PostgreSQL connections (Browser > PostgreSQL) and the
store's schema, or a typed address (postgresql://... or service=NAME)."""

from __future__ import annotations

from qgis.core import QgsDataSourceUri, QgsProviderRegistry
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
)

#: The parts of a QGIS connection that libpq (and so the store) understands.
LIBPQ_KEYS = ("service", "host", "port", "dbname", "user", "password", "sslmode")


def saved_connections() -> dict[str, str]:
    """QGIS's saved PostgreSQL connections: name -> libpq connection string (empty when there are none)."""
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    if metadata is None:
        return {}
    try:
        connections = metadata.connections(False)
    except Exception:  # noqa: BLE001 - an old or broken connection list: offer none rather than fail the dock
        return {}
    return {name: connection.uri() for name, connection in connections.items()}


def address_from_connection(conninfo: str, schema: str) -> str:
    """A store address (libpq keywords plus schema) from a QGIS connection's URI. A connection that keeps its
    password in QGIS's authentication database is refused with a way round it (pg_service.conf)."""
    from ..core.errors import StoreError

    uri = QgsDataSourceUri(conninfo)
    if uri.authConfigId():
        raise StoreError("This QGIS connection keeps its password in QGIS's authentication database, which LIS "
                         "Workbench cannot read. Put the connection in pg_service.conf (with a .pgpass file) and "
                         "give service=NAME, or type postgresql://user@host/database.")
    values = {"service": uri.service(), "host": uri.host(), "port": uri.port(), "dbname": uri.database(),
              "user": uri.username(), "password": uri.password(),
              "sslmode": QgsDataSourceUri.encodeSslMode(uri.sslMode()) if uri.sslMode() else ""}
    words = [f"{key}='{values[key]}'" for key in LIBPQ_KEYS if values.get(key)]
    return " ".join([*words, f"schema={schema or 'lis'}"])


class PostgisPicker(QDialog):
    """Pick a saved connection and a schema, or type an address; `address()` is what the dock opens."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Open a PostGIS store"))
        self.connections = saved_connections()
        layout = QFormLayout(self)
        self.connectionCombo = QComboBox()
        self.connectionCombo.addItems([self.tr("(type an address below)"), *sorted(self.connections)])
        self.schemaEdit = QLineEdit("lis")
        self.addressEdit = QLineEdit()
        self.addressEdit.setPlaceholderText("postgresql://me@server/database?schema=lis  or  service=lis")
        layout.addRow(QLabel(self.tr("A store in a PostgreSQL database: one of QGIS's saved connections and the "
                                     "store's schema, or its address.")))
        layout.addRow(self.tr("Connection"), self.connectionCombo)
        layout.addRow(self.tr("Schema"), self.schemaEdit)
        layout.addRow(self.tr("Or address"), self.addressEdit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def address(self) -> str:
        typed = self.addressEdit.text().strip()
        if typed or self.connectionCombo.currentIndex() == 0:
            return typed
        name = self.connectionCombo.currentText()
        return address_from_connection(self.connections[name], self.schemaEdit.text().strip())
