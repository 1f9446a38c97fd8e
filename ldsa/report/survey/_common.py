"""What every section of the survey report shares: the areas, their samples and models.

The survey reports on CIS areas (groups of 1 to 5 authorities), not on authorities: every
estimate of the authority is its CIS area's. Its region's and England's come from the
swabs of all their CIS areas. Each level's positivity comes from one model fitted to its
swabs of the report's weeks (:func:`ldsa.stats.survey_positivity`); the sample behind
each week's estimate is read from the store's exact weekly counts of swabs, participants
and households (:meth:`ldsa.data.store.Store.survey_samples`).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.ageband import AGE_BANDS
from ldsa.data.survey_groups import ALL_AGES, YOUNGEST, survey_age_group
from ldsa.geography import Authority
from ldsa.report.base import Report
from ldsa.report.figures import Notice
from ldsa.stats import survey_positivity

#: The survey age group of each of the store's age bands (0-4 holds ages 2 to 4).
BAND_GROUPS = {
    band: str(survey_age_group([max(int(band.rstrip("+").split("-")[0]), YOUNGEST)])[0])
    for band in AGE_BANDS
}
#: The survey's levels, as the prefixes of released columns.
SURVEY_LEVELS = ("cis", "region", "england")
#: The survey's weeks are compared with the weeks this many days after their Monday (the
#: Thursday: ONS's estimate for a week is for its middle day).
MIDWEEK = 3
_FIELDS = ("swabs", "positives", "participants", "households")


@dataclasses.dataclass(frozen=True)
class LevelFit:
    """One level's modelled positivity, per survey week, and the model's sample."""

    weekly: pd.DataFrame  #: value, lower, upper (per cent), one row per survey week
    model: sdc.SurveyModel
    reason: str | None  #: why there is no estimate, if there is none


def sample_of(rows: pd.DataFrame) -> sdc.SurveySample:
    """The sample of several weeks: swabs and positives added up, distinct participants
    and households as the largest week's (a lower bound: one person is in many weeks)."""
    if rows.empty:
        return sdc.SurveySample(0, 0, 0, 0)
    return sdc.SurveySample(
        swabs=int(rows["swabs"].sum()),
        positives=int(rows["positives"].sum()),
        participants=int(rows["participants"].max()),
        households=int(rows["households"].max()),
    )


def weekly_sample(row: pd.Series) -> sdc.SurveySample:
    """The exact sample of one week."""
    return sdc.SurveySample(*(int(row[field]) for field in _FIELDS))


