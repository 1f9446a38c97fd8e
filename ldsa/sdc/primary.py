"""Primary suppression: which single counts are unsafe under a policy.

Two questions, kept apart: whether a count is disclosive on its own
(:func:`is_unsafe_count`, :func:`unsafe_counts`: the primary rule, which a policy for
published inputs switches off), and whether an estimate rests on too few events
(:func:`too_few_events`: a reliability rule as well, which every policy keeps).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ldsa.sdc.policy import Policy


def is_unsafe_count(count: int, policy: Policy) -> bool:
    """Whether releasing ``count`` people would be disclosive on its own.

    Parameters
    ----------
    count
        A whole, non-negative count of contributing people (or events).
    policy
        The disclosure policy.

    Returns
    -------
    bool
        True for ``0 < count < threshold``, and for ``count == 0`` when the policy treats
        zeros as disclosive; never under a policy for published inputs
        (``published_inputs``: the count is published already).

    Notes
    -----
    ``threshold`` is the smallest safe count: the default policy (10) suppresses 1..9,
    the strict one (8) suppresses 0..7 (OpenSAFELY's "7 or fewer", zeros included), the
    public one (10, published inputs) none. :func:`unsafe_counts` is the same rule for
    many counts at once.

    References
    ----------
    .. [1] ONS SRS output checking: a minimum of 10 units per cell.
    .. [2] AI-SDC ACRO: ``threshold`` and ``zeros_are_disclosive``.
    .. [3] ONS SRS output checking: published data need no further disclosure control.
    """
    if policy.published_inputs:
        return False
    if count == 0:
        return policy.zeros_are_disclosive
    return count < policy.threshold


def unsafe_counts(values: npt.ArrayLike, policy: Policy) -> npt.NDArray[np.bool_]:
    """:func:`is_unsafe_count` of every value of an array (of any shape), at once."""
    array = np.asarray(values, dtype=np.int64)
    if policy.published_inputs:
        return np.zeros(array.shape, dtype=bool)
    small = (array > 0) & (array < policy.threshold)
    return np.asarray(small | ((array == 0) & policy.zeros_are_disclosive), dtype=bool)


def too_few_events(events: int, policy: Policy) -> bool:
    """Whether an estimate resting on ``events`` events (an R, a projection, a score) is
    withheld: none, or fewer than the threshold, under every policy.

    Notes
    -----
    Under a policy protecting record-level data such an estimate is withheld because it
    gives its events back (``[c]``); under a policy for published inputs the events are
    public, but an estimate from fewer than ``threshold`` events is still too unreliable
    to show (``[u]``). Either way the same estimates are withheld; only the reason differs
    (``policy.published_inputs``).
    """
    return events <= 0 or events < policy.threshold
