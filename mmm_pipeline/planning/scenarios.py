"""Budget scenarios: the three built in, and the ones users write in YAML.

A scenario file holds a list under ``scenarios``; every amount is weekly spend in the
reporting currency::

    scenarios:
      - name: protect_br
        segment: self_serve
        outcome: signup
        budget_change: 0.1          # or total_budget: 250000 (not both); default: same
        channels:
          meta: {min: 20000, max: 90000}   # the channel's total over geos
          tv: {locked: true}               # held at its current spend in every geo
        geo_floors:
          BR: {min_share: 0.1}             # or min_spend: 8000
        allow_extrapolation: false         # true: bounds up to 3x the highest spend seen

The file is checked twice: its shape here (unknown keys, wrong types, contradictions),
its names against the model in force (``validate_names``). Every mistake is reported
with where it is, all at once.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

BUILT_IN = {"same_budget": 0.0, "budget_minus_20": -0.2, "budget_plus_20": 0.2}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message lists every mistake."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelRule(_Strict):
    """Bounds on a channel's weekly total over geos, or a lock at current spend."""

    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    locked: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ChannelRule:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if self.locked and (self.min is not None or self.max is not None):
            raise ValueError("a locked channel keeps its current spend: drop min and max")
        return self


class GeoFloor(_Strict):
    """The least a geo gets: an amount or a share of the total budget."""

    min_spend: float | None = Field(default=None, ge=0)
    min_share: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> GeoFloor:
        if (self.min_spend is None) == (self.min_share is None):
            raise ValueError("give exactly one of min_spend and min_share")
        return self

    def amount(self, total: float) -> float:
        """The floor in weekly spend for a budget of ``total``.

        Returns
        -------
        float
            ``min_spend``, or ``min_share`` of ``total``.
        """
        return self.min_spend if self.min_spend is not None else self.min_share * total


class Scenario(_Strict):
    """One question: how to spend a weekly budget on one series' outcome."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    segment: str
    outcome: str
    total_budget: float | None = Field(default=None, gt=0)
    budget_change: float | None = Field(default=None, gt=-1)
    channels: dict[str, ChannelRule] = {}
    geo_floors: dict[str, GeoFloor] = {}
    allow_extrapolation: bool = False

    @model_validator(mode="after")
    def _one_budget(self) -> Scenario:
        if self.total_budget is not None and self.budget_change is not None:
            raise ValueError("give total_budget or budget_change, not both")
        return self

    def budget(self, current_total: float) -> float:
        """The scenario's weekly budget given the current weekly total.

        Returns
        -------
        float
            ``total_budget`` when given, else ``current_total`` changed by
            ``budget_change`` (unchanged without one).
        """
        if self.total_budget is not None:
            return self.total_budget
        return current_total * (1.0 + (self.budget_change or 0.0))


class ScenarioFile(_Strict):
    """The whole file."""

    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ScenarioFile:
        names = [s.name for s in self.scenarios]
        clashes = sorted({n for n in names if names.count(n) > 1} | (set(names) & set(BUILT_IN)))
        if clashes:
            raise ValueError(f"scenario names must be unique and not built in: {clashes}")
        return self


def built_in(segment: str, outcome: str) -> list[Scenario]:
    """The same budget reallocated, and 20% less and more, for one series.

    Returns
    -------
    list of Scenario
        One per entry of :data:`BUILT_IN`, with no channel rules or geo floors.
    """
    return [
        Scenario(name=name, segment=segment, outcome=outcome, budget_change=change)
        for name, change in BUILT_IN.items()
    ]


def _where(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def load_scenarios(path: Path) -> list[Scenario]:
    """Read and check a scenario file; ScenarioError lists every mistake in it.

    Returns
    -------
    list of Scenario
        The file's scenarios, in order; their names are not yet checked against any
        model (:func:`validate_names`).

    Raises
    ------
    ScenarioError
        If the file cannot be read as YAML, or its content does not have the shape of a
        scenario file (every mistake listed, with where it is).
    """
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: cannot read it as YAML: {error}") from error
    try:
        return ScenarioFile.model_validate(raw).scenarios
    except ValidationError as error:
        lines = [f"  {_where(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ScenarioError(f"{path}: {len(lines)} mistake(s):\n" + "\n".join(lines)) from error


def validate_names(
    scenario: Scenario,
    index: int,
    series: set[tuple[str, str]],
    geos: list[str],
    channels: list[str],
) -> list[str]:
    """Mistakes in the names a scenario uses, against the model in force of its series.

    Returns
    -------
    list of str
        One message per unknown channel or geo, located as ``scenarios.<index>``; only
        the missing model when its series has none in ``series``; empty when all is known.
    """
    where = f"scenarios.{index} ({scenario.name})"
    if (scenario.segment, scenario.outcome) not in series:
        known = ", ".join(f"{s}/{o}" for s, o in sorted(series)) or "none"
        return [
            f"{where}: no accepted model for {scenario.segment}/{scenario.outcome}; "
            f"series with one: {known}"
        ]
    mistakes = [
        f"{where}.channels.{name}: not a channel of this model ({', '.join(channels)})"
        for name in scenario.channels
        if name not in channels
    ]
    mistakes += [
        f"{where}.geo_floors.{name}: not a geo of this model ({', '.join(geos)})"
        for name in scenario.geo_floors
        if name not in geos
    ]
    return mistakes
