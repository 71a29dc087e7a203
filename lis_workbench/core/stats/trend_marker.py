"""The recent trend marker as OHID's Fingertips shows it ("Fingertips trend markers", Public health technical
guidance, https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html;
as UKHSA's PHEindicatormethods assign_trend_markers and Fingertips' own TrendMarkerCalculator apply it).

The five most recent points of a series are tested, if the series meets the page's criteria: at least five points;
independent (not overlapping or rolling) periods; yearly data (monthly and quarterly data are not tested); a rate,
proportion, ratio, life expectancy, slope index of inequality, excess risk, mean, median or gap; no break in the
series; confidence intervals (proportions: a numerator and a denominator). Where one fails, the marker is "Could not
be calculated" and the note says which.

Proportions (numerators r and denominators n at times t, N = sum n, R = sum r): the chi-squared test for trend
(Cochran-Armitage), chi2 = N (N sum rt - R sum nt)^2 / (R (N - R) (N sum nt^2 - (sum nt)^2)); the gradient is the
least-squares slope of the log odds ln(r / (n - r)) on t.
Every other type (values x with 95% limits L and U): standard errors s = (U - L) / (2 x 1.96), weights w = 1 / s^2,
the weighted least-squares gradient b = (sum w sum wtx - sum wt sum wx) / (sum w sum wt^2 - (sum wt)^2), its
variance V = sum w / (sum w sum wt^2 - (sum wt)^2) and chi2 = b^2 / V.
A trend is significant when chi2 exceeds the 99.8% point of chi-squared on 1 degree of freedom (9.5495) and the
gradient keeps its sign when each point in turn is left out (otherwise one point makes the trend: "No significant
change"). It is "Increasing" or "Decreasing", "and getting better / worse" when the indicator has a polarity."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import chdtrc, chdtri, ndtri

from ..compare import normalise_polarity
from ..errors import AnalysisError
from .crude import _check_columns, _groups, _level, _numbers

SOURCE = ("https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/"
          "Trend_markers.html")
OUTPUT = ("marker", "direction", "gradient", "chi_squared", "p_value", "n_points", "periods", "method", "note")
INCREASING, DECREASING, NO_CHANGE, NOT_CALCULATED = ("Increasing", "Decreasing", "No significant change",
                                                     "Could not be calculated")
METHOD_PROPORTION = "chi-squared test for trend in proportions (gradient of the log odds)"
METHOD_OTHER = "weighted regression, standard errors from the confidence intervals"
#: Indicator types the page lists as tested; proportions (and percentages) take the numerator-denominator method.
_TESTED = re.compile(r"\b(rates?|ratios?|proportions?|percent(age)?s?|life expectancy|slope index of inequality|sii|"
                     r"excess risk|means?|average|medians?|gaps?)\b")
_PROPORTION = re.compile(r"\b(proportions?|percent(age)?s?)\b")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_SPAN = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")


def recent_trend(table: pd.DataFrame, *, period: str, value: str | None = None, numerator: str | None = None,
                 denominator: str | None = None, lower: str | None = None, upper: str | None = None,
                 value_type: str | None = None, polarity: str | None = None, by: Sequence[str] = (),
                 points: int = 5, level: float = 0.998, confidence: float = 0.95) -> pd.DataFrame:
    """The Fingertips recent trend of each group's series, one row per group: marker (in words), direction, gradient
    (per year; log odds for proportions), chi_squared, p_value, n_points, periods (those used), method and note (why
    it could not be calculated, or that one point makes the trend).

    value_type: the indicator's type (rate, proportion, ratio, ...; "count", "score", ... are not tested; "" for
    unknown); None infers it: proportions when a numerator and denominator are given without limits. polarity:
    high_is_bad, high_is_good, or None/neutral. level: of the test (99.8%); confidence: of the limits (95%)."""
    by = list(by)
    named = [c for c in (period, value, numerator, denominator, lower, upper) if c]
    _check_columns(table, [*named, *by])
    polarity = normalise_polarity(polarity)
    if not isinstance(points, (int, np.integer)) or points < 3:
        raise AnalysisError(f"A recent trend needs at least 3 points (Fingertips uses 5); got {points!r}.",
                            option="points")
    if not 0.5 <= float(level) < 1:
        raise AnalysisError(f"The significance level must be a fraction such as 0.998 (99.8%); got {level!r}.",
                            option="level")
    z = float(ndtri(0.5 + _level(confidence) / 2))
    method, type_reason = _method(value_type, numerator, denominator, lower, upper)
    if method == "other" and value is None:
        raise AnalysisError("A recent trend of values with confidence intervals needs the column of values.",
                            option="value")
    frame = pd.DataFrame({"_period": [_period_text(p) for p in table[period]]}, index=table.index)
    if frame["_period"].isna().any():
        raise AnalysisError(f"{int(frame['_period'].isna().sum())} row(s) have no period.", option="period")
    parsed = {p: _parse(p) for p in frame["_period"].unique()}
    forms = {parsed[p][1] for p in parsed}
    if len(forms) > 1:
        examples = {parsed[p][1]: p for p in parsed}
        raise AnalysisError("The periods mix forms (" + ", ".join(f"{f} '{p}'" for f, p in sorted(examples.items()))
                            + "); give one form throughout.", option="period")
    for name, column in (("value", value), ("numerator", numerator), ("denominator", denominator),
                         ("lower", lower), ("upper", upper)):
        frame[name] = _numbers(table, column) if column else np.nan
    for name in by:
        frame[name] = table[name]
    rows = []
    for key, group in _groups(frame, list(by)):
        label = ", ".join(f"{c} = {v}" for c, v in zip(by, key)) or "The table"
        repeated = group["_period"][group["_period"].duplicated()]
        if len(repeated):
            raise AnalysisError(f"{label}: period {repeated.iloc[0]} appears more than once; give one value per "
                                "period.", option="period")
        rows.append({**dict(zip(by, key)), **_one(group, parsed, label, method, type_reason, polarity, points,
                                                   float(level), z)})
    out = pd.DataFrame(rows, columns=[*by, *OUTPUT])
    for column in ("marker", "direction", "periods", "method", "note"):
        out[column] = out[column].astype(object)
    out.attrs.update(statistic="recent trend", points=points, level=float(level), polarity=polarity, source=SOURCE)
    return out


def marker_symbol(marker: str) -> str:
    """The marker in a few characters, for a table cell: '↑ worse', '↓ better', '↑ increasing', 'no sig. change',
    '–' (could not be calculated)."""
    text = str(marker or "")
    arrow = "↑" if text.startswith(INCREASING) else "↓" if text.startswith(DECREASING) else ""
    if not arrow:
        return "no sig. change" if text == NO_CHANGE else "–"
    for word in ("better", "worse"):
        if text.endswith(f"getting {word}"):
            return f"{arrow} {word}"
    return f"{arrow} {text.lower()}"


def marker_text(marker: str, note: str) -> str:
    """The marker with its note: 'Could not be calculated: monthly data ...', 'No significant change (one point
    makes the trend: ...)'."""
    if not note:
        return str(marker)
    return f"{marker}: {note}" if marker == NOT_CALCULATED else f"{marker} ({note})"


