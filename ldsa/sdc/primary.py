"""Primary suppression: which single counts are unsafe under a policy."""

from __future__ import annotations

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
        zeros as disclosive.

    Notes
    -----
    ``threshold`` is the smallest safe count: the default policy (10) suppresses 1..9,
    the strict one (8) suppresses 0..7 (OpenSAFELY's "7 or fewer", zeros included).

    References
    ----------
    .. [1] ONS SRS output checking: a minimum of 10 units per cell.
    .. [2] AI-SDC ACRO: ``threshold`` and ``zeros_are_disclosive``.
    """
    if count == 0:
        return policy.zeros_are_disclosive
    return count < policy.threshold
