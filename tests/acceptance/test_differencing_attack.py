"""Tests of the independent differencing attack (``differencing_attack.py``).

Every test writes a small synthetic release by hand (two regions of two or three LAs, weekly
and monthly time steps, the ``overview`` file conventions), plants one leak, and checks that
the scan finds it, and that a clean release gives no findings.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import pytest


def _load_attack() -> ModuleType:
    """Import ``differencing_attack.py`` from this folder (it is not part of a package)."""
    name = "differencing_attack"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


attack = _load_attack()

START = date(2021, 1, 4)  # a Monday
N_WEEKS = 26
MONTH_WEEKS = (4, 4, 5)  # a quarter is 13 weeks
ENGLAND = "E92000001"
R1, R2 = "E12000001", "E12000002"
A, B, C, D, E = (f"E0690000{i}" for i in range(1, 6))
REGIONS = {R1: [A, B, C], R2: [D, E]}
STEPS = {A: "week", B: "week", C: "month", D: "week", E: "month"}
MEASURES = ("cases", "covid_deaths", "deaths")
CUMULATIVE = ("cases", "covid_deaths")
DISPLAY = {"cases": "Cases", "covid_deaths": "Deaths with COVID-19", "deaths": "All deaths"}
Interval = tuple[date, date]


# --------------------------------------------------------------------------------------------
# A synthetic release, written in the released format
# --------------------------------------------------------------------------------------------


def week(i: int) -> Interval:
    """Return the i-th week (0-based) of the reporting period."""
    first = START + timedelta(weeks=i)
    return first, first + timedelta(days=6)


def _month_bounds() -> list[tuple[int, int]]:
    """Return ``(first week, end week exclusive)`` of every month of the period."""
    bounds: list[tuple[int, int]] = []
    w = 0
    while w < N_WEEKS:
        length = MONTH_WEEKS[len(bounds) % 3]
        bounds.append((w, min(w + length, N_WEEKS)))
        w += length
    return bounds


def weeks_span(first: int, last: int) -> Interval:
    """Return the interval from the start of week ``first`` to the end of week ``last``."""
    return week(first)[0], week(last)[1]


def month(i: int) -> Interval:
    """Return the i-th month (4 or 5 whole weeks)."""
    w0, w1 = _month_bounds()[i]
    return weeks_span(w0, w1 - 1)


def quarter(i: int) -> Interval:
    """Return the i-th quarter (3 months)."""
    months = _month_bounds()[3 * i : 3 * i + 3]
    return weeks_span(months[0][0], months[-1][1] - 1)


def periods(step: str) -> list[Interval]:
    """Return the rows of a series at ``step`` (week, month, quarter or period)."""
    if step == "week":
        return [week(i) for i in range(N_WEEKS)]
    if step == "month":
        return [month(i) for i in range(len(_month_bounds()))]
    if step == "quarter":
        return [quarter(i) for i in range(math.ceil(len(_month_bounds()) / 3))]
    return [weeks_span(0, N_WEEKS - 1)]


def default_weekly(measure: str, la: str, multiple_of: int = 1) -> list[int]:
    """Return safe weekly counts (20 to 44, optionally rounded to a multiple)."""
    m, k = MEASURES.index(measure), int(la[-1])
    values = [20 + (7 * k + 3 * w + 5 * m) % 25 for w in range(N_WEEKS)]
    return [multiple_of * round(v / multiple_of) for v in values]


@dataclass
class Synthetic:
    """A synthetic release: true weekly counts per LA, and what to suppress or override.

    Attributes
    ----------
    root : Path
        Reports folder to write.
    steps : dict
        LA to time step of its overview series.
    weekly : dict
        ``(measure, la)`` to true weekly counts.
    suppress : set
        ``(measure, area, interval)`` written as ``[c]`` in every file.
    overrides : dict
        ``(folder, measure, area, interval)`` to the text written in that folder's files.
    extra : list
        ``(la, template, measure, step)`` of extra series files (another template).
    round_base : int
        Round every published count to this base (0: exact).
    headline : bool
        Write the headline files (they carry la_code and region_code).
    """

    root: Path
    steps: dict[str, str] = field(default_factory=lambda: dict(STEPS))
    weekly: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    suppress: set[tuple[str, str, Interval]] = field(default_factory=set)
    overrides: dict[tuple[str, str, str, Interval], str] = field(default_factory=dict)
    extra: list[tuple[str, str, str, str]] = field(default_factory=list)
    round_base: int = 0
    multiple_of: int = 1

    def __post_init__(self) -> None:
        for measure in MEASURES:
            for las in REGIONS.values():
                for la in las:
                    self.weekly.setdefault(
                        (measure, la), default_weekly(measure, la, self.multiple_of)
                    )

    def set_week(self, measure: str, la: str, i: int, value: int) -> None:
        """Set one true weekly count."""
        self.weekly[(measure, la)][i] = value

    def hide(self, measure: str, area: str, interval: Interval) -> None:
        """Suppress one cell in every file."""
        self.suppress.add((measure, area, interval))

    @staticmethod
    def region_of(la: str) -> str:
        """Return the region of an LA."""
        return next(r for r, las in REGIONS.items() if la in las)

    def true_value(self, measure: str, area: str, interval: Interval) -> int:
        """Return the true count of an area over an interval."""
        w0 = (interval[0] - START).days // 7
        w1 = (interval[1] - START).days // 7 + 1
        if area == ENGLAND:
            las = [la for group in REGIONS.values() for la in group]
        else:
            las = REGIONS.get(area, [area])
        return sum(sum(self.weekly[(measure, la)][w0:w1]) for la in las)

    def text(self, folder: str, measure: str, area: str, interval: Interval) -> str:
        """Return the released text of one count cell in ``folder``'s files."""
        override = self.overrides.get((folder, measure, area, interval))
        if override is not None:
            return override
        if (measure, area, interval) in self.suppress:
            return "[c]"
        value = self.true_value(measure, area, interval)
        if self.round_base:
            value = self.round_base * math.floor(value / self.round_base + 0.5)
        return str(value)

    def write(self) -> Path:
        """Write the release (and a ``checker`` folder the scan must ignore)."""
        for la in [x for group in REGIONS.values() for x in group]:
            tables = self.root / la / "tables"
            tables.mkdir(parents=True, exist_ok=True)
            for measure in MEASURES:
                self._series(tables / f"{la}_overview_{measure}_over_time.csv", la, measure, None)
            for measure in CUMULATIVE:
                self._cumulative(tables / f"{la}_overview_{measure}_cumulative.csv", la, measure)
            self._headline(tables / f"{la}_overview_headline.csv", la)
            self._population(tables / f"{la}_overview_population.csv")
        for la, stem, measure, step in self.extra:
            path = self.root / la / "tables" / f"{la}_{stem}_{measure}_over_time.csv"
            self._series(path, la, measure, step)
        checker = self.root / "checker" / "tables"
        checker.mkdir(parents=True, exist_ok=True)
        _write_csv(
            checker / "bogus.csv",
            ["period_start", "period_end", "la_cases_count"],
            [[week(0)[0].isoformat(), week(0)[1].isoformat(), "4"]],
        )
        return self.root

    def _areas(self, la: str) -> list[str]:
        """Return the LA, its region and England."""
        return [la, self.region_of(la), ENGLAND]

    def _series(self, path: Path, la: str, measure: str, step: str | None) -> None:
        """Write a series file at the LA's step (or ``step``)."""
        step = step or self.steps[la]
        header = ["period_start", "period_end", "weeks", "time_step"]
        header += [f"{lvl}_{measure}_count" for lvl in ("la", "region", "england")]
        header += [f"{lvl}_weekly_rate" for lvl in ("la", "region", "england")]
        rows = []
        for interval in periods(step):
            counts = [self.text(la, measure, x, interval) for x in self._areas(la)]
            rows.append([*_dates(interval), step, *counts, *(_rate(c) for c in counts)])
        _write_csv(path, header, rows)

    def _cumulative(self, path: Path, la: str, measure: str) -> None:
        """Write a running-total file at the LA's step."""
        step = self.steps[la]
        header = ["period_start", "period_end", "weeks", "time_step"]
        header += [f"{lvl}_cumulative_{measure}_count" for lvl in ("la", "region", "england")]
        header += [f"{lvl}_cumulative_rate" for lvl in ("la", "region", "england")]
        rows = []
        for _, end in periods(step):
            interval = (START, end)
            counts = [self.text(la, measure, x, interval) for x in self._areas(la)]
            rows.append([*_dates(interval), step, *counts, *(_rate(c) for c in counts)])
        _write_csv(path, header, rows)

    def _headline(self, path: Path, la: str) -> None:
        """Write the headline file: one row per measure over the whole period."""
        interval = periods("period")[0]
        header = ["measure_id", "measure", "la_code", "region_code", "period_start"]
        header += ["period_end", "la_count", "region_count", "england_count", "la_rate"]
        header += ["la_lower", "la_upper", "region_rate", "england_rate"]
        rows = []
        for measure in MEASURES:
            counts = [self.text(la, measure, x, interval) for x in self._areas(la)]
            rate = _rate(counts[0])
            rows.append(
                [
                    measure,
                    DISPLAY[measure],
                    la,
                    self.region_of(la),
                    *_dates(interval)[:2],
                    *counts,
                    rate,
                    rate,
                    rate,
                    _rate(counts[1]),
                    _rate(counts[2]),
                ]
            )
        _write_csv(path, header, rows)

    @staticmethod
    def _population(path: Path) -> None:
        """Write a table without count columns (the scan must ignore it)."""
        rows = [["0-19", "22.1", "23.0", "23.5"], ["20-64", "58.0", "57.2", "57.0"]]
        _write_csv(path, ["age_band", "la_percent", "region_percent", "england_percent"], rows)


