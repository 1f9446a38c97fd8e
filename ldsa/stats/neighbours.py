"""Statistical neighbours: the k authorities nearest on standardised features."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ldsa.stats._validate import StatsInputError, as_float_array, require_columns


@dataclasses.dataclass(frozen=True)
class Neighbours:
    """Each authority's k nearest neighbours, with the features and k that defined them."""

    table: pd.DataFrame
    features: tuple[str, ...]
    k: int
    metric: str = "Euclidean distance on z-scores (mean 0, standard deviation 1)"


def statistical_neighbours(
    frame: pd.DataFrame,
    features: Sequence[str],
    k: int = 15,
    la_code: str = "la_code",
) -> Neighbours:
    """Find each authority's k nearest neighbours on standardised features.

    Parameters
    ----------
    frame
        One row per authority, with an id column and numeric feature columns.
    features
        Feature columns, for example the share aged 65+, population density (log) and the
        IMD score.
    k
        Neighbours per authority (1 to the number of authorities − 1).
    la_code
        The id column.

    Returns
    -------
    Neighbours
        ``table`` with ``la_code``, ``neighbour_code``, ``rank`` (1 = nearest) and
        ``distance``, sorted by authority then rank; plus the features and k used.

    Raises
    ------
    StatsInputError
        Missing columns or values, duplicate ids, a constant feature, or k out of range.

    Notes
    -----
    Each feature is standardised to mean 0 and standard deviation 1 so that no feature
    dominates because of its units; the distance is Euclidean over the z-scores. Ties are
    broken by the order of the frame (a stable sort), so results are reproducible.
    All pairwise distances are computed at once (309 x 309 is small).

    References
    ----------
    Chartered Institute of Public Finance and Accountancy. CIPFA nearest neighbours model:
    technical note (2020). Office for National Statistics. Area classifications (2011).
    """
    names = list(features)
    if not names:
        raise StatsInputError("features: name at least one feature column.")
    require_columns(frame, "frame", [la_code, *names])
    ids = frame[la_code].to_numpy()
    if pd.Series(ids).duplicated().any():
        raise StatsInputError(f"{la_code}: duplicate ids; give one row per authority.")
    units = len(ids)
    if not 1 <= k < units:
        raise StatsInputError(f"k: expected 1 to {units - 1} (authorities − 1).")
    values = np.column_stack([as_float_array(name, frame[name]) for name in names])
    spread = values.std(axis=0)
    constant = [name for name, sd in zip(names, spread, strict=True) if sd == 0]
    if constant:
        raise StatsInputError(f"features: constant column(s) {constant} cannot be standardised.")
    z = (values - values.mean(axis=0)) / spread
    distance = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(distance, np.inf)
    order = np.argsort(distance, axis=1, kind="stable")[:, :k]
    table = pd.DataFrame(
        {
            "la_code": np.repeat(ids, k),
            "neighbour_code": ids[order.reshape(-1)],
            "rank": np.tile(np.arange(1, k + 1), units),
            "distance": np.take_along_axis(distance, order, axis=1).reshape(-1),
        }
    )
    return Neighbours(table=table, features=tuple(names), k=k)
