"""Composite (vulnerability / need) indices: normalise components, weight them, combine, rank and decile.

build_index() is the pure core (a wide frame in, an IndexResult out); index_recipe.py reads recipes, takes their
components from the store and writes the index back.

Every normalised value is oriented so that higher means more need, whatever the component's polarity:
polarity "high" means a high raw value is more need (e.g. a claimant rate), "low" means a low raw value is more
need (e.g. an IMD rank, where 1 is the most deprived).

>>> frame = pd.DataFrame({"income": [0.30, 0.10, 0.20], "rank": [3, 1, 2]}, index=["a", "b", "c"])
>>> parts = [Component("income", weight=2), Component("rank", polarity="low")]
>>> build_index(frame, parts, normalisation="rank").frame["index_rank"].tolist()
[1, 3, 2]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import pandas as pd

from .choices import COMBINATIONS, MISSING_POLICIES, NORMALISATIONS
from .errors import CompositeError

POLARITIES = ("high", "low")
#: The Indices of Deprivation exponential transformation: X = -23 ln(1 - R (1 - exp(-100/23))), 0 < X <= 100.
IOD_CONSTANT = 23.0
#: Scores are compared at this many decimals when ranked (normalised values are at most 100).
RANK_DECIMALS = 9
#: Catalogue polarity -> component polarity ("neutral" has no default: the recipe must say).
CATALOGUE_POLARITY = {"high_is_bad": "high", "high_is_good": "low"}


@dataclass(frozen=True)
class Component:
    """One input of an index: its frame column, weight (any positive scale; normalised to sum to 1) and polarity.

    rank_population: the values are already ranks among this many areas (e.g. 32,844 national LSOA ranks), so the
    rank-based normalisations use them as given (R = need rank / rank_population) instead of ranking the frame."""

    id: str
    weight: float = 1.0
    polarity: str = "high"
    column: str | None = None
    rank_population: int | None = None

    @property
    def source_column(self) -> str:
        return self.column or self.id


# ------------------------------------------------------------------ normalisation
def normalise(values: np.ndarray, method: str, polarity: str = "high", rank_population: int | None = None,
              *, name: str = "component") -> np.ndarray:
    """One component's values on a common scale, higher = more need; NaN stays NaN (it is not ranked).

    zscore: (x - mean) / sd (population sd, ddof=0), sign flipped for polarity "low".
    minmax: (x - min) / (max - min) in [0, 1], 1 = most need.
    rank: the need rank scaled to (0, 1]: rank / n, 1/n = least need, 1 = most need (ties take their mean rank).
    percentile: percentile rank 0-100, 100 x (rank - 0.5) / n (scipy's percentileofscore, kind "mean").
    exponential: the IoD transformation of the scaled rank R = rank / n: -23 ln(1 - R (1 - exp(-100/23))), 0-100,
        100 for the most deprived area; it stretches the deprived end so that, combined by weighted sum, much
        deprivation in one domain is only partly cancelled by little in another.
    With rank_population N the values are ranks among N areas (1..N): need rank = value for polarity "high",
    N + 1 - value for "low", and n = N (so a borough's LSOAs keep their national scale)."""
    if method not in NORMALISATIONS:
        raise CompositeError(f"Unknown normalisation '{method}'; use one of {', '.join(NORMALISATIONS)}.")
    if polarity not in POLARITIES:
        raise CompositeError(f"{name}: polarity must be 'high' (high value = more need) or 'low', not '{polarity}'.")
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    present = np.isfinite(values)
    if not present.any():
        raise CompositeError(f"{name} has no values to normalise.")
    given = values[present]
    oriented = given if polarity == "high" else -given
    if method in ("zscore", "minmax"):
        spread = oriented.std() if method == "zscore" else oriented.max() - oriented.min()
        if spread == 0:
            raise CompositeError(f"{name} has the same value in every area, so it cannot be normalised by {method} "
                                 "(leave it out or choose the rank normalisation).")
        centre = oriented.mean() if method == "zscore" else oriented.min()
        out[present] = (oriented - centre) / spread
        return out
    if rank_population:
        if given.min() < 1 or given.max() > rank_population:
            raise CompositeError(f"{name}: rank_population is {rank_population:,}, so its values must be ranks "
                                 f"from 1 to {rank_population:,}, not {given.min():g} to {given.max():g}.")
        need_rank = given if polarity == "high" else rank_population + 1 - given
        n = float(rank_population)
    else:
        need_rank = rankdata(oriented, method="average")
        n = float(len(given))
    if method == "rank":
        out[present] = need_rank / n
    elif method == "percentile":
        out[present] = 100.0 * (need_rank - 0.5) / n
    else:
        scaled = need_rank / n
        out[present] = -IOD_CONSTANT * np.log(1.0 - scaled * (1.0 - math.exp(-100.0 / IOD_CONSTANT)))
    return out


# ------------------------------------------------------------------ the index
@dataclass
class IndexResult:
    """An index: `frame` indexed by area code with index_score, index_rank (1 = most need, among all scored areas),
    population_rank, index_decile and index_quintile (1 = most need, within the population), in_population, and per
    component <id>_normalised, <id>_contribution and <id>_share. Areas left out ("drop") keep NaN scores."""

    frame: pd.DataFrame
    components: list[Component]
    weights: pd.Series  # normalised to sum to 1, by component id
    normalised: pd.DataFrame  # oriented normalised values after the missing-value policy (NaN = "reweight" gap)
    normalisation: str
    combine: str
    missing: str
    shift: float = 0.0  # added to every normalised value before a geometric mean
    dropped: list[str] = field(default_factory=list)
    missing_counts: dict[str, int] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    def method(self) -> str:
        """One line saying how the index was made, for provenance and map footers."""
        parts = ", ".join(f"{c.id} {self.weights[c.id]:.1%} ({c.polarity} = need)" for c in self.components)
        shift = f", shifted by {self.shift:g}" if self.shift else ""
        return (f"{self.normalisation} normalisation, weighted {'sum' if self.combine == 'sum' else 'geometric mean'}"
                f"{shift}, missing values: {self.missing}; components: {parts}")

    def sensitivity(self, step: float = 0.2) -> pd.DataFrame:
        """For each weight moved up and down by `step` (others renormalised), how many areas change decile.

        Returns one row per component and direction: component, change ("+20%"), weight, new_weight (normalised),
        areas_changing_decile, share_changing_decile (of the population's scored areas), max_rank_change (in
        population rank)."""
        if not 0 < step < 1:
            raise CompositeError(f"The sensitivity step must be between 0 and 1 (0.2 = 20%), not {step}.")
        base = self.frame
        mask = base["in_population"].to_numpy(bool)
        rows = []
        for comp in self.components:
            for sign in (1, -1):
                moved = self.weights.copy()
                moved[comp.id] *= 1 + sign * step
                moved = moved / moved.sum()
                score, _ = _combine(self.normalised.to_numpy(float), moved.to_numpy(float), self.combine,
                                    self.shift)
                ranks = _ranks(score, mask)
                both = base["index_decile"].notna().to_numpy() & ~np.isnan(ranks["decile"])
                old_decile = base["index_decile"].to_numpy(float, na_value=np.nan)
                changed = int((old_decile[both] != ranks["decile"][both]).sum())
                before = base["population_rank"].to_numpy(float, na_value=np.nan)
                shift = np.abs(before[both] - ranks["population_rank"][both])
                rows.append({"component": comp.id, "change": f"{sign * step:+.0%}",
                             "weight": float(self.weights[comp.id]), "new_weight": float(moved[comp.id]),
                             "areas_changing_decile": changed,
                             "share_changing_decile": changed / both.sum() if both.any() else np.nan,
                             "max_rank_change": int(shift.max()) if both.any() else 0})
        return pd.DataFrame(rows)


def build_index(frame: pd.DataFrame, components: Sequence[Component], *, normalisation: str = "zscore",
                combine: str = "sum", missing: str = "fail", population_mask: object = None,
                rank_population: int | None = None, shift: float | str = "auto") -> IndexResult:
    """Build a composite index from a wide frame (index = area code, one column per component).

    normalisation: see normalise(); each component is normalised over the areas that have a value for it.
    combine: "sum" - weighted sum (weights normalised to sum to 1); "geomean" - weighted geometric mean
        exp(sum w ln x), which lets a high need in one component be offset less by low need in another. It needs
        positive values: with shift="auto", if any normalised value is 0 or less (z-scores, the minimum of
        min-max) one common shift (1 - smallest value) is added to all, so the smallest becomes 1; a number is
        added as given; values still 0 or less are an error.
    missing: what an area lacking a component gets -
        "fail" (default): an error listing the areas and components, so gaps are never hidden;
        "drop": the area is left out of normalisation, scores and ranks (listed in result.dropped);
        "reweight": its score uses the components it has, their weights renormalised to sum to 1;
        "mean": the gap takes the component's mean normalised value (0 for z-scores), i.e. average need.
    population_mask: the areas deciles and quintiles are counted within (e.g. one borough's LSOAs of an England
        frame): a boolean Series / array aligned with the frame, or an iterable of area codes; all areas if None.
    rank_population: default rank_population for components that do not give one (see Component).

    Ranks and deciles: 1 = most need; tied scores (equal to 9 decimals) share the best rank; decile =
    ceil(rank x 10 / n) with n the scored areas of the population (the IoD's rule), quintile likewise with 5.
    Contributions: weight x normalised value ("sum", they add up to the score) or weight x ln(shifted value)
    ("geomean", they add up to ln score); share = contribution / their total for the area."""
    components = _checked_components(frame, components, rank_population)
    for option, allowed, what in ((normalisation, NORMALISATIONS, "normalisation"),
                                  (combine, COMBINATIONS, "combine"), (missing, MISSING_POLICIES, "missing")):
        if option not in allowed:
            raise CompositeError(f"Unknown {what} '{option}'; use one of {', '.join(allowed)}.")
    codes = pd.Index(frame.index.astype(str), name="area_code")
    if codes.duplicated().any():
        raise CompositeError(f"Area code(s) {', '.join(codes[codes.duplicated()].unique()[:5])} appear more "
                             "than once in the components frame.")
    raw = np.column_stack([_numeric(frame[c.source_column], c.id) for c in components])
    gaps = np.isnan(raw)
    missing_counts = {c.id: int(gaps[:, i].sum()) for i, c in enumerate(components)}
    if missing == "fail" and gaps.any():
        raise CompositeError(_missing_message(codes, components, gaps))
    keep = ~gaps.any(axis=1) if missing == "drop" else gaps.sum(axis=1) < len(components)
    if not keep.any():
        raise CompositeError("No area has a value for every component, so no index can be built "
                             "(try missing = 'reweight' or 'mean').")
    norm = np.full(raw.shape, np.nan)
    for i, comp in enumerate(components):
        norm[keep, i] = normalise(raw[keep, i], normalisation, comp.polarity, comp.rank_population,
                                  name=f"Component '{comp.id}'")
    if missing == "mean":
        means = np.nanmean(norm[keep], axis=0)
        norm[keep] = np.where(np.isnan(norm[keep]), means, norm[keep])
    weights = pd.Series([c.weight for c in components], index=[c.id for c in components], dtype=float)
    weights = weights / weights.sum()
    used_shift = _shift(norm, combine, shift, components)
    score, contributions = _combine(norm, weights.to_numpy(float), combine, used_shift)
    mask = _population(population_mask, codes)
    ranks = _ranks(score, mask)
    columns: dict[str, object] = {"index_score": score}
    for col in ("index_rank", "population_rank", "decile", "quintile"):
        name = col if col.endswith("rank") else f"index_{col}"
        absent = np.isnan(ranks[col])
        columns[name] = pd.arrays.IntegerArray(np.where(absent, 0, ranks[col]).astype("int64"), absent)
    columns["in_population"] = mask
    total = contributions.sum(axis=1, where=~np.isnan(contributions))
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where((keep & (total != 0))[:, None], contributions / total[:, None], np.nan)
    for i, comp in enumerate(components):
        columns[f"{comp.id}_normalised"] = norm[:, i]
        columns[f"{comp.id}_contribution"] = contributions[:, i]
        columns[f"{comp.id}_share"] = shares[:, i]
    out = pd.DataFrame(columns, index=codes)
    normalised = pd.DataFrame(norm, index=codes, columns=[c.id for c in components])
    return IndexResult(out, components, weights, normalised, normalisation, combine, missing, used_shift,
                       dropped=list(codes[~keep]), missing_counts=missing_counts)


def _checked_components(frame: pd.DataFrame, components: Sequence[Component],
                        rank_population: int | None) -> list[Component]:
    if not components:
        raise CompositeError("An index needs at least one component.")
    ids = [c.id for c in components]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise CompositeError(f"Component id(s) {', '.join(repeated)} appear more than once.")
    absent = [c.source_column for c in components if c.source_column not in frame.columns]
    if absent:
        raise CompositeError(f"The frame has no column(s) {', '.join(absent)} (it has: "
                             f"{', '.join(map(str, frame.columns))}).")
    for comp in components:
        if not (isinstance(comp.weight, (int, float)) and math.isfinite(comp.weight) and comp.weight >= 0):
            raise CompositeError(f"Component '{comp.id}': the weight must be a number of 0 or more, not "
                                 f"{comp.weight!r}.")
        if comp.polarity not in POLARITIES:
            raise CompositeError(f"Component '{comp.id}': polarity must be 'high' (a high value means more need) "
                                 f"or 'low' (a low value means more need), not '{comp.polarity}'.")
    if sum(c.weight for c in components) <= 0:
        raise CompositeError("The component weights add up to 0; give at least one a positive weight.")
    return [replace(c, rank_population=c.rank_population or rank_population) for c in components]


def _numeric(column: pd.Series, name: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(float)
    text = column[np.isnan(values) & column.notna().to_numpy()]
    if len(text):
        raise CompositeError(f"Component '{name}' has values that are not numbers, e.g. {text.iloc[0]!r} for area "
                             f"{text.index[0]}.")
    values[np.isinf(values)] = np.nan
    return values


def _missing_message(codes: pd.Index, components: list[Component], gaps: np.ndarray) -> str:
    rows = np.flatnonzero(gaps.any(axis=1))
    examples = "; ".join(f"{codes[r]} lacks {', '.join(c.id for c, g in zip(components, gaps[r]) if g)}"
                         for r in rows[:5])
    more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
    return (f"{len(rows)} area(s) have no value for some component: {examples}{more}. Choose a missing-value "
            "policy: 'drop' (leave them out), 'reweight' (use the components they have) or 'mean' (average need).")


def _shift(norm: np.ndarray, combine: str, shift: float | str, components: list[Component]) -> float:
    """The constant added before a geometric mean (0 for a weighted sum); an error if values stay non-positive."""
    if combine != "geomean":
        return 0.0
    smallest = float(np.nanmin(norm))
    if shift == "auto":
        used = 1.0 - smallest if smallest <= 0 else 0.0
    elif isinstance(shift, (int, float)) and math.isfinite(shift):
        used = float(shift)
    else:
        raise CompositeError(f"shift must be 'auto' or a number, not {shift!r}.")
    if smallest + used <= 0:
        column = int(np.nanargmin(np.nanmin(norm, axis=0)))
        raise CompositeError(
            f"A geometric mean needs positive values, but component '{components[column].id}' has "
            f"{smallest:g} after normalisation (shift {used:g}). Use shift='auto', a larger shift, or the rank, "
            "percentile or exponential normalisation (always positive).")
    return used


def _combine(norm: np.ndarray, weights: np.ndarray, combine: str, shift: float) -> tuple[np.ndarray, np.ndarray]:
    """Scores and per-component contributions; a gap (NaN) takes no weight and the rest are renormalised."""
    present = ~np.isnan(norm)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = norm if combine == "sum" else np.log(norm + shift)
        if present.all():
            contributions = terms * weights
            total = contributions.sum(axis=1)
        else:
            row_weights = np.where(present, weights, 0.0)
            row_weights = row_weights / row_weights.sum(axis=1, keepdims=True)
            contributions = np.where(present, row_weights * terms, np.nan)
            total = np.where(present.any(axis=1), np.where(present, contributions, 0.0).sum(axis=1), np.nan)
    score = total if combine == "sum" else np.exp(total)
    return score, contributions


def _ranks(score: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """index_rank (all scored areas), population_rank, decile and quintile (within the mask): 1 = most need.

    Scores equal to 9 decimal places tie, so rounding noise in the weighted sum never splits a true tie."""
    score = np.round(score, RANK_DECIMALS)
    scored = ~np.isnan(score)
    out = {k: np.full(len(score), np.nan) for k in ("index_rank", "population_rank", "decile", "quintile")}
    out["index_rank"][scored] = rankdata(-score[scored], method="min")
    inside = scored & mask
    if inside.any():
        rank = out["index_rank"][inside] if inside.sum() == scored.sum() else rankdata(-score[inside], method="min")
        n = inside.sum()
        out["population_rank"][inside] = rank
        out["decile"][inside] = np.ceil(rank * 10 / n)
        out["quintile"][inside] = np.ceil(rank * 5 / n)
    return out


def _population(population_mask: object, codes: pd.Index) -> np.ndarray:
    if population_mask is None:
        return np.ones(len(codes), dtype=bool)
    if isinstance(population_mask, pd.Series) and population_mask.dtype == bool:
        mask = population_mask.copy()
        mask.index = mask.index.astype(str)
        return mask.reindex(codes).fillna(False).to_numpy(bool)
    if isinstance(population_mask, np.ndarray) and population_mask.dtype == bool:
        if len(population_mask) != len(codes):
            raise CompositeError(f"The population mask has {len(population_mask)} entries for {len(codes)} areas.")
        return population_mask.copy()
    wanted = {str(c) for c in cast("Iterable[object]", population_mask)}  # otherwise an iterable of area codes
    mask = codes.isin(wanted)
    if not mask.any():
        raise CompositeError("None of the population's area codes are in the index frame.")
    return np.asarray(mask)


def rankdata(values, method: str = "average") -> np.ndarray:
    """scipy.stats.rankdata, imported when first ranked (scipy.stats costs QGIS 0.7 s at start-up)."""
    from scipy.stats import rankdata as scipy_rankdata

    return scipy_rankdata(values, method=method)