def _dates(interval: Interval) -> list[str]:
    """Return period_start, period_end and weeks of an interval."""
    weeks = ((interval[1] - interval[0]).days + 1) // 7
    return [interval[0].isoformat(), interval[1].isoformat(), str(weeks)]


def _rate(count: str) -> str:
    """Return a rate cell next to a count cell (suppressed with it, unreliable when small)."""
    if not count.isdigit():
        return count
    return "[u]" if int(count) < 20 else f"{int(count) / 1000:.2f}"


def _write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    """Write one CSV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture
def release(tmp_path: Path) -> Synthetic:
    """A clean synthetic release in a temporary folder (not yet written)."""
    return Synthetic(tmp_path / "reports")


def run(rel: Synthetic, **kwargs: object) -> attack.ScanReport:
    """Write the release and scan it with threshold 10."""
    return attack.scan(rel.write(), 10, **kwargs)


def matching(
    report: attack.ScanReport,
    kind: str,
    area: str,
    interval: Interval,
    measure: str | None = None,
) -> list[attack.Finding]:
    """Return the findings of a kind about ``area`` over exactly ``interval``."""
    return [
        f
        for f in report.findings
        if f.kind == kind
        and f.areas[0] == area
        and (f.period_start, f.period_end) == (interval[0].isoformat(), interval[1].isoformat())
        and (measure is None or f.measure == measure)
    ]


def describe(report: attack.ScanReport) -> str:
    """Return all findings as text (for assertion messages)."""
    return "\n".join(f.describe() for f in report.findings) or "no findings"


# --------------------------------------------------------------------------------------------
# Clean releases
# --------------------------------------------------------------------------------------------


def test_clean_release_has_no_findings(release: Synthetic) -> None:
    """No [c], all counts safe: nothing to find, but many relations are checked."""
    report = run(release, linear_audit=True)
    assert report.findings == [], describe(report)
    assert report.relations_checked > 100
    assert report.files_read == 5 * (3 + 2 + 1)  # population and checker files ignored
    assert not report.notes


def test_clean_release_with_protected_suppression(release: Synthetic) -> None:
    """A 2 x 2 pattern of [c] weeks (two LAs, two weeks) with safe margins is not disclosive."""
    for la, values in ((A, (3, 8)), (B, (7, 4))):
        for i, value in zip((5, 6), values, strict=True):
            release.set_week("cases", la, i, value)
            release.hide("cases", la, week(i))
        release.hide("cases", la, (START, week(5)[1]))  # running total that would give week 5
    report = run(release, linear_audit=True)
    assert report.findings == [], describe(report)
    assert run(release, zeros_disclosive=True).findings == []


# --------------------------------------------------------------------------------------------
# Planted leaks
# --------------------------------------------------------------------------------------------


def test_running_totals_around_two_suppressed_weeks(release: Synthetic) -> None:
    """Running totals 148, [c], 149 around two [c] weeks reveal that the two weeks sum to 1."""
    for i in range(4):
        release.set_week("cases", A, i, 37)
    release.set_week("cases", A, 4, 1)
    release.set_week("cases", A, 5, 0)
    release.hide("cases", A, week(4))
    release.hide("cases", A, week(5))
    release.hide("cases", A, (START, week(4)[1]))
    assert release.true_value("cases", A, (START, week(3)[1])) == 148
    report = run(release)
    found = matching(report, "unsafe_sum", A, weeks_span(4, 5), "cases")
    assert len(found) == 1, describe(report)
    assert found[0].derived == 1
    assert f"{A}/tables/{A}_overview_cases_cumulative.csv" in found[0].files
    assert len(report.findings) == 1, describe(report)


def test_single_suppressed_week_next_to_its_headline(release: Synthetic) -> None:
    """The only [c] week of an LA is its headline total minus the other weeks."""
    release.set_week("deaths", A, 10, 3)
    release.hide("deaths", A, week(10))
    report = run(release)
    found = matching(report, "pinned", A, week(10), "deaths")
    assert len(found) == 1, describe(report)
    assert found[0].derived == 3
    assert f"{A}/tables/{A}_overview_headline.csv" in found[0].files
    assert f"{A}/tables/{A}_overview_deaths_over_time.csv" in found[0].files


def test_region_minus_other_las_reveals_unpublished_week(release: Synthetic) -> None:
    """A monthly LA's weekly value is the region's week minus the weekly LAs' weeks."""
    release.set_week("deaths", C, 9, 3)
    report = run(release)
    found = matching(report, "unsafe_sum", C, week(9), "deaths")
    assert [f.derived for f in found] == [3], describe(report)
    assert found[0].relation.startswith(f"region {R1} = sum of its LAs")