class SurveyBase(Report):
    """The CIS area, its samples and the models of the survey report."""

    @functools.cached_property
    def sharing(self) -> tuple[Authority, ...]:
        """The authorities of this authority's CIS area, by name."""
        cis = self.context.authority.cis_area
        found = [a for a in self.context.store.geography if a.cis_area == cis]
        return tuple(sorted(found, key=lambda a: a.la_name))

    def area_name(self) -> str:
        """The CIS area in words: its code and the authorities it covers."""
        names = [a.la_name for a in self.sharing]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return f"survey area {self.context.authority.cis_area} ({listed})"

    def survey_names(self) -> dict[str, str]:
        """Display name of each survey level."""
        names = self.names()
        return {"cis": f"The {self.area_name()}", "region": names["region"], "england": "England"}

    def survey_lacks(self) -> Notice | None:
        """A notice when the store has no swab-level survey data, else None."""
        if notice := self.lacks("survey"):
            return notice
        if not self.context.store.has_survey_samples:
            return Notice(
                "This store was prepared by an earlier version of ldsa, which did not count "
                "the survey's participants and households, so no survey estimate can be "
                "checked for release. Prepare the store again (ldsa prepare)."
            )
        return None

    @functools.cached_property
    def _cis_region(self) -> dict[str, str]:
        return {a.cis_area: a.region_code for a in self.context.store.geography}

    def _in_level(self, frame: pd.DataFrame, level: str) -> pd.DataFrame:
        """The rows of a table by CIS area that belong to a level."""
        if level == "cis":
            return frame[frame["cis_area"] == self.context.authority.cis_area]
        if level == "region":
            regions = frame["cis_area"].map(self._cis_region)
            return frame[(regions == self.context.authority.region_code).to_numpy()]
        return frame

    @functools.cached_property
    def _samples(self) -> pd.DataFrame:
        """The store's weekly samples within the report's weeks."""
        frame = self.context.store.survey_samples()
        weeks = pd.DatetimeIndex(frame["week_start"])
        return frame[(weeks >= self.weeks[0]) & (weeks <= self.weeks[-1])]

    @functools.cached_property
    def survey_weeks(self) -> pd.DatetimeIndex:
        """The report's weeks from the first to the last with a swab in England."""
        swabbed = self._samples[self._samples["swabs"] > 0]["week_start"]
        if swabbed.empty:
            return pd.DatetimeIndex([])
        first, last = pd.Timestamp(swabbed.min()), pd.Timestamp(swabbed.max())
        return self.weeks[(self.weeks >= first) & (self.weeks <= last)]

    def weekly_samples(self, level: str, age_group: str = ALL_AGES) -> pd.DataFrame:
        """One level's sample per survey week (rows: :attr:`survey_weeks`; 0 where none).

        The CIS areas of a region (and England) are disjoint, so their distinct counts add
        up exactly.
        """
        key = (level, age_group)
        if key not in self._weekly:
            rows = self._in_level(self._samples, level)
            rows = rows[rows["age_group"] == age_group]
            summed = rows.groupby(pd.DatetimeIndex(rows["week_start"]))[list(_FIELDS)].sum()
            self._weekly[key] = summed.reindex(self.survey_weeks, fill_value=0).astype(np.int64)
        return self._weekly[key]

    @functools.cached_property
    def _weekly(self) -> dict[tuple[str, str], pd.DataFrame]:
        return {}

    @functools.cached_property
    def _cells(self) -> pd.DataFrame:
        """Swab cells within the survey weeks, with their survey age group."""
        frame = self.context.store.survey()
        weeks = pd.DatetimeIndex(frame["week_start"])
        if self.survey_weeks.empty:
            return frame.iloc[:0].assign(age_group="")
        frame = frame[(weeks >= self.survey_weeks[0]) & (weeks <= self.survey_weeks[-1])]
        return frame.assign(age_group=frame["age_band"].map(BAND_GROUPS))

    def people(self, level: str) -> pd.DataFrame:
        """Population aged 2 and over by single year of age and sex in the denominator
        year: this authority's CIS area (its authorities added up), region or England."""
        if level == "cis":
            store = self.context.store
            frame = pd.concat([store.la_table(a.la_code, "population") for a in self.sharing])
        else:
            frame = self.context.table(level, "population")
        frame = frame[(frame["year"] == self.denominator_year) & (frame["age"] >= YOUNGEST)]
        return frame.assign(age_group=survey_age_group(frame["age"].to_numpy()))

    @functools.cached_property
    def fits(self) -> dict[str, LevelFit]:
        """Each level's model: positivity per survey week and the sample it rests on."""
        return {level: self._fit(level) for level in SURVEY_LEVELS}

    def _fit(self, level: str) -> LevelFit:
        cells = self._in_level(self._cells, level)
        cells = cells.groupby(["week_start", "age_group", "sex"], as_index=False)[
            ["swabs", "positives"]
        ].sum()
        cells = cells[cells["swabs"] > 0]
        weekly = self.weekly_samples(level)
        empty = pd.DataFrame(np.nan, index=self.survey_weeks, columns=["value", "lower", "upper"])
        if cells.empty:
            return LevelFit(empty, sdc.SurveyModel(sample_of(weekly), np.nan), "no swabs")
        strata = self.people(level).groupby(["age_group", "sex"], as_index=False)
        estimates = survey_positivity(
            cells.assign(date=pd.to_datetime(cells["week_start"]) + pd.Timedelta(days=MIDWEEK)),
            strata.agg(population=("population", "sum")),
            positive="positives",
            tests="swabs",
            age_band="age_group",
            by=None,
        )
        found = estimates.set_index("date")
        midweeks = self.survey_weeks + pd.Timedelta(days=MIDWEEK)
        values = found[["value", "lower", "upper"]].reindex(midweeks)
        values.index = self.survey_weeks
        model = sdc.SurveyModel(sample_of(weekly), float(found["df_resid"].iloc[0]))
        reason = found["reason"].iloc[0]
        return LevelFit(values, model, None if pd.isna(reason) else str(reason))
