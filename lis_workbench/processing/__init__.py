"""Processing algorithms: one thin module per algorithm over the engine (core/) and qgis_bridge/."""
