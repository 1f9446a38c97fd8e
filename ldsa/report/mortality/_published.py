"""ONS's published age-standardised rates, shown where the store cannot compute them.

A store prepared from published files has no deaths by age, so it cannot standardise. It
does hold ONS's own rates for deaths occurring 1 March to 30 June 2020 (all causes and
involving Covid-19, persons, ESP2013, 95% limits) for every authority, region and England,
which the section shows instead, as published (:func:`ldsa.sdc.release_public`). An
authority made of several published areas has no published rate: the table gives its
deaths (summed exactly) and each area's own rates, and says why.
"""

from __future__ import annotations

import dataclasses
import functools
import html

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report import text
from ldsa.report.figures import Notice
from ldsa.report.mortality._common import MortalityBase
from ldsa.report.tables import ReleasedTable
from ldsa.stats import compare_with_benchmark

PUBLISHED_SOURCE = (
    "Office for National Statistics, Deaths involving COVID-19 by local area and "
    "socioeconomic deprivation: deaths occurring between 1 March and 30 June 2020 "
    "(July 2020; Tables 1 and 2)"
)
#: The store's causes shown, and the prefix of their columns.
CAUSES = {"all_causes": "all_causes", "covid_19": "covid"}
_LIMITS = ("rate", "lower", "upper")
_MESSAGE_LABELS = {"all_causes": "Deaths from all causes", "covid": "Deaths involving COVID-19"}
#: The store's columns and the names of the wide table's.
_COLUMNS = {"deaths": "deaths", "asmr": "rate", "asmr_lower": "lower", "asmr_upper": "upper"}


@dataclasses.dataclass(frozen=True)
class PublishedRates:
    """Why the computed rates are absent, ONS's published ones, and notes on them."""

    notice: Notice
    table: ReleasedTable
    notes: tuple[str, ...]

    def _repr_html_(self) -> str:
        notes = "".join(f'<p class="ldsa-note">{html.escape(n)}</p>' for n in self.notes)
        return self.notice._repr_html_() + self.table._repr_html_() + notes


