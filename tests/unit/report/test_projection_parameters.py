"""The projections template's own parameters: checked before any kernel starts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ldsa.errors import InvalidParameterError
from ldsa.report.projections import SPEC, check_parameters, describe_change
from ldsa.report.projections._scenarios import check_horizon, check_scenarios
from ldsa.run.templates import Template, default_notebooks_dir
from ldsa.stats.projection import Change, Scenario

FALL = {"name": "Transmission falls by a fifth", "multiply_r": 0.8, "from_day": 7}


def test_scenarios_become_stats_scenarios() -> None:
    """Each dict becomes a Scenario; from_day defaults to the first projected day."""
    out = check_scenarios([FALL, {"name": "R of 1.3", "set_r": 1.3}], 4)
    assert out == (
        Scenario("Transmission falls by a fifth", Change.MULTIPLY, 0.8, 7),
        Scenario("R of 1.3", Change.SET, 1.3, 0),
    )
    assert check_scenarios((), 2) == ()


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        ("R falls", "expected a list"),
        ([FALL] * 6, "at most 5"),
        ([FALL, FALL], "share a name"),
        ([{**FALL, "name": "baseline"}], "share a name"),
        (["x"], "expected a dict"),
        ([{"name": "a", "multiply_r": 0.8, "set_r": 1.0}], "exactly one"),
        ([{"name": "a"}], "exactly one"),
        ([{"name": "", "set_r": 1.0}], "1 to 60"),
        ([{"name": "a", "set_r": 1.0, "when": 3}], "unknown keys: when"),
        ([{"name": "a", "set_r": 0}], "above 0"),
        ([{"name": "a", "set_r": 9}], "at most 5"),
        ([{"name": "a", "set_r": True}], "above 0"),
        ([{"name": "a", "set_r": float("nan")}], "above 0"),
        ([{"name": "a", "set_r": "1.2"}], "above 0"),
        ([{"name": "a", "set_r": 1.2, "from_day": 28}], "from 0 to 27"),
        ([{"name": "a", "set_r": 1.2, "from_day": -1}], "from 0 to 27"),
        ([{"name": "a", "set_r": 1.2, "from_day": 1.5}], "whole number"),
        ([{"name": "a", "set_r": 1.2, "from_day": True}], "whole number"),
    ],
)
def test_bad_scenarios_say_what_and_how_to_fix(scenarios: object, message: str) -> None:
    """Every bad scenario is an InvalidParameterError naming it and how to fix it."""
    with pytest.raises(InvalidParameterError, match=message) as caught:
        check_scenarios(scenarios, 4)
    assert "How to fix" in str(caught.value)


@pytest.mark.parametrize("horizon", [1, 5, "4", True, None])
def test_bad_horizon_is_refused(horizon: object) -> None:
    """Only 2, 3 or 4 weeks."""
    with pytest.raises(InvalidParameterError, match="horizon_weeks"):
        check_horizon(horizon)
    assert check_horizon(3) == 3


def test_check_parameters_reads_the_notebooks_values() -> None:
    """Defaults apply when a parameter is absent; the horizon bounds from_day."""
    check_parameters({})
    check_parameters({"horizon_weeks": 2, "scenarios": [{"name": "a", "set_r": 1, "from_day": 13}]})
    with pytest.raises(InvalidParameterError, match="from 0 to 13"):
        check_parameters(
            {"horizon_weeks": 2, "scenarios": [{"name": "a", "set_r": 1, "from_day": 14}]}
        )


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        (Scenario("a", Change.MULTIPLY, 0.8), "transmission fell by a fifth"),
        (Scenario("a", Change.MULTIPLY, 0.7), "transmission fell by 30%"),
        (Scenario("a", Change.MULTIPLY, 1.25), "transmission rose by 25%"),
        (Scenario("a", Change.MULTIPLY, 1.0), "transmission stayed as it is"),
        (Scenario("a", Change.SET, 1.3), "R were 1.3"),
    ],
)
def test_changes_in_plain_words(scenario: Scenario, words: str) -> None:
    """Each change reads as plain English."""
    assert describe_change(scenario) == words


def _template_with(tmp_path: Path, old: str, new: str) -> Template:
    source = default_notebooks_dir() / "projections.ipynb"
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            text = "".join(cell["source"])
            assert old in text
            cell["source"] = text.replace(old, new)
    path = tmp_path / "projections.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return Template("projections", path)


def test_the_shipped_notebook_passes_its_own_check() -> None:
    """The template's defaults are valid, and its spec carries the check."""
    template = Template("projections", default_notebooks_dir() / "projections.ipynb")
    template.validate()
    assert SPEC.check_parameters is check_parameters
    assert template.parameter_values()["horizon_weeks"] == 4


def test_a_bad_scenario_in_the_notebook_stops_the_batch_before_any_kernel(tmp_path: Path) -> None:
    """Template.validate (which the batch calls before any job) refuses it, exit code 4."""
    template = _template_with(tmp_path, '"set_r": 1.3', '"set_r": -1')
    with pytest.raises(InvalidParameterError, match="set_r must be a number above 0") as caught:
        template.validate()
    assert caught.value.exit_code == 4
    horizon = _template_with(tmp_path, "horizon_weeks = 4", "horizon_weeks = 6")
    with pytest.raises(InvalidParameterError, match="horizon_weeks"):
        horizon.validate()


def test_expressions_in_the_parameters_cell_are_left_out(tmp_path: Path) -> None:
    """A default that is not a literal is not read (the report checks it when it opens)."""
    template = _template_with(tmp_path, "horizon_weeks = 4", "horizon_weeks = 2 * 2")
    assert "horizon_weeks" not in template.parameter_values()
    template.validate()
    shutil.rmtree(tmp_path)
