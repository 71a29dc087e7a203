"""Composite (vulnerability / need) indices: normalise components, weight them, combine, rank and decile.

build_index() is the pure core (a wide frame in, an IndexResult out); load_recipe(), run_recipe() and save_index()
read an index recipe (TOML or JSON), take its components from the store and write the index back with the recipe
text as provenance, so the index can be re-run when a partner updates a component.

Every normalised value is oriented so that higher means more need, whatever the component's polarity:
polarity "high" means a high raw value is more need (e.g. a claimant rate), "low" means a low raw value is more
need (e.g. an IMD rank, where 1 is the most deprived).

>>> frame = pd.DataFrame({"income": [0.30, 0.10, 0.20], "rank": [3, 1, 2]}, index=["a", "b", "c"])
>>> parts = [Component("income", weight=2), Component("rank", polarity="low")]
>>> build_index(frame, parts, normalisation="rank").frame["index_rank"].tolist()
[1, 3, 2]
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .errors import CompositeError, GeographyError, IndicatorNotFound
from .geography import aggregate, aggregation_kind
from .store import Store, ValueRows

NORMALISATIONS = ("zscore", "minmax", "rank", "percentile", "exponential")
COMBINATIONS = ("sum", "geomean")
MISSING_POLICIES = ("fail", "drop", "reweight", "mean")
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
    wanted = {str(c) for c in population_mask}  # type: ignore[union-attr]
    mask = codes.isin(wanted)
    if not mask.any():
        raise CompositeError("None of the population's area codes are in the index frame.")
    return np.asarray(mask)


# ------------------------------------------------------------------ recipes
@dataclass
class RecipeComponent:
    """One [[component]] of a recipe: a store indicator (and period), weight, polarity, optional denominator."""

    indicator: str
    weight: float = 1.0
    period: str | None = None
    polarity: str | None = None  # None: from the catalogue (high_is_bad -> "high", high_is_good -> "low")
    per: str | None = None  # a denominator indicator: value = indicator / per x per_scale
    per_period: str | None = None
    per_scale: float = 1.0
    rank_population: int | None = None
    id: str | None = None  # the component's name in the result (default: the indicator id)

    @property
    def key(self) -> str:
        return self.id or self.indicator


@dataclass
class IndexRecipe:
    """A parsed index recipe: what to read from the store, how to combine it, where to write the index."""

    id: str
    title: str
    components: list[RecipeComponent]
    normalisation: str = "zscore"
    combine: str = "sum"
    missing: str = "fail"
    period: str | None = None
    geography: str | None = None
    lookup: str | None = None
    theme: str = "Composite indices"
    notes: str | None = None
    path: str | None = None
    text: str = ""


INDEX_KEYS = {"id", "title", "normalisation", "combine", "missing", "period", "geography", "lookup", "theme",
              "notes"}
COMPONENT_KEYS = {"indicator", "weight", "period", "polarity", "per", "per_period", "per_scale", "rank_population",
                  "id"}


def load_recipe(path: str | Path) -> IndexRecipe:
    """Read an index recipe (TOML, or JSON for a .json file), checking every key; errors name the file and key."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CompositeError(f"Cannot read the index recipe {path}: {exc.strerror}.") from exc
    return recipe_from_text(text, str(path))


def recipe_from_text(text: str, source: str = "recipe") -> IndexRecipe:
    """An IndexRecipe from recipe text (TOML, or JSON when it starts with "{"); `source` names it in errors."""
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CompositeError(f"{source} is not valid {'JSON' if text.lstrip().startswith('{') else 'TOML'}: "
                             f"{exc}.") from exc
    index = data.get("index")
    if not isinstance(index, dict):
        raise CompositeError(f"{source}: no [index] table (it needs at least id and title).")
    _unknown_keys(index, INDEX_KEYS, f"{source}: [index]")
    for key in ("id", "title"):
        if not isinstance(index.get(key), str) or not index[key].strip():
            raise CompositeError(f"{source}: [index] needs '{key}' (text).")
    options = {k: str(index[k]) for k in INDEX_KEYS - {"id", "title"} if index.get(k) is not None}
    for key, allowed in (("normalisation", NORMALISATIONS), ("combine", COMBINATIONS), ("missing", MISSING_POLICIES)):
        if key in options and options[key] not in allowed:
            raise CompositeError(f"{source}: [index] {key} = '{options[key]}' is not one of {', '.join(allowed)}.")
    tables = data.get("component")
    if not isinstance(tables, list) or not tables:
        raise CompositeError(f"{source}: no [[component]] tables; list each indicator of the index in one.")
    components = [_recipe_component(t, f"{source}: [[component]] {n}") for n, t in enumerate(tables, 1)]
    keys = [c.key for c in components]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise CompositeError(f"{source}: component(s) {', '.join(repeated)} appear twice; give one an 'id'.")
    return IndexRecipe(id=index["id"].strip(), title=index["title"].strip(), components=components,
                       path=source, text=text, **options)