class PublishedSections(MortalityBase):
    """ONS's published rates of the authority, its region and England (public stores)."""

    @property
    def has_published_rates(self) -> bool:
        """Whether the store holds ONS's published rates (stores prepared from published
        files do)."""
        return self.context.store.has_published_mortality

    @functools.cached_property
    def _published_rows(self) -> pd.DataFrame:
        """Persons' rows of the authority (or its published parts), region and England,
        one row per area, all causes and Covid-19 side by side."""
        found = self.context.store.published_mortality()
        region = self.context.authority.region_code
        mine = found["area_code"].eq(self.la_code) & found["level"].eq("la")
        parts = found["part_of"].eq(self.la_code) & found["level"].eq("district")
        wanted = (found["level"].eq("region") & found["area_code"].eq(region)) | found["level"].eq(
            "england"
        )
        found = found[(mine | parts | wanted) & found["sex"].eq("persons")]
        found = found[found["cause"].isin(list(CAUSES))]
        order = {"la": 0, "district": 1, "region": 2, "england": 3}
        keys = ["area_code", "area_name", "level"]
        wide = found[keys].drop_duplicates().set_index("area_code")
        for cause, prefix in CAUSES.items():
            rows = found[found["cause"] == cause].set_index("area_code")
            for column, name in _COLUMNS.items():
                wide[f"{prefix}_{name}"] = rows[column]
        wide = wide.reset_index()
        wide["_order"] = wide["level"].map(order)
        return wide.sort_values(["_order", "area_name"], kind="stable").reset_index(drop=True)

    @functools.cached_property
    def published_rates(self) -> sdc.SafeTable:
        """ONS's deaths and age-standardised rates per 100,000 (with 95% limits), all
        causes and involving Covid-19, persons, 1 March to 30 June 2020, as published."""
        rows = self._published_rows
        part = "former district" if self._joined else "published separately"
        labels = [
            _label(area, level, rate, part)
            for area, level, rate in zip(
                rows["area_name"], rows["level"], rows["all_causes_rate"], strict=True
            )
        ]
        values = [f"{prefix}_{what}" for prefix in CAUSES.values() for what in ("deaths", *_LIMITS)]
        frame = pd.DataFrame({"area": labels, **{c: rows[c].to_numpy() for c in values}})
        return sdc.release_public(
            frame,
            values,
            source=PUBLISHED_SOURCE,
            policy=self.policy,
            output_id=self.uid("standardised_published"),
            decimals={c: 0 if c.endswith("deaths") else 1 for c in values},
            description="ONS's published deaths and age-standardised mortality rates per "
            "100,000 (ESP2013, 95% confidence limits), all causes and involving Covid-19, "
            "persons, deaths occurring 1 March to 30 June 2020",
        )

    @functools.cached_property
    def _joined(self) -> str:
        """When the authority's published parts were merged ("April 2023"), or empty when
        ldsa reports them together without a merger (Hackney and City of London)."""
        merges = self.context.store.manifest.get("crosswalk", {}).get("merges", [])
        reason = next((m["reason"] for m in merges if m["la_code"] == self.la_code), "")
        effective = reason.rsplit("in force ", 1)[-1] if "in force " in reason else ""
        if not effective:
            return ""
        return pd.Timestamp(effective).strftime("%B %Y")

    def published_table(self) -> PublishedRates:
        """ONS's rates as an accessible table, after a notice of why ldsa's are absent."""
        names = self.names()
        headers = {"area": "Area"}
        for prefix, label in (("all_causes", "All causes"), ("covid", "COVID-19")):
            headers |= {
                f"{prefix}_deaths": f"{label}: deaths",
                f"{prefix}_rate": f"{label}: rate per 100,000",
                f"{prefix}_lower": "95% lower limit",
                f"{prefix}_upper": "95% upper limit",
            }
        self.release.csv("standardised_published", self.published_rates)
        caption = (
            f"Age-standardised mortality rates published by ONS, {names['la']}, "
            f"{names['region']} and England: deaths occurring 1 March to 30 June 2020, per "
            "100,000 people (annual mid-2019 population; not adjusted for the four-month "
            "period, ONS footnote 3). COVID-19: any mention of COVID-19 on the death "
            "certificate. Source: Office for National Statistics, Deaths involving COVID-19 "
            "by local area and socioeconomic deprivation (July 2020), Tables 1 and 2."
        )
        notice = Notice(
            "The rates and ratios described above need deaths by age group, which this store "
            "does not hold (the published files give all ages together); the same report run "
            "on the record-level data in the secure environment shows them. The table below "
            "gives instead the rates ONS published for the first wave of the pandemic."
        )
        method = (
            "How to read ONS's rates: they count the deaths of the four months (by date of "
            "death, registered by 11 July 2020) per 100,000 people of the whole mid-2019 "
            "population, standardised to the European Standard Population 2013, so they are "
            "not yearly rates and cannot be compared with rates a year. COVID-19 counts deaths "
            "with COVID-19 (ICD-10 U07.1 or U07.2) anywhere on the certificate, as the "
            "underlying cause or not; all causes includes them."
        )
        return PublishedRates(
            notice,
            ReleasedTable(self.published_rates, caption, headers),
            (*self._published_notes(), method),
        )

    def published_messages(self) -> list[str]:
        """Key messages from ONS's published rates: the authority's against England's
        (higher or lower when England's rate lies outside the authority's interval)."""
        table, name = self.published_rates, self.names()["la"]
        england = table.n_rows - 1
        lines = []
        for prefix, label in _MESSAGE_LABELS.items():
            rate = table.text(0, f"{prefix}_rate")
            if rate == "":
                lines.append(
                    f"{label}, March to June 2020: ONS published no age-standardised rate for "
                    f"{name} (the age-standardised section says why)."
                )
                continue
            versus = compare_with_benchmark(
                float(table.value(0, f"{prefix}_lower") or 0),
                float(table.value(0, f"{prefix}_upper") or 0),
                np.array([float(table.value(england, f"{prefix}_rate") or 0)]),
            )[0]
            lines.append(
                f"{label}, March to June 2020 (ONS's published age-standardised rates): "
                f"{name} {rate} per 100,000, {text.COMPARISON[str(versus)]} England "
                f"({table.text(england, f'{prefix}_rate')})."
            )
        return lines

    def _published_notes(self) -> tuple[str, ...]:
        """Why the authority has no published rate, and which rates ONS marks."""
        found = self.context.store.published_mortality()
        found = found[found["sex"].eq("persons") & found["cause"].isin(list(CAUSES))]
        mine = found[found["level"].eq("la") & found["area_code"].eq(self.la_code)]
        notes = [n for n in dict.fromkeys(mine["note"]) if n]
        shown = set(self._published_rows["area_code"])
        shown_rows = found[found["area_code"].isin(shown) & found["level"].ne("la")]
        shown_rows = pd.concat([shown_rows, mine])
        low = shown_rows[shown_rows["rate_marker"] == "u"]
        if not low.empty:
            notes.append(f"ONS marks these rates as of low reliability (u): {_areas(low)}.")
        absent = shown_rows[shown_rows["rate_marker"].isin([":", "z"])]
        if not absent.empty:
            notes.append(
                f"ONS published no rate (':', not available) for: {_areas(absent)}; the cell "
                "is blank."
            )
        return tuple(notes)


def _label(area: str, level: str, rate: float, part: str) -> str:
    """An area's row label: a district says what it is, a blank rate points to the notes."""
    if level == "district":
        return f"{area} ({part})"
    return f"{area} (no published rate: see below)" if pd.isna(rate) else area


def _areas(rows: pd.DataFrame) -> str:
    """``"Isles of Scilly (COVID-19); ..."``: each row's area and cause, sorted."""
    causes = rows["cause"].map({"all_causes": "all causes", "covid_19": "COVID-19"})
    return "; ".join(sorted({f"{a} ({c})" for a, c in zip(rows["area_name"], causes, strict=True)}))