# ------------------------------------------------------------------ inside
def _method(value_type: str | None, numerator, denominator, lower, upper) -> tuple[str, str]:
    """("proportion" | "other", reason the type is not tested or "")."""
    if value_type is None:
        return ("proportion" if numerator and denominator and not (lower or upper) else "other"), ""
    kind = str(value_type).strip().lower()
    if not kind:
        return "other", "the indicator's type is not recorded (only rates, proportions, ratios and the like are tested)"
    if not _TESTED.search(kind):
        return "other", f"'{value_type}' values are not tested (only rates, proportions, ratios and the like)"
    return ("proportion" if _PROPORTION.search(kind) else "other"), ""


def _one(group: pd.DataFrame, parsed: dict, label: str, method: str, type_reason: str, polarity: str | None,
         points: int, level: float, z: float) -> dict:
    """The marker of one group's series: its last `points` usable points checked against the page's criteria,
    then tested."""
    group = group.assign(_t=[parsed[p][0] for p in group["_period"]]).sort_values("_t")
    usable = (group["numerator"].notna() & group["denominator"].notna()) if method == "proportion" else \
        group["value"].notna()
    recent = group[usable.to_numpy()].tail(points)
    if method == "proportion":
        _check_proportions(recent, label)
    elif (recent["upper"] < recent["lower"]).any():
        first = recent[recent["upper"] < recent["lower"]]["_period"].iloc[0]
        raise AnalysisError(f"{label}, period {first}: the upper confidence limit is below the lower one.")
    result = {"marker": NOT_CALCULATED, "direction": "not calculated", "gradient": np.nan, "chi_squared": np.nan,
              "p_value": np.nan, "n_points": len(recent), "periods": ", ".join(recent["_period"]),
              "method": "" if type_reason else METHOD_PROPORTION if method == "proportion" else METHOD_OTHER,
              "note": ""}
    reasons = _criteria(recent, parsed, points, method, type_reason, z)
    if reasons:
        return dict(result, note="; ".join(reasons))
    t = recent["_t"].to_numpy(float)
    t = t - t.mean()  # the same gradient and statistic; the sums of t^2 lose no precision
    if method == "proportion":
        r, n = recent["numerator"].to_numpy(float), recent["denominator"].to_numpy(float)
        chi2 = _chi2_proportions(t, r, n)
        slopes = [_logit_gradient(t[keep], r[keep], n[keep]) for keep in _leave_one_out(len(t))]
    else:
        x = recent["value"].to_numpy(float)
        w = 1 / _standard_errors(recent, z) ** 2
        gradient_all, variance = _weighted_gradient(t, x, w)
        chi2 = gradient_all ** 2 / variance
        slopes = [_weighted_gradient(t[keep], x[keep], w[keep])[0] for keep in _leave_one_out(len(t))]
    gradient = slopes[0]
    result.update(gradient=gradient, chi_squared=chi2, p_value=float(chdtrc(1, chi2)))
    if not chi2 > chdtri(1, 1 - level) or gradient == 0:
        return dict(result, marker=NO_CHANGE, direction="no significant change")
    tiny = 1e-9 * abs(gradient)  # a gradient within rounding of 0 is flat
    flipped = [p for p, s in zip(recent["_period"], slopes[1:]) if not s * np.sign(gradient) > tiny]
    if flipped:
        return dict(result, marker=NO_CHANGE, direction="no significant change",
                    note=f"one point makes the trend: without {flipped[0]} the gradient is flat or reversed")
    rising = gradient > 0
    marker = INCREASING if rising else DECREASING
    if polarity is not None:
        marker += " and getting " + ("worse" if rising == (polarity == "high_is_bad") else "better")
    return dict(result, marker=marker, direction="increasing" if rising else "decreasing")


