"""The website study: an accessible, offline static site (home, ward profiles, indicator maps, methods and an
accessibility statement) from one borough's profile rows. study.py runs it; pages.py and about.py write the
pages, layout.py their shared shell, svg_map.py the maps and words.py the words made from the data."""

from .study import PublishResult, PublishStudy, run_publish_study

__all__ = ["PublishResult", "PublishStudy", "run_publish_study"]