def test_region_minus_other_las_reveals_suppressed_week(release: Synthetic) -> None:
    """A weekly LA's [c] week is the region's week minus the other (weekly) LAs' weeks."""
    release.steps[C] = "week"
    release.set_week("deaths", A, 9, 3)
    release.set_week("deaths", A, 15, 20)
    release.hide("deaths", A, week(9))
    release.hide("deaths", A, week(15))  # the headline alone reveals only 3 + 20
    report = run(release)
    found = matching(report, "pinned", A, week(9), "deaths")
    assert [f.derived for f in found] == [3], describe(report)
    assert found[0].round == 1
    assert found[0].relation.startswith(f"region {R1} = sum of its LAs")


def test_england_minus_regions(release: Synthetic) -> None:
    """England's week minus region 1's week is region 2's (unpublished) week."""
    release.steps[D] = "month"  # region 2 has no weekly LA, so never publishes weeks
    release.set_week("cases", D, 12, 1)
    release.set_week("cases", E, 12, 2)
    report = run(release)
    found = [
        f
        for f in matching(report, "unsafe_sum", R2, week(12), "cases")
        if f.relation.startswith("England = sum of the regions")
    ]
    assert [f.derived for f in found] == [3], describe(report)


def test_quarter_equals_its_months(release: Synthetic) -> None:
    """A quarter published by another template minus two months reveals the [c] month."""
    release.extra.append((C, "quarterly", "deaths", "quarter"))
    release.hide("deaths", C, month(0))
    release.hide("deaths", C, month(3))  # the headline alone reveals only their sum
    report = run(release)
    found = matching(report, "pinned", C, month(0), "deaths")
    assert len(found) == 1, describe(report)
    assert found[0].derived == release.true_value("deaths", C, month(0))
    assert f"{C}/tables/{C}_quarterly_deaths_over_time.csv" in found[0].files


