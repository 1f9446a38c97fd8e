"""PHE's funnel-chart axis (100 points) and expected-count solver, as published.

PHE's funnel tables (PHEindicatormethods ``calculate_funnel_limits``, after the Fingertips
Excel tool) are defined at 100 points of a rounded, roughly geometric axis, and their
expected counts are found by bisection to a stated precision. To give PHE's numbers
digit for digit, ldsa follows the same definitions here, re-implemented independently
from the published tool's documented behaviour (no code copied).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ldsa.stats._validate import FloatArray

#: Points on PHE's funnel axis.
AXIS_POINTS = 100
#: PHE's bisection stops once its step is at most this (on the scale v = m / (O + 1 + m)).
_STEP = 1e-7


def _r_width(value: float) -> int:
    """Characters R uses to print a whole number (``nchar``): 100000 prints as 1e+05."""
    digits = str(int(value))
    significant = len(digits.rstrip("0")) or 1
    scientific = (significant + 1 if significant > 1 else 1) + 4  # d.ddde+XX
    return len(digits) if len(digits) <= scientific else scientific


def round_down(value: float) -> float:
    """PHE's axis minimum: 95% of the value (> 0), rounded down at its leading digit."""
    power = _r_width(math.floor(value * 0.95)) - 1
    return math.floor(value * 0.95 / 10.0**power) * 10.0**power


def round_up(value: float) -> float:
    """PHE's axis maximum: 105% of the value (> 0), rounded up at its second digit."""
    power = _r_width(math.ceil(value * 1.05)) - 2
    return math.ceil(value * 1.05 / 10.0**power) * 10.0**power


def axis(minimum: float, maximum: float, ratio: bool = False) -> FloatArray:
    """PHE's 100 axis points from ``minimum`` (at least 1) towards ``maximum``.

    Each point is the previous one times (maximum / previous)^(1 / steps left), rounded
    half to even (as R's ``round``), and at least one more than the previous point. For
    ratios PHE counts the steps one short, so the last point stops below the maximum.
    """
    points = [max(1.0, minimum)]
    for j in range(2, AXIS_POINTS + 1):
        left = AXIS_POINTS + 1 - (j - 1 if ratio else j)
        previous = points[-1]
        step = (maximum / previous) ** (1 / left) * previous
        points.append(max(float(np.rint(step)), previous + 1))
    return np.asarray(points, dtype=np.float64)


def axis_ends(minimum: float, maximum: float, per: float = 1.0) -> tuple[float, float]:
    """PHE's axis ends: from 0 when the largest denominator is over twice the smallest."""
    low = 0.0 if maximum > 2 * minimum else round_down(minimum / per) * per
    return low, round_up(maximum / per) * per


def expected_count(events: FloatArray, tail: float, bound: str) -> FloatArray:
    """The Poisson mean at which ``events`` lies on a funnel limit, as PHE's tool finds it.

    ``bound="lower"``: the lower confidence bound of the mean, P(X >= events | m) =
    ``tail`` (at that expected count, ``events`` is on the upper funnel limit);
    ``bound="upper"``: P(X <= events | m) = ``tail`` (on the lower limit). PHE bisects on
    v = m / (events + 1 + m) from 1/2, halving the step from 1/4 while it exceeds 1e-7 (23
    halvings), so its means differ from the exact roots by up to about 5e-5 relative at
    one event; this reproduces them.
    """
    o = np.asarray(events, dtype=np.float64)
    v = np.full(o.shape, 0.5)
    step = 0.5
    while step > _STEP:
        step /= 2
        mean = (1 + o) * v / (1 - v)
        if bound == "lower":
            too_high = stats.poisson.sf(o - 1, mean) > tail
        else:
            too_high = stats.poisson.cdf(o, mean) < tail
        v = np.where(too_high, v - step, v + step)
    return np.asarray((1 + o) * v / (1 - v), dtype=np.float64)
