"""Settings that dbt pastes into SQL as text only take values of a safe shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from mmm_pipeline.settings import Settings, get_settings


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("MMM_REPORTING_CURRENCY", "MMM_REPORTING_TIMEZONE", "MMM_SCHEDULE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_the_defaults_and_real_zones_are_accepted(fresh_settings: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    assert (settings.reporting_currency, settings.reporting_timezone) == ("USD", "UTC")
    fresh_settings.setenv("MMM_REPORTING_CURRENCY", " eur ")
    fresh_settings.setenv("MMM_REPORTING_TIMEZONE", "America/Argentina/Buenos_Aires")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.reporting_currency == "EUR"
    assert settings.schedule_timezone == "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MMM_REPORTING_CURRENCY", "USD' or '1'='1", "must be an ISO 4217 code"),
        ("MMM_REPORTING_CURRENCY", "US", "must be an ISO 4217 code"),
        ("MMM_REPORTING_CURRENCY", "EURO", "must be an ISO 4217 code"),
        ("MMM_REPORTING_TIMEZONE", "UTC', occurred_at) || (select 1", "IANA timezone name"),
        ("MMM_REPORTING_TIMEZONE", "Mars/Olympus_Mons", "IANA timezone name"),
        ("MMM_REPORTING_TIMEZONE", "../../etc/passwd", "IANA timezone name"),
        ("MMM_REPORTING_TIMEZONE", "Europe", "IANA timezone name"),
        ("MMM_SCHEDULE_TIMEZONE", "Nowhere/Town", "MMM_SCHEDULE_TIMEZONE is 'Nowhere/Town'"),
    ],
)
def test_values_that_are_not_a_currency_or_a_timezone_are_refused_with_the_variable(
    fresh_settings: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    fresh_settings.setenv(variable, value)
    with pytest.raises(ValidationError) as error:
        get_settings()
    assert message in str(error.value)
    assert variable in str(error.value)


def test_the_model_itself_refuses_a_bad_currency() -> None:
    fields = get_settings().model_dump() | {"reporting_currency": "usd"}
    with pytest.raises(ValidationError, match="MMM_REPORTING_CURRENCY is 'usd'"):
        Settings(**fields)