def _criteria(recent: pd.DataFrame, parsed: dict, points: int, method: str, type_reason: str,
              z: float) -> list[str]:
    """Why the points cannot be tested, in the page's order (none: they can)."""
    reasons = []
    if len(recent) < points:
        reasons.append(f"fewer than {points} points ({len(recent)})")
    spans = [parsed[p] for p in recent["_period"]]
    forms = {s[1] for s in spans}
    if forms & {"monthly", "quarterly"}:
        reasons.append(f"{min(forms)} data (the method tests yearly data only)")
    elif "span" in forms:
        overlapping = any(b[0] <= a[0] + a[2] - 1 for a, b in zip(spans, spans[1:]))
        reasons.append("rolling (overlapping) periods (the method needs independent periods)" if overlapping else
                       f"periods of {max(s[2] for s in spans)} years (the method tests single years)")
    elif len(recent) > 1:
        years = recent["_t"].to_numpy(float)
        if not np.allclose(np.diff(years), 1.0):
            missing = sorted(set(range(int(years[0]), int(years[-1]) + 1)) - {int(y) for y in years})
            reasons.append("a break in the series" + (" (no value for " + ", ".join(map(str, missing)) + ")"
                                                      if missing else ""))
    if type_reason:
        reasons.append(type_reason)
    periods = recent["_period"].to_numpy()
    if method == "proportion":
        r, n = recent["numerator"].to_numpy(float), recent["denominator"].to_numpy(float)
        if (n <= 0).any():
            reasons.append("a denominator of 0 (" + ", ".join(periods[n <= 0]) + ")")
        elif ((r == 0) | (r == n)).any():
            edge = (r == 0) | (r == n)
            reasons.append("a proportion of 0 or 1 (" + ", ".join(periods[edge]) + "), whose log odds are infinite")
        return reasons
    gaps = (recent["lower"].isna() | recent["upper"].isna()).to_numpy()
    if len(recent) and gaps.all():
        reasons.append("no confidence intervals")
    elif gaps.any():
        reasons.append("no confidence interval for " + ", ".join(periods[gaps]))
    else:
        flat = _standard_errors(recent, z) <= 0
        if flat.any():
            reasons.append("a confidence interval of no width (" + ", ".join(periods[flat]) + ")")
    return reasons


