"""The only engine-side code that imports qgis: frames <-> layers, feedback <-> progress, logging."""
