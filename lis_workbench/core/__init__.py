"""The LIS Workbench engine: plain data in, plain data out. Never imports qgis, Qt or processing."""
