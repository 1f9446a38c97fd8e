"""Input checks shared by the statistics: one clear error per problem, never row values."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ldsa.errors import ExitCode, LdsaError

FloatArray = npt.NDArray[np.float64]
ConfLevel = float | Sequence[float]


class StatsInputError(LdsaError, ValueError):
    """An argument passed to a statistics function is not valid.

    The message names the argument and the problem (with a count of failing positions,
    never the values themselves) and says how to fix it.
    """

    exit_code = ExitCode.INVALID_INPUT


def as_float_array(name: str, values: npt.ArrayLike) -> FloatArray:
    """Return ``values`` as a float array, refusing text, missing and infinite values."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise StatsInputError(
            f"{name}: values are not numeric (expected numbers). Convert the column to numbers."
        ) from None
    missing = int(np.count_nonzero(np.isnan(array)))
    if missing:
        raise StatsInputError(
            f"{name}: missing (NaN) values at {missing} position(s); "
            "supply a number for every row or drop the rows first."
        )
    infinite = int(np.count_nonzero(np.isinf(array)))
    if infinite:
        raise StatsInputError(
            f"{name}: infinite values at {infinite} position(s); values must be finite."
        )
    return array


def nonnegative(name: str, values: npt.ArrayLike) -> FloatArray:
    """Return ``values`` as floats, refusing negative values (counts, weights)."""
    array = as_float_array(name, values)
    bad = int(np.count_nonzero(array < 0))
    if bad:
        raise StatsInputError(f"{name}: negative values at {bad} position(s); {name} must be >= 0.")
    return array


def positive(name: str, values: npt.ArrayLike) -> FloatArray:
    """Return ``values`` as floats, refusing zero and negative values (populations)."""
    array = as_float_array(name, values)
    bad = int(np.count_nonzero(array <= 0))
    if bad:
        raise StatsInputError(
            f"{name}: zero or negative values at {bad} position(s); {name} must be > 0."
        )
    return array


def same_shape(**arrays: FloatArray) -> None:
    """Refuse arrays of different shapes, naming each argument and its length."""
    shapes = {name: array.shape for name, array in arrays.items()}
    if len(set(shapes.values())) > 1:
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise StatsInputError(f"mismatched lengths: {described}; pass arrays of the same length.")


def at_most(name: str, values: FloatArray, limit: FloatArray, limit_name: str) -> None:
    """Refuse values greater than ``limit`` (successes above trials)."""
    bad = int(np.count_nonzero(values > limit))
    if bad:
        raise StatsInputError(
            f"{name}: greater than {limit_name} at {bad} position(s); "
            f"{name} must be <= {limit_name}."
        )


def conf_levels(conf_level: ConfLevel) -> tuple[tuple[float, ...], bool]:
    """Return the levels as a tuple and whether several were asked for (a sequence)."""
    multi = np.ndim(conf_level) > 0
    try:
        levels = (
            tuple(float(level) for level in cast(Sequence[float], conf_level))
            if multi
            else (float(cast(float, conf_level)),)
        )
    except (TypeError, ValueError):
        raise StatsInputError(
            "conf_level: expected a number such as 0.95, or a sequence."
        ) from None
    if not levels:
        raise StatsInputError("conf_level: empty; pass a level such as 0.95 or (0.95, 0.998).")
    for level in levels:
        if not 0 < level < 1:
            raise StatsInputError(
                "conf_level: each level must be a probability strictly between 0 and 1 "
                "(for example 0.95 or 0.998)."
            )
    if len(set(levels)) != len(levels):
        raise StatsInputError("conf_level: the same level is given twice.")
    return levels, multi


def level_suffix(level: float) -> str:
    """Return the column suffix of a level: 0.95 -> '95', 0.998 -> '99_8'."""
    text = f"{round(level * 100, 8):g}"
    return text.replace(".", "_")


def limit_names(levels: tuple[float, ...], multi: bool) -> list[tuple[str, str]]:
    """Return the (lower, upper) column names for each level."""
    if not multi:
        return [("lower", "upper")]
    return [(f"lower_{level_suffix(lv)}", f"upper_{level_suffix(lv)}") for lv in levels]


def z_value(level: float) -> float:
    """Return the two-sided standard normal quantile for a confidence level."""
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def require_columns(frame: pd.DataFrame, argument: str, columns: Sequence[str]) -> None:
    """Refuse a frame that lacks any of the named columns."""
    if not isinstance(frame, pd.DataFrame):
        raise StatsInputError(f"{argument}: expected a pandas DataFrame.")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise StatsInputError(
            f"{argument}: missing column(s) {missing}; name the columns with the keyword "
            "arguments or rename them."
        )


def reasons(missing: npt.NDArray[np.bool_], text: str, index: pd.Index | None = None) -> pd.Series:
    """A string column: ``text`` where a value is missing, <NA> where it was calculated."""
    values = [text if flag else None for flag in np.asarray(missing, dtype=bool)]
    return pd.Series(values, index=index, dtype="string")


def as_dates(name: str, values: pd.Series) -> pd.Series:
    """Return ``values`` as datetimes, refusing text that is not a date and missing dates."""
    try:
        with warnings.catch_warnings():
            # pandas warns when it cannot infer one format; mixed formats are still parsed,
            # and anything unparseable raises below, so the warning adds nothing.
            warnings.simplefilter("ignore", UserWarning)
            dates = pd.to_datetime(values)
    except (TypeError, ValueError):
        raise StatsInputError(f"{name}: values are not dates.") from None
    if dates.isna().any():
        raise StatsInputError(f"{name}: missing dates; every row needs a date.")
    return dates


def by_columns(by: str | Sequence[str] | None) -> list[str]:
    """Return the grouping columns as a list (empty when ``by`` is None)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def group_codes(frame: pd.DataFrame, by: list[str]) -> tuple[npt.NDArray[np.intp], pd.DataFrame]:
    """Return each row's group number and one row of keys per group (sorted by key)."""
    if not by:
        return np.zeros(len(frame), dtype=np.intp), pd.DataFrame(index=pd.RangeIndex(1))
    missing = int(frame[by].isna().any(axis=1).sum())
    if missing:
        raise StatsInputError(
            f"by: missing keys in {by} at {missing} row(s); every row needs its group."
        )
    grouped = frame.groupby(by, sort=True)
    codes = np.asarray(grouped.ngroup().to_numpy(), dtype=np.intp)
    keys = grouped.size().index.to_frame(index=False)
    return codes, keys