def test_suppressed_cell_recovered_only_after_propagation(release: Synthetic) -> None:
    """A [c] week that no relation pins directly, but does once another [c] is pinned."""
    release.steps[C] = "week"
    release.set_week("deaths", A, 3, 12)
    release.set_week("deaths", A, 7, 3)
    release.hide("deaths", A, week(3))
    release.hide("deaths", A, week(7))  # A's headline: 12 + 3, two unknowns
    release.hide("deaths", R1, week(7))  # region 1 at week 7: unknown total
    release.hide("deaths", R1, week(11))  # region 1 headline: two unknowns
    report = run(release)
    found = matching(report, "pinned", A, week(7), "deaths")
    assert [f.derived for f in found] == [3], describe(report)
    assert found[0].round >= 2
    first = matching(report, "pinned", A, week(3), "deaths")
    assert [(f.derived, f.round) for f in first] == [(12, 1)]


def test_inconsistent_duplicates(release: Synthetic) -> None:
    """The same region week published with two values in two LAs' files."""
    interval = week(2)
    true = release.true_value("cases", R1, interval)
    release.overrides[(B, "cases", R1, interval)] = str(true + 1)
    report = run(release)
    found = matching(report, "inconsistent_duplicate", R1, interval, "cases")
    assert len(found) == 1, describe(report)
    assert f"{A}/tables/{A}_overview_cases_over_time.csv" in found[0].files
    assert f"{B}/tables/{B}_overview_cases_over_time.csv" in found[0].files


