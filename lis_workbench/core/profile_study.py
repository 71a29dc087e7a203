"""The area-profile study: which indicators, areas and borough a set of profile pages is for (the store's own
settings unless told), the pages' rows (profile.build_profiles), and the words that title and stamp them. `lis
profile`, Processing "Area profiles" and the dock all run it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .borough import Borough, choose_borough
from .errors import ProfileError
from .geography import aggregation_kind
from .profile import AreaProfile, build_profiles

#: Indicators a profile shows when neither the user nor the store says (those the store has, in this order).
FALLBACK_INDICATORS = ("pop2016_total", "pop2016_age_0_4", "iod2019_income_numerator", "iod2019_idaci_numerator",
                       "iod2019_employment_numerator", "census2011_no_qualifications",
                       "census2011_lone_parents_not_employed", "iod2019_overcrowding", "iod2019_staying_on_post16",
                       "iod2019_years_life_lost", "iod2019_no2", "claimant_count")


@dataclass
class ProfileStudy:
    """What to profile: indicators (default: the store's profile indicators), the profile areas' geography and
    the lookup to them (default: the store's), and the borough (a code or name; default: the store's only one)."""

    indicators: Sequence[str] | None = None
    geography: str | None = None
    lookup: str | None = None
    borough: str | None = None
    period: str | None = None


@dataclass
class ProfileResult:
    """The pages, and the words every door puts on them."""

    profiles: list[AreaProfile]
    indicators: list[str]
    borough: Borough
    subtitle: str
    provenance: str
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """What every door reports once the pages are drawn: how many, for which borough, of how many indicators
        (the book ends with its methods pages)."""
        label = str((self.profiles[0].provenance or {}).get("area_label") or "area") if self.profiles else "area"
        return (f"{len(self.profiles)} {label} pages for {self.borough.name} ({_count(len(self.indicators))}) "
                "and the methods")


def chosen_indicators(store, asked: Sequence[str] | None, geography: str | None = None) -> list[str]:
    """The indicators asked for, else the store's profile indicators, else those of FALLBACK_INDICATORS it has.

    Of a default list, indicators whose values cannot be combined into the profile areas (ranks, deciles and
    scores of smaller areas: every page would print "n/a") are left out; named ones are always shown."""
    if asked:
        return [str(i).strip() for i in asked if str(i).strip()]
    chosen = _listed(store)
    skipped = set(not_combinable(store, chosen, geography))
    shown = [i for i in chosen if i not in skipped]
    if not shown:
        raise ProfileError("The store does not say which indicators a profile shows, and has none of the usual "
                           "ones that can be given for its areas; name the indicators.", option="indicators")
    return shown


def not_combinable(store, indicators: Sequence[str], geography: str | None = None) -> dict[str, str]:
    """{id: reason} of the indicators held on other areas whose values cannot be combined into the profile
    areas (geography: default the store's area geography): ranks, deciles, scores and the like."""
    geography = geography or store.setting("area_geography")
    out = {}
    for ind in indicators:
        entry = store.indicator(ind)
        if entry["geography"] != geography and \
                aggregation_kind(entry["value_type"], entry["unit"]) not in ("count", "rate"):
            out[ind] = f"{entry['title']}: {entry['value_type'] or 'its'} values of {entry['geography']} areas " \
                       f"cannot be combined into {geography} values"
    return out


def run_profile_study(store, study: ProfileStudy) -> ProfileResult:
    """Build the profile pages of a study, with their subtitle and provenance line."""
    indicators = chosen_indicators(store, study.indicators, study.geography)
    skipped = [] if study.indicators else list(not_combinable(store, _listed(store), study.geography).values())
    borough = choose_borough(store, study.borough)
    profiles = build_profiles(store, indicators, geography=study.geography, lookup=study.lookup,
                              period=study.period, borough=borough.code)
    first = profiles[0].provenance if profiles else {}
    provenance = (f"Store {store.label}, checksum "
                  f"{str(first.get('store_checksum', ''))[:16]}; lookup {first.get('lookup')}.")
    subtitle = f"Area profile: {_count(len(indicators))} compared with {borough.name} and England"
    notes = [f"Left out of the default profile: {reason}." for reason in skipped]
    return ProfileResult(profiles, indicators, borough, subtitle, provenance, notes)


def _listed(store) -> list[str]:
    """The store's default profile list (setting, else FALLBACK_INDICATORS), as far as the store has them."""
    known = set(store.catalogue()["id"])
    setting = store.setting("profile_indicators")
    listed = [i.strip() for i in setting.split(",")] if setting else list(FALLBACK_INDICATORS)
    return [i for i in listed if i in known]


def _count(n: int) -> str:
    return f"{n} indicator" if n == 1 else f"{n} indicators"
