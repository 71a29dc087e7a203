"""The indicator store ("collect once, use many times"): GeoPackage by default, SpatiaLite on the same code."""

from .store import POLARITIES, GeographyReport, Store, ValueRows

__all__ = ["POLARITIES", "GeographyReport", "Store", "ValueRows"]