def test_released_small_count(release: Synthetic) -> None:
    """A published count of 4 is itself unsafe."""
    release.set_week("cases", A, 6, 4)
    report = run(release)
    found = matching(report, "unsafe_published", A, week(6), "cases")
    assert [f.derived for f in found] == [4], describe(report)


def test_revealed_zero_only_when_zeros_are_disclosive(release: Synthetic) -> None:
    """Region minus weekly LAs reveals a monthly LA's weekly zero."""
    release.set_week("deaths", C, 9, 0)
    assert run(release).findings == []
    report = run(release, zeros_disclosive=True)
    found = matching(report, "unsafe_sum", C, week(9), "deaths")
    assert [f.derived for f in found] == [0], describe(report)


@pytest.mark.parametrize(("true", "flagged"), [(7, False), (1, True)])
def test_rounding_tolerance(tmp_path: Path, true: int, flagged: bool) -> None:
    """Under rounding to 5, region minus two LAs is known within 3 x 2 (whole counts).

    A true 7 makes the region 85 (rounded): 85 - 80 = 5, up to 11, not flagged. A true 1
    makes it 80: 0, up to 6, flagged.
    """
    rel = Synthetic(tmp_path / "reports", round_base=5, multiple_of=5)
    rel.set_week("deaths", C, 9, true)
    report = run(rel, round_base=5)
    found = matching(report, "unsafe_sum", C, week(9), "deaths")
    if flagged:
        assert [(f.derived, f.tolerance) for f in found] == [(0, 6)], describe(report)
    else:
        assert report.findings == [], describe(report)


def test_rounding_still_flags_a_single_suppressed_cell(tmp_path: Path) -> None:
    """Under rounding, a lone [c] week next to its headline is pinned within a tolerance."""
    rel = Synthetic(tmp_path / "reports", round_base=5, multiple_of=5)
    rel.set_week("deaths", A, 10, 3)
    rel.hide("deaths", A, week(10))
    report = run(rel, round_base=5)
    found = matching(report, "pinned", A, week(10), "deaths")
    assert len(found) == 1, describe(report)
    assert found[0].tolerance > 0
    assert abs(found[0].derived - 3) <= found[0].tolerance


