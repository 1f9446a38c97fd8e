"""Every line, bar and marker colour of the charts stands out from the white page."""

from __future__ import annotations

import pytest

from ldsa.report.charts import CATEGORY_COLOURS
from ldsa.report.figures import COLOURS


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", sorted({*COLOURS.values(), *CATEGORY_COLOURS}))
def test_contrast_with_white_is_at_least_3_to_1(colour: str) -> None:
    """WCAG 2.1 (1.4.11): graphical objects need 3:1 against the adjacent colour."""
    assert 1.05 / (_luminance(colour) + 0.05) >= 3
