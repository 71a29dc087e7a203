"""Place names on maps: whether a map is labelled and which areas name it. Atlases (and published pages) are
labelled unless asked not to be, single maps only when asked. A geography too dense to name on one page (200
LSOAs on A4 overprint into a smear) is named by a coarser layer of the store instead (its wards, else its
boroughs); with none, the map goes unlabelled and the note says why. Every door asks this module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: More areas than this on one A4 map and their names overprint (25 wards read well; 200 LSOAs do not).
MOST_NAMES_ON_A_PAGE = 60
#: Whether each kind of output is labelled when nobody says.
LABELS_BY_DEFAULT = {"map": False, "atlas": True, "publish": True}
NAME_FIELD = "area_name"


@dataclass(frozen=True)
class LabelChoice:
    """Which geography's area names label the map (None: no labels) and, when that is not what was asked, why."""

    geography: str | None
    note: str = ""


def labels_wanted(asked: bool | None, output: str) -> bool:
    """Labels as asked; when not asked, the default of this kind of output ('map', 'atlas', 'publish')."""
    return LABELS_BY_DEFAULT.get(output, False) if asked is None else bool(asked)


def choose_label_geography(geography: str, n_areas: int, coarser: Sequence[tuple[str, int]] = (),
                           most: int = MOST_NAMES_ON_A_PAGE) -> LabelChoice:
    """The geography whose names label a map of `n_areas` areas of `geography`: itself when they fit on a page,
    else the first of `coarser` ((geography, number of areas), best first: wards, then boroughs) with 2 to
    `most` areas, else none, said in words."""
    if n_areas <= most:
        return LabelChoice(geography)
    for name, count in coarser:
        if name != geography and 2 <= count <= most:
            return LabelChoice(name, f"Names: {name}, as the {n_areas} areas of {geography} are too many to name "
                                     f"on one page.")
    return LabelChoice(None, f"Not labelled: the {n_areas} areas of {geography} are too many to name on one page, "
                             "and there is no ward or borough layer to name instead.")


def label_plan(store, geography: str, n_areas: int, asked: bool | None, output: str = "map") -> LabelChoice:
    """Whether and by which of the store's geographies a map of `geography` is named: the store's area geography
    (wards) and then its home geography (boroughs) stand in for a dense one."""
    if not labels_wanted(asked, output):
        return LabelChoice(None)
    coarser = []
    for setting in ("area_geography", "home_geography"):
        name = store.setting(setting)
        if name and name in store.geography_names():
            coarser.append((name, len(store.area_codes(name))))
    return choose_label_geography(geography, n_areas, coarser)