def test_region_inferred_for_an_la_without_headline(release: Synthetic) -> None:
    """Without la_code/region_code, an LA's region is found from the region cells it shares."""
    release.set_week("deaths", C, 9, 3)
    root = release.write()
    (root / B / "tables" / f"{B}_overview_headline.csv").unlink()
    report = attack.scan(root, 10)
    assert report.notes == [f"{B}: no la_code/region_code columns; region {R1} inferred"]
    found = matching(report, "unsafe_sum", C, week(9), "deaths")
    assert [f.derived for f in found] == [3], describe(report)
    assert len(report.findings) == 1, describe(report)


# --------------------------------------------------------------------------------------------
# Which folders make up the release
# --------------------------------------------------------------------------------------------

# A weekly LA alone in its region, and a monthly LA (a code with a letter in its last eight
# characters, as test batches use) alone in another; England is published weekly.
WEEKLY_LA, MONTHLY_LA = "E06900001", "E0600000Z"
LETTER_REGIONS = {WEEKLY_LA: R1, MONTHLY_LA: "E12000009"}
LETTER_WEEKS = {WEEKLY_LA: [30, 31, 32, 33, 34, 35, 36, 37], MONTHLY_LA: [20, 21, 22, 23] * 2}
LETTER_HIDDEN = (2, 3)  # the weekly LA's (and its region's) [c] weeks


def _write_letter_release(
    root: Path,
    monthly_folder: bool = True,
    authorities: bool = False,
    weeks: dict[str, list[int]] | None = None,
) -> Path:
    """Write the two-region release; optionally without the monthly LA's folder."""
    weeks = weeks or LETTER_WEEKS
    steps = {WEEKLY_LA: [(w, w + 1) for w in range(8)], MONTHLY_LA: [(0, 4), (4, 8)]}
    for la, region in LETTER_REGIONS.items():
        if la == MONTHLY_LA and not monthly_folder:
            continue
        rows = []
        for w0, w1 in [*steps[la], (0, 8)]:
            own = sum(weeks[la][w0:w1])
            england = sum(sum(v[w0:w1]) for v in weeks.values())
            hidden = la == WEEKLY_LA and w1 - w0 == 1 and w0 in LETTER_HIDDEN
            count = "[c]" if hidden else str(own)
            rows.append([*_dates(weeks_span(w0, w1 - 1)), count, count, str(england)])
        header = ["period_start", "period_end", "weeks"]
        header += [f"{lvl}_cases_count" for lvl in ("la", "region", "england")]
        _write_csv(root / la / "tables" / "x-cases_over_time.csv", header, rows[:-1])
        _write_csv(
            root / la / "tables" / "x-cases_period.csv",
            ["la_code", "region_code", *header],
            [[la, region, *rows[-1]]],
        )
    if authorities:
        _write_csv(
            root / "authorities.csv",
            ["la_code", "region_code"],
            [[la, region] for la, region in LETTER_REGIONS.items()],
        )
    return root


@pytest.mark.parametrize(
    ("monthly_folder", "authorities"), [(True, False), (True, True), (False, True)]
)
def test_no_false_pin_from_an_unread_authority(
    tmp_path: Path, monthly_folder: bool, authorities: bool
) -> None:
    """England minus the weekly region is not that region's week while another region exists.

    The monthly LA's folder was once skipped (its code is not a letter and eight digits), so
    England was taken as the weekly region alone and the [c] weeks "pinned" at England's
    weekly values (54 and 56; the truth is 32 and 33). The other region's weeks are never
    published, so nothing is determined (the months reveal only the two [c] weeks' sum, 65).
    Without the folder, ``authorities.csv`` still says the other LA exists.
    """
    root = _write_letter_release(tmp_path / "reports", monthly_folder, authorities)
    report = attack.scan(root, 10, linear_audit=True)
    assert report.findings == [], describe(report)
    assert report.files_read == 2 * (1 + monthly_folder)
    if monthly_folder:
        assert report.notes == []
    else:
        assert report.notes == [
            f"authorities.csv lists 1 LA(s) of E12000009 without released cells ({MONTHLY_LA}):"
            " unknown parts of the region and of England"
        ]


