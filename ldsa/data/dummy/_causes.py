"""Underlying causes (ICD-10) and places of death, by age group, sex and era."""

from __future__ import annotations

import numpy as np

from ldsa.data.dummy._days import Floats, Ints
from ldsa.data.dummy._draw import normalised_cdf
from ldsa.data.schemas import COVID_ICD10

#: (ICD-10 code, relative weight under 65, 65-84, 85 and over, sex it applies to or "").
_OTHER_CAUSES: tuple[tuple[str, float, float, float, str], ...] = (
    ("C34.9", 6.0, 7.0, 3.0, ""),  # lung cancer
    ("C18.9", 3.0, 3.0, 2.0, ""),  # colon cancer
    ("C25.9", 3.0, 3.0, 1.5, ""),  # pancreatic cancer
    ("C50.9", 10.0, 5.0, 3.0, "F"),  # breast cancer
    ("C61", 2.0, 6.0, 6.0, "M"),  # prostate cancer
    ("C80.9", 2.0, 2.0, 1.5, ""),  # cancer, site unspecified
    ("I21.9", 5.0, 5.0, 4.0, ""),  # acute myocardial infarction
    ("I25.1", 6.0, 8.0, 7.0, ""),  # chronic ischaemic heart disease
    ("I50.0", 0.5, 1.5, 3.0, ""),  # heart failure
    ("I63.9", 2.0, 4.0, 5.0, ""),  # stroke
    ("F03", 0.2, 6.0, 14.0, ""),  # unspecified dementia
    ("G30.9", 0.2, 3.0, 5.0, ""),  # Alzheimer disease
    ("J18.9", 1.0, 2.5, 5.0, ""),  # pneumonia
    ("J44.9", 2.0, 6.0, 4.0, ""),  # COPD
    ("J09", 0.1, 0.2, 0.3, ""),  # influenza
    ("K70.3", 6.0, 1.0, 0.1, ""),  # alcoholic cirrhosis
    ("E11.9", 1.0, 1.0, 1.0, ""),  # type 2 diabetes
    ("N39.0", 0.1, 0.5, 1.0, ""),  # urinary tract infection
    ("A41.9", 1.0, 1.0, 1.0, ""),  # sepsis
    ("G12.2", 1.0, 0.5, 0.1, ""),  # motor neurone disease
    ("W19", 0.5, 1.0, 2.0, ""),  # fall
    ("R54", 0.0, 0.2, 3.0, ""),  # old age
    ("X70", 6.0, 0.3, 0.05, ""),  # suicide
    ("X42", 5.0, 0.2, 0.02, ""),  # accidental drug poisoning
    ("V89.2", 2.0, 0.3, 0.1, ""),  # road traffic accident
    ("R99", 0.5, 0.1, 0.05, ""),  # ill-defined
    ("Q24.9", 0.5, 0.0, 0.0, ""),  # congenital heart disease
)
#: Every underlying cause; Covid (U07.1) first.
CAUSES: tuple[str, ...] = (COVID_ICD10, *(c[0] for c in _OTHER_CAUSES))
#: Age groups: under 65, 65 to 84, 85 and over.
AGE_GROUP_STARTS = (65, 85)
#: Non-Covid place of death (home, care home, hospital, hospice, other) by age group,
#: before Covid, then from mid-March 2020 (more deaths at home, fewer in hospital).
_PLACES_BEFORE = (
    (0.30, 0.03, 0.50, 0.07, 0.10),
    (0.27, 0.12, 0.48, 0.08, 0.05),
    (0.17, 0.37, 0.42, 0.02, 0.02),
)
_COVID_ERA_SHIFT = np.array([1.35, 1.0, 0.85, 1.0, 1.0])
#: Covid place of death in spring 2020 (care homes hit hard), to mid-2021, then after.
_COVID_PLACES = (
    (0.04, 0.36, 0.58, 0.01, 0.01),
    (0.05, 0.17, 0.76, 0.01, 0.01),
    (0.07, 0.11, 0.80, 0.01, 0.01),
)


def age_group(age: Ints) -> Ints:
    """0 under 65, 1 for 65 to 84, 2 for 85 and over."""
    return np.searchsorted(np.asarray(AGE_GROUP_STARTS), age, side="right").astype(np.int64)


def cause_cdf() -> Floats:
    """Non-Covid causes ``[age_group * 2 + sex, cause]``; Covid has weight 0."""
    weights = np.zeros((6, len(CAUSES)))
    for c, (_, *by_age, only) in enumerate(_OTHER_CAUSES, start=1):
        for group, weight in enumerate(by_age):
            for sex, letter in enumerate("FM"):
                if only in ("", letter):
                    weights[group * 2 + sex, c] = float(weight)
    return normalised_cdf(weights)


def place_cdf() -> Floats:
    """Non-Covid places ``[era * 3 + age_group, place]``; era 1 from mid-March 2020."""
    before = np.array(_PLACES_BEFORE)
    return normalised_cdf(np.concatenate([before, before * _COVID_ERA_SHIFT[None]]))


def covid_place_cdf() -> Floats:
    """Covid places ``[era, place]`` for eras spring 2020, to mid-2021, later."""
    return normalised_cdf(np.array(_COVID_PLACES))
