"""The infection-survey report: positivity in the authority's CIS area, its region and England.

The template ``notebooks/survey.ipynb`` opens :class:`Survey` and shows what its methods
return: modelled positivity over time (per cent, "around 1 in N", 95% intervals and the
trend), the authorities sharing the CIS area, positivity against the case rate (cases per
estimated infection) and positivity by age group. Survey estimates are released through
:func:`ldsa.sdc.release_survey` only where the sample behind them (swabs, participants,
households, positives) is large enough; case counts come from the batch-wide plan. On a
store built from published files (no swabs) it shows ONS's own estimates for the area.
"""

from __future__ import annotations

from ldsa import sdc
from ldsa.report import text
from ldsa.report.measures import CASES
from ldsa.report.spec import TemplateSpec
from ldsa.report.survey._age import AgeSections
from ldsa.report.survey._common import SURVEY_LEVELS
from ldsa.sdc.survey import rule_text

SPEC = TemplateSpec(
    name="survey",
    title="Infection survey",
    description=(
        "Modelled infection-survey positivity in the authority's survey (CIS) area, its "
        "region and England: per cent, 'around 1 in N' and the trend, with 95% intervals; "
        "the authorities sharing the area; positivity against the case rate (cases per "
        "estimated infection); and positivity by age group."
    ),
    needs=("survey", "cases", "population", "population_bands"),
    measures=(CASES,),
)
#: What each rule withheld, in words ("3 estimates withheld: ...").
_RULES = {
    sdc.Rule.SURVEY_SAMPLE: ("estimate", "too few swabs, people or households behind it"),
    sdc.Rule.SURVEY_POSITIVES: ("estimate", "too few positive or negative swabs behind it"),
    sdc.Rule.DOF: ("estimate", "its model has too few residual degrees of freedom"),
    sdc.Rule.THRESHOLD: ("count of people", "below the threshold"),
    sdc.Rule.ZEROS: ("count of people", "a zero, which this policy withholds"),
    sdc.Rule.DERIVED: ("value", "worked out from a withheld value"),
}
#: The survey's downloads, in the order the note lists them.
_TABLES = {
    "positivity_over_time": "weekly estimates",
    "cases_against_positivity": "cases against positivity",
    "positivity_by_age": "estimates by age group",
}


class Survey(AgeSections):
    """The infection-survey report of one authority over one period."""

    SPEC = SPEC

    def messages(self) -> text.Messages:
        """The latest week's positivity and trend for the CIS area, region and England."""
        if notice := self.survey_lacks():
            if self._has_public:
                return text.Messages(
                    [
                        self.public_latest(),
                        "The region's and England's estimates, cases against positivity and "
                        "positivity by age group need the survey's swab results, which this "
                        "store (built from published files) does not hold.",
                    ]
                )
            return text.Messages([notice.text])
        if self.survey_weeks.empty:
            return text.Messages(["The infection survey took no swabs in this period."])
        return text.Messages([self.latest(level).sentence for level in SURVEY_LEVELS])

    def protection_note(self) -> text.Messages:
        """Which survey rules applied, and how many values each withheld."""
        lines = [rule_text(self.policy)]
        if self.survey_lacks() and self._has_public:
            lines.append(
                "The estimates shown here are ONS's, as published: public figures need no "
                "further disclosure control (recorded as such for the output checkers)."
            )
        for name, label in _TABLES.items():
            table = self.release.tables.get(name)
            if table is None:
                continue
            counts = [
                _withheld(len(table.record.cells_for(rule)), noun, reason)
                for rule, (noun, reason) in _RULES.items()
                if table.record.cells_for(rule)
            ]
            lines.append(
                f"The {label} ({self.release.file_name(name)}): "
                + ("; ".join(counts) + "." if counts else "nothing withheld.")
            )
        return text.Messages(lines)


def _withheld(n: int, noun: str, reason: str) -> str:
    plural = noun if n == 1 else ("counts of people" if noun == "count of people" else f"{noun}s")
    return f"{n} {plural} withheld ({reason})"


__all__ = ["SPEC", "Survey"]