def test_letter_coded_authority_takes_part_in_relations(tmp_path: Path) -> None:
    """A small unpublished week of the letter-coded LA is England's week minus the other LA's."""
    weeks = {WEEKLY_LA: LETTER_WEEKS[WEEKLY_LA], MONTHLY_LA: [4, 21, 22, 23, 20, 21, 22, 23]}
    report = attack.scan(_write_letter_release(tmp_path / "reports", weeks=weeks), 10)
    found = {(f.kind, f.areas[0], f.relation.split(":")[0], f.derived) for f in report.findings}
    assert found == {
        ("unsafe_sum", MONTHLY_LA, "England = sum of all LAs", 4),
        ("unsafe_sum", "E12000009", "England = sum of the regions", 4),
    }, describe(report)
    assert all(f.period_start == week(0)[0].isoformat() for f in report.findings)


# --------------------------------------------------------------------------------------------
# Exact linear audit
# --------------------------------------------------------------------------------------------


def test_linear_audit_combines_relations(release: Synthetic) -> None:
    """Two [c] weeks of a weekly LA that no single relation isolates.

    A's headline holds both (two unknowns); region 1's week 3 and week 7 each hold one of
    them and the monthly LA C's unpublished week (two unknowns each). Only combining these
    with C's monthly totals (whose other weeks are region minus the weekly LAs) determines
    them: the linear audit finds both, and the scan needs a second propagation round.
    """
    release.set_week("deaths", A, 3, 12)
    release.set_week("deaths", A, 7, 3)
    release.hide("deaths", A, week(3))
    release.hide("deaths", A, week(7))
    report = run(release, linear_audit=True)
    for i, value in ((3, 12), (7, 3)):
        linear = matching(report, "linear_determined", A, week(i), "deaths")
        assert [round(f.derived, 6) for f in linear] == [value], describe(report)
        pinned = matching(report, "pinned", A, week(i), "deaths")
        assert [(f.derived, f.round > 1) for f in pinned] == [(value, True)]


def test_linear_audit_agrees_with_the_scan(release: Synthetic) -> None:
    """On a mixed pattern of [c] cells, the scan pins exactly the cells the algebra determines."""
    release.steps[B] = "month"
    release.steps[E] = "quarter"
    for area, interval in [
        (A, week(2)), (A, week(3)), (A, week(20)), (B, month(1)), (B, month(4)),
        (C, month(1)), (D, week(2)), (D, week(11)), (E, quarter(0)), (R1, week(11)),
        (R2, month(1)), (R2, week(20)), (D, (START, week(11)[1])),
    ]:  # fmt: skip
        release.hide("cases", area, interval)
    report = run(release, linear_audit=True)

    def cells(kind: str) -> set[tuple[str, str, str]]:
        return {
            (f.areas[0], f.period_start, f.period_end) for f in report.findings if f.kind == kind
        }

    assert cells("linear_determined"), describe(report)
    assert cells("pinned") == cells("linear_determined"), describe(report)
    assert len(cells("linear_determined")) < len(release.suppress)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def test_command_line(release: Synthetic, capsys: pytest.CaptureFixture[str]) -> None:
    """The script prints the relations checked and findings; exit 1 when there are any."""
    root = release.write()
    assert attack.main([str(root), "--threshold", "10"]) == 0
    clean = capsys.readouterr().out
    assert "findings: 0" in clean
    assert "relations checked: " in clean
    release.set_week("cases", A, 6, 4)
    release.write()
    assert attack.main([str(root), "--threshold", "10"]) == 1
    out = capsys.readouterr().out
    assert "findings: 1" in out
    assert "unsafe_published: 1" in out
