"""The choices a study offers, importable without numpy, so the doors' forms load fast."""

from __future__ import annotations

#: How a partner file is laid out (core.ingest): long (code, period, value rows) or wide (a column per indicator).
LAYOUTS = ("long", "wide")
#: How the dates of a partner file become periods (core.ingest).
PERIOD_FORMATS = ("month", "year")
#: An indicator's polarity, as the catalogue records it (core.store) and a comparison reads it (core.compare).
POLARITIES = ("high_is_bad", "high_is_good", "neutral")
#: Class-break methods of a map (core.classify).
CLASSIFICATION_METHODS = ("quantile", "equal", "jenks", "stddev", "decile", "manual")
#: What a benchmark comparison compares (core.compare).
COMPARISON_KINDS = ("proportion", "rate", "count")
#: How neighbours are found (core.weights).
WEIGHT_KINDS = ("queen", "rook", "knn", "distance", "inverse_distance")
#: Multiple-testing corrections of a local statistic (core.hotspot).
CORRECTIONS = ("none", "bonferroni", "fdr")
#: How a composite index normalises, combines and treats missing components (core.composite).
NORMALISATIONS = ("zscore", "minmax", "rank", "percentile", "exponential")
COMBINATIONS = ("sum", "geomean")
MISSING_POLICIES = ("fail", "drop", "reweight", "mean")
