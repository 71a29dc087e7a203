"""What a store says about itself, so nothing assumes Wigan: its home geography and home area(s) (the borough or
boroughs it serves), the geography profiles and atlases are made for (wards), its small areas (LSOAs), the lookup
between them, and the indicators a profile shows by default. Kept in lis_meta as `setting.<key>` rows; a store
that has not been told is read for the obvious choice (one district geography, the newest wards, LSOA 2011)."""

from __future__ import annotations

import json
import re

from ..errors import ParameterError
from .base import StoreBase

SETTINGS = {
    "home_geography": "the geography of the borough(s) the store serves, e.g. lad23",
    "home_areas": "the borough(s) the store serves: codes of the home geography, comma-separated",
    "area_geography": "the geography profiles and atlases are made for, e.g. ward23",
    "small_area_geography": "the small areas indicators are held on, e.g. lsoa11",
    "area_lookup": "the lookup from the small areas to the profile areas, e.g. lsoa11_ward23",
    "profile_indicators": "the indicators an area profile shows by default, comma-separated, in page order",
    "centroids": "a point layer of the small areas' population-weighted centroids (e.g. lsoa11_pwc): where siting "
                 "puts each small area's demand",
    "suppress_below": "small-number suppression: counts from 1 to this minus 1 (e.g. 5 or 10) are withheld from "
                      "maps, atlases, profiles, comparisons and exports, with secondary suppression; 0: none",
    "publish_contact": "who readers of a published website contact about accessibility problems, e.g. an e-mail "
                       "address or a phone number (its accessibility statement)",
}


class SettingsStore(StoreBase):
    """Reading and setting the store's description of itself."""

    def settings(self) -> dict[str, str]:
        """The settings given to this store (only those given): key -> value."""
        rows = self._conn.execute("SELECT key, value FROM lis_meta WHERE key LIKE 'setting.%'").fetchall()
        return {key[len("setting."):]: value for key, value in rows}

    def set_settings(self, values: dict[str, str | None]) -> None:
        """Set (or, with None or "", clear) settings in one transaction, recorded in the audit log."""
        unknown = sorted(set(values) - set(SETTINGS))
        if unknown:
            raise ParameterError(f"Unknown store setting(s) {', '.join(unknown)}; the settings are: "
                                 f"{', '.join(SETTINGS)}.")
        if values.get("suppress_below"):
            from ..suppression import parse_threshold

            parse_threshold(values["suppress_below"])  # a threshold that is not a whole number >= 2 is refused now
        with self._write("changing the store's settings"):
            for key, value in values.items():
                self._conn.execute("DELETE FROM lis_meta WHERE key = ?", (f"setting.{key}",))
                if value not in (None, ""):
                    self._conn.execute("INSERT INTO lis_meta (key, value) VALUES (?, ?)", (f"setting.{key}",
                                                                                          str(value)))
            self._audit("settings", ",".join(sorted(values)), None, None, len(values), None,
                        json.dumps({k: v for k, v in values.items()}, sort_keys=True))

    def setting(self, key: str) -> str | None:
        """One setting as given, else the obvious choice for this store (None when there is none)."""
        given = self.settings().get(key)
        if given:
            return given
        return _inferred(self, key)


def _inferred(store: SettingsStore, key: str) -> str | None:
    """The obvious choice for a setting the store was not given."""
    rows = store._conn.execute("SELECT name FROM lis_geography WHERE kind = 'areas' ORDER BY name").fetchall()
    areas = [r[0] for r in rows]
    if key == "home_geography":
        return _newest([g for g in areas if re.match(r"(lad|la|lpa|district|borough|utla|ltla)\d*$", g)])
    if key == "area_geography":
        return _newest([g for g in areas if re.match(r"(ward|wd)\d*$", g)])
    if key == "small_area_geography":
        return "lsoa11" if "lsoa11" in areas else _newest([g for g in areas if g.startswith("lsoa")])
    if key == "area_lookup":
        small, target = store.setting("small_area_geography"), store.setting("area_geography")
        found = [r[0] for r in store._conn.execute(
            "SELECT name FROM lis_lookup WHERE from_geography = ? AND to_geography = ? ORDER BY name",
            (small, target))]
        return found[0] if len(found) == 1 else None
    return None


def _newest(names: list[str]) -> str | None:
    """The name with the highest year in it (ward23 over ward22), or the only one."""
    if not names:
        return None
    return max(names, key=lambda n: (int(re.sub(r"\D", "", n) or 0), n))