def _recipe_component(table: object, where: str) -> RecipeComponent:
    if not isinstance(table, dict):
        raise CompositeError(f"{where} is not a table.")
    _unknown_keys(table, COMPONENT_KEYS, where)
    if not isinstance(table.get("indicator"), str) or not table["indicator"].strip():
        raise CompositeError(f"{where} needs 'indicator' (a store indicator id).")
    where = f"{where} ({table['indicator']})"
    for key in ("weight", "per_scale"):
        value = table.get(key, 1.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise CompositeError(f"{where}: '{key}' must be a number of 0 or more, not {value!r}.")
    if table.get("polarity") is not None and table["polarity"] not in POLARITIES:
        raise CompositeError(f"{where}: polarity must be 'high' (a high value means more need) or 'low', "
                             f"not {table['polarity']!r}.")
    ranks = table.get("rank_population")
    if ranks is not None and (isinstance(ranks, bool) or not isinstance(ranks, int) or ranks < 1):
        raise CompositeError(f"{where}: 'rank_population' must be a whole number of areas, not {ranks!r}.")
    text = {k: str(table[k]) for k in ("period", "per", "per_period", "id", "polarity") if table.get(k) is not None}
    return RecipeComponent(indicator=table["indicator"].strip(), weight=float(table.get("weight", 1.0)),
                           per_scale=float(table.get("per_scale", 1.0)), rank_population=ranks, **text)


def _unknown_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CompositeError(f"{where}: unknown key(s) {', '.join(unknown)}; the keys are "
                             f"{', '.join(sorted(allowed))}.")


def run_recipe(store: Store, recipe: IndexRecipe, *, population_mask: object = None) -> IndexResult:
    """Read the recipe's components from the store, bring them to one geography and build the index.

    A component with `per` is divided by that denominator indicator (x per_scale). With `lookup`, components on the
    lookup's from-geography are first aggregated to its to-geography by geography.aggregate() (counts summed;
    ranks and scores refused). Suppressed values count as missing."""
    where = recipe.path or "recipe"
    lookup = _recipe_lookup(store, recipe, where)
    columns, geographies, periods, parts = {}, {}, {}, []
    for comp in recipe.components:
        label = f"{where}: component '{comp.key}'"
        entry = _entry(store, comp.indicator, label)
        values, geography, period = _component_values(store, comp.indicator, comp.period, entry, lookup, label)
        if comp.per:
            per_entry = _entry(store, comp.per, f"{label} (per)")
            per_values, per_geography, _ = _component_values(store, comp.per, comp.per_period, per_entry, lookup,
                                                             f"{label} (per)")
            if per_geography != geography:
                raise CompositeError(f"{label}: '{comp.indicator}' is on {geography} but its denominator "
                                     f"'{comp.per}' is on {per_geography}.")
            denominator = per_values.reindex(values.index)
            values = (values / denominator.where(denominator > 0)) * comp.per_scale
        polarity = comp.polarity or CATALOGUE_POLARITY.get(str(entry.get("polarity")))
        if polarity is None:
            raise CompositeError(f"{label}: the catalogue gives polarity '{entry.get('polarity')}', so say in the "
                                 "recipe whether a high value means more need (polarity = 'high') or less ('low').")
        columns[comp.key], geographies[comp.key], periods[comp.key] = values, geography, period
        parts.append(Component(comp.key, comp.weight, polarity, rank_population=comp.rank_population))
    distinct = sorted(set(geographies.values()))
    if len(distinct) > 1:
        listing = "; ".join(f"{k} on {g}" for k, g in geographies.items())
        raise CompositeError(f"{where}: the components are on different geographies ({listing}). Use components of "
                             "one geography, or name a lookup (lookup = \"...\") to aggregate them to one.")
    if recipe.geography and distinct[0] != recipe.geography:
        raise CompositeError(f"{where}: [index] geography is '{recipe.geography}' but the components are on "
                             f"'{distinct[0]}'.")
    frame = pd.DataFrame(columns)
    frame.index = frame.index.astype(str)
    result = build_index(frame, parts, normalisation=recipe.normalisation, combine=recipe.combine,
                         missing=recipe.missing, population_mask=population_mask)
    result.provenance = {"recipe": where, "geography": distinct[0], "periods": periods,
                         "period": recipe.period or max(periods.values())}
    return result


def _entry(store: Store, indicator: str, label: str) -> dict:
    try:
        return store.indicator(indicator)
    except IndicatorNotFound as exc:
        raise IndicatorNotFound(f"{label}: {exc}") from exc


def _recipe_lookup(store: Store, recipe: IndexRecipe, where: str) -> dict | None:
    if not recipe.lookup:
        return None
    lookups = store.lookups()
    row = lookups[lookups["name"] == recipe.lookup]
    if row.empty:
        raise CompositeError(f"{where}: [index] lookup '{recipe.lookup}' is not in the store (it has: "
                             f"{', '.join(lookups['name']) or 'none'}).")
    return {"name": recipe.lookup, "from": row["from_geography"].iloc[0], "to": row["to_geography"].iloc[0],
            "rows": store.lookup(recipe.lookup)}


def _component_values(store: Store, indicator: str, period: str | None, entry: dict, lookup: dict | None,
                      label: str) -> tuple[pd.Series, str, str]:
    """One indicator's values by area code (suppressed -> NaN), aggregated through the lookup if on its from-side."""
    try:
        values = store.get_values(indicator, period)
    except IndicatorNotFound as exc:
        raise IndicatorNotFound(f"{label}: {exc}") from exc
    geography = entry["geography"]
    used_period = str(values["period"].iloc[0]) if len(values) else str(period)
    if lookup and geography == lookup["from"]:
        kind = aggregation_kind(entry.get("value_type"), entry.get("unit"))
        try:
            values = aggregate(values, lookup["rows"], kind)
        except GeographyError as exc:
            raise CompositeError(f"{label}: cannot aggregate '{indicator}' through lookup '{lookup['name']}': "
                                 f"{exc}") from exc
        if values["value"].isna().all():
            raise CompositeError(f"{label}: '{indicator}' ({entry.get('value_type')}) cannot be aggregated through "
                                 f"lookup '{lookup['name']}' (ranks, deciles and scores are not aggregable).")
        geography = lookup["to"]
    elif "suppressed" in values.columns:
        values = values.assign(value=values["value"].where(~values["suppressed"].astype(bool)))
    series = pd.Series(values["value"].to_numpy(float), index=values["area_code"].astype(str))
    return series, geography, used_period


def save_index(store: Store, recipe: IndexRecipe, result: IndexResult, *, replace: bool = False) -> list[str]:
    """Write the index score, rank and decile as store indicators <id>_score / _rank / _decile, in one transaction.

    The catalogue notes hold the recipe text (stored_recipe() reads it back) and the source names the recipe,
    its checksum and the component periods, so the index can be re-run when a partner updates a component.
    Returns the indicator ids written."""
    geography = result.provenance.get("geography") or recipe.geography
    if not geography:
        raise CompositeError("save_index needs the index's geography: build it with run_recipe(), or set [index] "
                             "geography in the recipe.")
    period = str(result.provenance.get("period") or recipe.period or "")
    if not period:
        raise CompositeError("save_index needs a period: set [index] period in the recipe.")
    checksum = hashlib.sha256(recipe.text.encode("utf-8")).hexdigest()
    periods = result.provenance.get("periods", {})
    inputs = ", ".join(f"{k} ({p})" for k, p in periods.items()) or ", ".join(c.id for c in result.components)
    source = (f"LIS Workbench composite index from recipe {Path(recipe.path or 'recipe').name} "
              f"(sha256 {checksum[:12]}): {result.method()}. Inputs: {inputs}.")
    scored = result.frame[result.frame["index_score"].notna()]
    outputs = (("score", "index_score", "score", "index score (higher = more need)", "high_is_bad"),
               ("rank", "index_rank", "rank", f"rank of {len(scored):,} (1 = most need)", "high_is_good"),
               ("decile", "index_decile", "decile", "decile (1 = most need 10%)", "high_is_good"))
    batches = []
    for suffix, column, value_type, unit, polarity in outputs:
        values = pd.Series(scored[column].to_numpy(float, na_value=np.nan), index=scored.index).dropna()
        rows = pd.DataFrame({"area_code": values.index.astype(str), "period": period,
                             "value": values.to_numpy(float)})
        for col in ("numerator", "denominator", "lower_ci", "upper_ci"):
            rows[col] = np.nan
        rows["suppressed"] = False
        entry = {"id": f"{recipe.id}_{suffix}", "title": f"{recipe.title} {suffix}", "theme": recipe.theme,
                 "unit": unit, "value_type": value_type, "polarity": polarity, "geography": geography,
                 "source": source, "partner": "LIS Workbench", "licence": None, "notes": recipe.text}
        batches.append(ValueRows(entry, rows))
    store.write_indicators(batches, file=recipe.path, checksum=checksum, replace=replace)
    return [b.entry["id"] for b in batches]


def stored_recipe(store: Store, indicator_id: str) -> IndexRecipe:
    """The recipe an index indicator was saved with (its catalogue notes), ready for run_recipe() again."""
    entry = store.indicator(indicator_id)
    text = entry.get("notes") or ""
    if "[index]" not in text and '"index"' not in text:
        raise CompositeError(f"Indicator '{indicator_id}' was not saved by save_index (its notes hold no recipe).")
    recipe = recipe_from_text(text, f"the recipe stored with '{indicator_id}'")
    recipe.path = entry.get("import_file") or recipe.path
    return recipe


