"""Index recipes: a composite index described in TOML or JSON, its components read from the store (aggregated
through a lookup, divided by a denominator), built by composite.build_index, and written back into the store with
the recipe text as provenance, so the index can be re-run when a partner updates a component."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .composite import (
    CATALOGUE_POLARITY,
    COMBINATIONS,
    MISSING_POLICIES,
    NORMALISATIONS,
    POLARITIES,
    Component,
    IndexResult,
    build_index,
)
from .errors import CompositeError, GeographyError, IndicatorNotFound
from .geography import aggregate, aggregation_kind
from .store import Store, ValueRows


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
    sources: dict[str, str] = {}  # each component's source -> its licence, in recipe order
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
        for used in (entry, per_entry) if comp.per else (entry,):
            sources.setdefault(str(used.get("source") or used.get("id")), str(used.get("licence") or ""))
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
                         "period": recipe.period or max(periods.values()), "sources": sources}
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
    sources = result.provenance.get("sources", {})
    source = (f"{index_credit(recipe, result)} (sha256 {checksum[:12]}): {result.method()}. Inputs: {inputs}.")
    licences = sorted({lic for lic in sources.values() if lic})
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
                 "source": source, "partner": "LIS Workbench", "licence": "; ".join(licences) or None,
                 "notes": recipe.text}
        batches.append(ValueRows(entry, rows))
    store.write_indicators(batches, file=recipe.path, checksum=checksum, replace=replace)
    return [b.entry["id"] for b in batches]


def index_credit(recipe: IndexRecipe, result: IndexResult) -> str:
    """Who the index's numbers come from: its components' sources (MHCLG, ONS...), then the recipe that combined
    them, so a map of the index credits the publishers rather than the tool."""
    sources = "; ".join(result.provenance.get("sources", {})) or "the store's indicators"
    return f"{sources}; combined as a composite index by recipe {Path(recipe.path or 'recipe').name} (LIS Workbench)"


def index_credits(store: Store, recipe: IndexRecipe, result: IndexResult) -> str:
    """The credit line of a map of the index: its components' sources and licences, the boundaries of its areas
    (with their year, for the OS line) and the recipe that combined them."""
    from .credits import store_credits

    used = [c.indicator for c in recipe.components] + [c.per for c in recipe.components if c.per]
    name = Path(recipe.path or "recipe").name
    return store_credits(store, list(dict.fromkeys(used)), [str(result.provenance.get("geography") or "")],
                         extra=[f"Combined as a composite index by recipe {name} (LIS Workbench)"])


def stored_recipe(store: Store, indicator_id: str) -> IndexRecipe:
    """The recipe an index indicator was saved with (its catalogue notes), ready for run_recipe() again."""
    entry = store.indicator(indicator_id)
    text = entry.get("notes") or ""
    if "[index]" not in text and '"index"' not in text:
        raise CompositeError(f"Indicator '{indicator_id}' was not saved by save_index (its notes hold no recipe).")
    recipe = recipe_from_text(text, f"the recipe stored with '{indicator_id}'")
    recipe.path = entry.get("import_file") or recipe.path
    return recipe
