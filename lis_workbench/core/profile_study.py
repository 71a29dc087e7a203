"""The area-profile study: which indicators, areas and borough a set of profile pages is for (the store's own
settings unless told), the pages' rows (profile.build_profiles), and the words that title and stamp them. `lis
profile`, Processing "Area profiles" and the dock all run it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .borough import Borough, choose_borough
from .errors import ProfileError
from .profile import AreaProfile, build_profiles

#: Indicators a profile shows when neither the user nor the store says (those the store has, in this order).
FALLBACK_INDICATORS = ("pop2016_total", "pop2016_age_0_4", "iod2019_income_numerator", "iod2019_idaci_numerator",
                       "iod2019_employment_numerator", "census2011_no_qualifications",
                       "census2011_lone_parents_not_employed", "iod2019_overcrowding", "iod2019_staying_on_post16",
                       "iod2019_years_life_lost", "iod2019_no2", "claimant_count", "imd2019_imd_rank")


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
        """What every door reports once the pages are drawn: how many, for which borough, of how many indicators."""
        return f"{len(self.profiles)} pages for {self.borough.name} ({len(self.indicators)} indicators)"


def chosen_indicators(store, asked: Sequence[str] | None) -> list[str]:
    """The indicators asked for, else the store's profile indicators, else those of FALLBACK_INDICATORS it has."""
    if asked:
        return [str(i).strip() for i in asked if str(i).strip()]
    known = set(store.catalogue()["id"])
    setting = store.setting("profile_indicators")
    listed = [i.strip() for i in setting.split(",")] if setting else list(FALLBACK_INDICATORS)
    chosen = [i for i in listed if i in known]
    if not chosen:
        raise ProfileError("The store does not say which indicators a profile shows, and has none of the usual "
                           "ones; name the indicators.", option="indicators")
    return chosen


def run_profile_study(store, study: ProfileStudy) -> ProfileResult:
    """Build the profile pages of a study, with their subtitle and provenance line."""
    indicators = chosen_indicators(store, study.indicators)
    borough = choose_borough(store, study.borough)
    profiles = build_profiles(store, indicators, geography=study.geography, lookup=study.lookup,
                              period=study.period, borough=borough.code)
    first = profiles[0].provenance if profiles else {}
    provenance = (f"Store {store.label}, checksum "
                  f"{str(first.get('store_checksum', ''))[:16]}; lookup {first.get('lookup')}.")
    subtitle = f"Area profile: {len(indicators)} indicators compared with {borough.name} and England"
    return ProfileResult(profiles, indicators, borough, subtitle, provenance)
