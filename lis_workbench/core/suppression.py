"""Small-number suppression: the store's rule for what may be published. Counts of people above 0 and below the
store's threshold (e.g. 5 or 10) are withheld, with the values made from them (rates, proportions and their
intervals); then, so that the published total cannot give a withheld count back, more areas are withheld - the
next smallest counts - until at least two are withheld and together they reach the threshold (secondary
suppression, as the ONS and NHS England disclosure-control guidance describe it). Stored values are never
changed: the rule is applied when a map, atlas, profile, comparison or export is made, and stated in its notes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ParameterError
from .geography import aggregation_kind

#: The store setting that holds the threshold (lis store settings STORE suppress_below=5).
SETTING = "suppress_below"
#: Columns made from a withheld count, withheld with it.
DERIVED = ("value", "numerator", "lower_ci", "upper_ci")


@dataclass(frozen=True)
class SuppressionRule:
    """Counts above 0 and below `threshold` are withheld, with secondary suppression."""

    threshold: int

    @property
    def words(self) -> str:
        return (f"Small numbers: counts from 1 to {self.threshold - 1} are not published, nor the values made from "
                "them; where a total could reveal one, the next smallest count is withheld too (the store's rule).")


def parse_threshold(text: str | None) -> SuppressionRule | None:
    """The rule a setting's text gives: None for none (empty or 0), else a whole number of 2 or more."""
    if text is None or str(text).strip() in ("", "0"):
        return None
    try:
        threshold = int(str(text).strip())
    except ValueError:
        threshold = -1
    if threshold < 2:
        raise ParameterError(f"The suppression threshold must be a whole number of 2 or more (e.g. 5 or 10), or 0 "
                             f"for none; got '{text}'.", option=SETTING)
    return SuppressionRule(threshold)


def store_rule(store) -> SuppressionRule | None:
    """The rule of a store (None when it has none)."""
    return parse_threshold(store.settings().get(SETTING))


def counts_of(entry: dict, frame: pd.DataFrame) -> pd.Series | None:
    """The counts of people an indicator's values rest on: the values of a count, else the numerators of a rate
    or proportion that has them; None for values that are not counts (scores, ranks, indices)."""
    kind = aggregation_kind(entry.get("value_type"), entry.get("unit"))
    if kind == "count":
        return pd.to_numeric(frame["value"], errors="coerce")
    if kind in ("rate", "unknown") and "numerator" in frame and frame["numerator"].notna().any():
        return pd.to_numeric(frame["numerator"], errors="coerce")
    return None


def withheld(counts, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """Which counts are withheld: (primary, secondary) masks. Primary: above 0 and below the threshold.
    Secondary: if any are withheld, the next smallest published counts above 0 are added until at least two are
    withheld and their sum reaches the threshold (or none is left)."""
    c = np.asarray(counts, dtype=float)
    primary = (c > 0) & (c < threshold)
    secondary = np.zeros_like(primary)
    if primary.any():
        order = [i for i in np.argsort(c, kind="stable") if c[i] > 0 and not primary[i]]
        while order and (primary.sum() + secondary.sum() < 2 or c[primary | secondary].sum() < threshold):
            secondary[order.pop(0)] = True
    return primary, secondary


def apply(entry: dict, frame: pd.DataFrame, rule: SuppressionRule | None) -> tuple[pd.DataFrame, list[str]]:
    """An indicator's values as they may be published under the rule: withheld areas get suppressed = 1 and no
    value, numerator or interval (the denominator, a population, stays). Returns (frame, notes)."""
    if rule is None:
        return frame, []
    counts = counts_of(entry, frame)
    if counts is None:
        return frame, []
    already = frame["suppressed"].fillna(0).astype(bool).to_numpy() if "suppressed" in frame else \
        np.zeros(len(frame), dtype=bool)
    primary, secondary = withheld(np.where(already, np.nan, counts.to_numpy(float)), rule.threshold)
    if not (primary.any() or secondary.any()):
        return frame, [rule.words]
    out = frame.copy()
    hide = primary | secondary
    for column in DERIVED:
        if column in out:
            out[column] = out[column].astype(float).where(~hide, np.nan)
    out["suppressed"] = np.where(hide | already, 1, 0)
    note = (f"{rule.words} Withheld here: {int(primary.sum())} area(s) with a small count"
            + (f" and {int(secondary.sum())} more so the total cannot reveal them." if secondary.any() else "."))
    return out, [note]


def apply_by_period(entry: dict, frame: pd.DataFrame, rule: SuppressionRule | None) -> tuple[pd.DataFrame, list[str]]:
    """apply() to each period of a series on its own (every period is published beside its own total); the notes:
    the rule, and how many periods it withheld values in. Rows keep their order within each period."""
    if rule is None or frame.empty:
        return frame, []
    parts = [apply(entry, part, rule) for _, part in frame.groupby("period", sort=False)]
    hidden = sum(note != rule.words for _, notes in parts for note in notes)
    return pd.concat([part for part, _ in parts]), [rule.words + (f" Withheld here: {hidden} period(s) with "
                                                                  "small counts." if hidden else "")]
