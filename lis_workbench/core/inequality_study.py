"""The inequality study: how an indicator varies across deprivation quantiles (e.g. a borough's LSOAs by their IMD
decile), as Fingertips measures it - each quantile's value with its interval, then the slope and relative indices
of inequality across them (core.stats.sii). Its defaults, rules and words are shared by every door."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .compare_study import default_kind, default_multiplier, resolve_denominator, unit_words
from .errors import AnalysisError
from .stats.crude import proportion, rate
from .stats.sii import sii

#: Deprivation indicators the study picks by itself, newest first: the IMD decile of the indicator's small areas.
DEPRIVATION_PATTERN = re.compile(r"imd(\d{4})_imd_decile$")


@dataclass
class InequalityResult:
    """Each quantile's value and the indices of inequality across them, with the words that go with them."""

    table: pd.DataFrame  # quantile, areas, numerator, denominator, value, lower_95, upper_95
    sii: float
    sii_lower: float
    sii_upper: float
    rii: float
    rii_lower: float
    rii_upper: float
    intercept: float  # the fitted value at the most deprived end (rank 0)
    kind: str
    unit: str
    title: str
    subtitle: str
    summary: str
    notes: list[str] = field(default_factory=list)
    multiplier: float = 100.0
    quantile_word: str = "quantile"  # decile, quintile

    def curve(self, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
        """The fitted line across the relative ranks 0 (most deprived) to 1, in the values' units: straight on the
        logit (proportions) or log (rates) scale it was fitted on, through the two ends the SII joins."""
        from scipy.special import expit, logit

        ranks = np.linspace(0.0, 1.0, points)
        start, end = self.intercept / self.multiplier, (self.intercept + self.sii) / self.multiplier
        if self.kind == "proportion":
            values = expit(logit(start) + (logit(end) - logit(start)) * ranks)
        else:
            values = np.exp(np.log(start) + (np.log(end) - np.log(start)) * ranks)
        return ranks, values * self.multiplier


def default_deprivation(store, geography: str) -> str:
    """The newest IMD decile indicator on the geography (imd2019_imd_decile on lsoa11), else a clear error."""
    found = [(int(m.group(1)), ind) for ind in store.catalogue()["id"]
             if (m := DEPRIVATION_PATTERN.match(str(ind))) and store.indicator(ind)["geography"] == geography]
    if not found:
        raise AnalysisError(f"The store has no IMD decile indicator on {geography} (e.g. imd2019_imd_decile); name "
                            "the deprivation quantiles to use.", option="deprivation")
    return max(found)[1]


def inequality_indicator(store, indicator: str, *, denominator: str | None = None, deprivation: str | None = None,
                         period: str | None = None, kind: str | None = None, multiplier: float | None = None,
                         reps: int = 100_000, seed: int = 1, confidence: float = 0.95) -> InequalityResult:
    """An indicator of the store across deprivation quantiles: its small areas grouped by a quantile indicator on
    the same geography (whole numbers, 1 = most deprived, as IMD deciles), numerators and denominators summed per
    quantile, each quantile's value with its 95% interval (Wilson for proportions; exact Poisson / Byar for rates),
    then the SII and RII (transformed: logit for proportions, log for rates; simulated limits, seeded)."""
    entry = store.indicator(indicator)
    values = store.get_values(indicator, period)
    used_period = str(values["period"].iloc[0]) if len(values) else str(period)
    notes: list[str] = []
    denominator = resolve_denominator(store, entry, values, denominator, notes)
    if denominator:
        people = store.get_values(denominator).set_index("area_code")["value"]
        frame = pd.DataFrame({"area_code": values["area_code"], "numerator": values["value"].to_numpy(float)})
        frame["denominator"] = frame["area_code"].map(people).astype(float)
    elif values["denominator"].notna().any():
        frame = values[["area_code", "numerator", "denominator"]].astype({"numerator": float, "denominator": float})
    else:
        raise AnalysisError(f"'{indicator}' has no denominator: an inequality across quantiles needs a count and "
                            "the population it is out of.", option="denominator")
    chosen = default_kind(kind, True)
    if chosen == "count":
        raise AnalysisError("An inequality across quantiles compares rates or proportions, not counts.",
                            option="kind")
    scale = default_multiplier(chosen, multiplier)
    deprivation = deprivation or default_deprivation(store, entry["geography"])
    dep_entry = store.indicator(deprivation)
    if dep_entry["geography"] != entry["geography"]:
        raise AnalysisError(f"The deprivation quantiles '{deprivation}' are on {dep_entry['geography']}, not on "
                            f"{entry['geography']} like '{indicator}'.", option="deprivation")
    quantiles = store.get_values(deprivation).set_index("area_code")["value"]
    frame["quantile"] = frame["area_code"].map(quantiles)
    _check_quantiles(frame["quantile"].dropna(), deprivation)
    usable = frame.dropna(subset=["quantile", "numerator", "denominator"])
    usable = usable[usable["denominator"] > 0]
    left_out = len(frame) - len(usable)
    if left_out:
        notes.append(f"{left_out} area(s) left out: no quantile, count or population")
    q = int(usable["quantile"].max())
    table = usable.assign(quantile=usable["quantile"].astype(int))
    per = (proportion(table, "numerator", "denominator", by=["quantile"], confidence=0.95) if chosen == "proportion"
           else rate(table, "numerator", "denominator", by=["quantile"], multiplier=1.0, confidence=0.95))
    counts = table.groupby("quantile").size()
    missing = sorted(set(range(1, q + 1)) - set(per["quantile"]))
    if missing:
        raise AnalysisError(f"No area is in quantile(s) {', '.join(map(str, missing))} of '{deprivation}': the "
                            "indices of inequality need every quantile; use broader quantiles (e.g. quintiles).",
                            option="deprivation")
    fitted = sii(per, "value", "denominator", "quantile", lower="lower_ci", upper="upper_ci",
                 value_type=2 if chosen == "proportion" else 1, transform=True, rii=True, intercept=True,
                 multiplier=scale, reps=reps, seed=seed, confidence=confidence).iloc[0]
    if fitted["note"]:
        raise AnalysisError(f"The indices of inequality could not be worked out: {fitted['note']}.")
    out = pd.DataFrame({"quantile": per["quantile"].to_numpy(), "areas": counts.loc[per["quantile"]].to_numpy(),
                        "numerator": per["numerator"].to_numpy(), "denominator": per["denominator"].to_numpy(),
                        "value": per["value"].to_numpy() * scale, "lower_95": per["lower_ci"].to_numpy() * scale,
                        "upper_95": per["upper_ci"].to_numpy() * scale})
    unit = unit_words(chosen, scale)
    level = f"{confidence:.1%}".replace(".0%", "%")
    quantile_word = {5: "quintile", 10: "decile"}.get(q, "quantile")
    measure = re.sub(r"\s+(decile|quintile|quantile)\b", "", dep_entry["title"])
    unvalued = int(quantiles.notna().sum()) - len(values)
    if unvalued > 0:
        notes.append(f"{unvalued} area(s) of {entry['geography']} have no value of {indicator} in {used_period}")
    gap_words = "percentage points" if unit == "%" else unit
    direction = ("higher in the most deprived areas" if fitted["sii"] < 0 else "higher in the least deprived areas")
    sep = "" if unit == "%" else " "
    summary = (f"Slope index of inequality {_num(fitted['sii'])} {gap_words} ({level} CI {_num(fitted['sii_lower'])} "
               f"to {_num(fitted['sii_upper'])}): across {q} {quantile_word}s of {measure}, the fitted line runs "
               f"from {_num(fitted['intercept'])}{sep}{unit} at the most deprived end to "
               f"{_num(fitted['intercept'] + fitted['sii'])}{sep}{unit} at the least deprived, {direction}. "
               f"Relative index {fitted['rii']:.3g} ({fitted['rii_lower']:.3g} to {fitted['rii_upper']:.3g}).")
    subtitle = (f"By {quantile_word} of {measure} (1 = most deprived); {len(usable)} areas; "
                f"{'Wilson' if chosen == 'proportion' else 'exact Poisson / Byar'} 95% intervals")
    notes.append(f"SII and RII as PHEindicatormethods' phe_sii: population-weighted ranks, a line fitted to the "
                 f"{'logits' if chosen == 'proportion' else 'logs'} of the {quantile_word} values, {level} limits "
                 f"from {reps:,} simulated refits (seed {seed}); the SII is the least deprived end minus the most "
                 "deprived, the RII their ratio.")
    ends = {c: float(fitted[c]) for c in ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper",
                                          "intercept")}
    return InequalityResult(out, **ends, kind=chosen, unit=unit, title=f"{entry['title']} ({used_period})",
                            subtitle=subtitle, summary=summary, notes=notes, multiplier=scale,
                            quantile_word=quantile_word)


def _check_quantiles(values: pd.Series, deprivation: str) -> None:
    """Quantiles are whole numbers from 1 (most deprived) to 5 ... 100."""
    v = values.to_numpy(float)
    if not len(v):
        raise AnalysisError(f"None of the areas has a value of '{deprivation}'.", option="deprivation")
    if (v != np.round(v)).any() or v.min() < 1 or v.max() > 100 or v.max() < 5:
        raise AnalysisError(f"'{deprivation}' does not hold deprivation quantiles (whole numbers from 1 = most "
                            f"deprived, e.g. IMD deciles 1 to 10); its values run from {v.min():g} to {v.max():g}.",
                            option="deprivation")


def _num(value: float) -> str:
    """A figure for people: one decimal from 1 up (thousands separated), three significant figures below."""
    return f"{value:,.1f}" if abs(value) >= 1 else f"{value:.3g}"