def _standard_errors(recent: pd.DataFrame, z: float) -> np.ndarray:
    """(upper - lower) / (2 z): the standard error a symmetric interval at z standard errors implies."""
    return (recent["upper"].to_numpy(float) - recent["lower"].to_numpy(float)) / (2 * z)


def _leave_one_out(n: int) -> list[np.ndarray]:
    """Masks: every point, then each point left out in turn."""
    return [np.ones(n, bool)] + [np.arange(n) != j for j in range(n)]


def _chi2_proportions(t: np.ndarray, r: np.ndarray, n: np.ndarray) -> float:
    big_n, big_r = n.sum(), r.sum()
    top = big_n * (big_n * (r * t).sum() - big_r * (n * t).sum()) ** 2
    return float(top / (big_r * (big_n - big_r) * (big_n * (n * t * t).sum() - (n * t).sum() ** 2)))


def _logit_gradient(t: np.ndarray, r: np.ndarray, n: np.ndarray) -> float:
    """Least-squares slope of ln(r / (n - r)) on t."""
    y = np.log(r / (n - r))
    dt = t - t.mean()
    return float((dt * (y - y.mean())).sum() / (dt * dt).sum())


def _weighted_gradient(t: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares slope and its variance."""
    sw, swt, swx, swtx, swt2 = w.sum(), (w * t).sum(), (w * x).sum(), (w * t * x).sum(), (w * t * t).sum()
    det = sw * swt2 - swt ** 2
    return float((sw * swtx - swt * swx) / det), float(sw / det)


def _check_proportions(recent: pd.DataFrame, label: str) -> None:
    r, n = recent["numerator"].to_numpy(float), recent["denominator"].to_numpy(float)
    for bad, words in ((r < 0, "the numerator is negative"), (n < 0, "the denominator is negative"),
                       (r > n, "the numerator is larger than the denominator")):
        if bad.any():
            raise AnalysisError(f"{label}, period {recent['_period'].iloc[int(np.flatnonzero(bad)[0])]}: {words}; "
                                "a proportion lies between 0 and 1.")


def _parse(period: str) -> tuple[float, str, int]:
    """(first year as a number, form, years spanned) of a period: '2019' yearly, '2019/20' financial year,
    '2017 - 19' a span of years, '2019-04' monthly, '2019-Q2' quarterly."""
    if match := _YEAR.match(period):
        return float(match[1]), "yearly", 1
    if (match := _MONTH.match(period)) and 1 <= int(match[2]) <= 12:
        return int(match[1]) + (int(match[2]) - 1) / 12, "monthly", 0
    if match := _QUARTER.match(period):
        return int(match[1]) + (int(match[2]) - 1) / 4, "quarterly", 0
    if match := _SPAN.match(period):
        first, last = int(match[1]), int(match[2])
        if last < 100:
            last += first - first % 100 + (100 if last < first % 100 else 0)
        if last > first:
            if "/" in period and last == first + 1:
                return float(first), "financial year", 1
            return float(first), "span", last - first + 1
    raise AnalysisError(f"The period '{period}' is not a year ('2015'), a financial year ('2015/16'), a span of "
                        "years ('2013 - 15'), a month ('2015-04') or a quarter ('2015-Q2').", option="period")


def _period_text(period) -> str | None:
    """Periods read as numbers (2015 or 2015.0) back to their text, '2015'."""
    if period is None or (isinstance(period, (float, np.floating)) and np.isnan(period)):
        return None
    if isinstance(period, (int, np.integer)) or (isinstance(period, (float, np.floating)) and period.is_integer()):
        return str(int(period))
    return str(period).strip()
