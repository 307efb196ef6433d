"""One typed place for the pipeline's configuration.

Everything that varies between a laptop, CI and production comes from the environment
(``MMM_*`` variables) with defaults that work inside a clone of the repository. The dbt
subprocess reads the same variables through ``env_var`` in ``profiles.yml``, which is why
:func:`export_to_environment` writes the resolved values back: dbt, the Dagster
webserver's code server and the in-process run then agree on one warehouse.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from mmm_pipeline.warehouse_lock import is_local_file

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

Profile = Literal["fast", "full"]
DEFAULT_OWNERS = "team:marketing-analytics"
# dbt pastes the currency and timezone into SQL as text ('{{ var(...) }}'): only values
# of these shapes may reach it.
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
TIMEZONE_PATTERN = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")


class Settings(BaseModel):
    """Resolved configuration of one pipeline process."""

    landing_dir: Path = Field(description="Landing zone: one folder per source.")
    warehouse: Path = Field(
        description="DuckDB file (or MotherDuck md:<database>) with raw, staging, marts, mmm."
    )
    dagster_home: Path = Field(description="Dagster instance storage (run history, logs).")
    profile: Profile = Field(description="Model fitting profile: fast for tests, full for use.")
    reporting_currency: str = Field(description="Currency every money figure is reported in.")
    reporting_timezone: str = Field(description="Timezone that decides a conversion's week.")
    duckdb_memory_limit: str = Field(
        description="DuckDB memory_limit for loading and dbt; larger work spills to disk."
    )
    interval_level: float = Field(
        gt=0.0, lt=1.0, description="Probability mass of every published interval (_low/_high)."
    )
    schedule_timezone: str = Field(description="Timezone the refresh and refit schedules run in.")
    landing_quiet_seconds: float = Field(
        ge=0, description="Quiet time after the last delivery before the sensor starts a run."
    )
    scenarios_file: Path | None = Field(
        default=None, description="YAML of budget scenarios to run after every fit."
    )
    attribution_lookback_days: int = Field(
        gt=0, description="Days before a conversion whose touchpoints count in its path."
    )
    fit_parallelism: int = Field(
        ge=1, description="Series fitted at once by `mmm run`, each in its own process."
    )
    asset_owners: tuple[str, ...] = Field(
        description="Owners of every asset in the Dagster UI: e-mail addresses or team:<name>."
    )
    refit: bool = Field(
        default=False,
        description="Fit every series even where nothing it reads changed (`mmm run --refit`).",
    )

    @field_validator("reporting_currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        """Three capital letters (ISO 4217), the form seeds/currency_rates.csv uses.

        Returns
        -------
        str
            ``value``, unchanged.

        Raises
        ------
        ValueError
            If ``value`` is not three capital letters; pydantic reports it as a validation
            error that names ``MMM_REPORTING_CURRENCY``.
        """
        if not CURRENCY_PATTERN.fullmatch(value):
            raise ValueError(
                f"MMM_REPORTING_CURRENCY is {value!r}; it must be an ISO 4217 code of three "
                "letters such as USD or EUR"
            )
        return value

    @field_validator("reporting_timezone", "schedule_timezone")
    @classmethod
    def _timezone_name(cls, value: str, info: ValidationInfo) -> str:
        """An IANA timezone this machine knows, such as UTC or Europe/Berlin.

        Returns
        -------
        str
            ``value``, unchanged.

        Raises
        ------
        ValueError
            If ``value`` has characters a zone name cannot have, or names no zone (or only
            a folder of zones, such as ``Europe``) in this machine's timezone database; the
            message names the variable, e.g. ``MMM_SCHEDULE_TIMEZONE``.
        """
        variable = f"MMM_{info.field_name.upper()}"
        try:
            known = bool(TIMEZONE_PATTERN.fullmatch(value)) and ZoneInfo(value) is not None
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, e.g. "Europe"
            known = False
        if not known:
            raise ValueError(
                f"{variable} is {value!r}; it must be an IANA timezone name such as UTC or "
                "Europe/Berlin"
            )
        return value

    data_dir: Path = Field(
        description="Artifacts (model files, plots, reports, data docs); beside a local "
        "warehouse unless MMM_DATA_DIR says otherwise."
    )

    @property
    def warehouse_is_local(self) -> bool:
        """False for a MotherDuck warehouse (``md:<database>``), which has no local file."""
        return is_local_file(self.warehouse)

    @property
    def warehouse_exists(self) -> bool:
        """A local warehouse file exists; a MotherDuck one is assumed to."""
        return not self.warehouse_is_local or self.warehouse.exists()


def _has(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def _path_from_env(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    path = Path(raw) if raw else default
    return (path if path.is_absolute() else Path.cwd() / path).resolve()


def _warehouse_from_env() -> Path:
    """``MMM_WAREHOUSE`` resolved like any path, except MotherDuck's ``md:`` names.

    Returns
    -------
    pathlib.Path
        A ``md:``/``motherduck:`` name (or ``:memory:``) as given, else an absolute path;
        ``data/warehouse.duckdb`` in the repository when the variable is unset.
    """
    raw = os.environ.get("MMM_WAREHOUSE", "").strip()
    if raw and not is_local_file(raw):
        return Path(raw)
    return _path_from_env("MMM_WAREHOUSE", REPO_ROOT / "data" / "warehouse.duckdb")


@cache
def get_settings() -> Settings:
    """Read the settings once per process from ``MMM_*`` variables and their defaults.

    Returns
    -------
    Settings
        The same object on every call: variables changed later are not seen until
        ``get_settings.cache_clear()``.
    """
    profile = os.environ.get("MMM_PROFILE", "fast").strip() or "fast"
    warehouse = _warehouse_from_env()
    return Settings(
        landing_dir=_path_from_env("MMM_LANDING_DIR", REPO_ROOT / "data" / "landing"),
        warehouse=warehouse,
        data_dir=_path_from_env(
            "MMM_DATA_DIR", warehouse.parent if is_local_file(warehouse) else REPO_ROOT / "data"
        ),
        dagster_home=_path_from_env("DAGSTER_HOME", REPO_ROOT / ".dagster_home"),
        profile=profile,  # type: ignore[arg-type]  # pydantic validates the literal
        reporting_currency=os.environ.get("MMM_REPORTING_CURRENCY", "USD").strip().upper(),
        reporting_timezone=os.environ.get("MMM_REPORTING_TIMEZONE", "UTC").strip(),
        duckdb_memory_limit=os.environ.get("MMM_DUCKDB_MEMORY_LIMIT", "3GB").strip(),
        interval_level=float(os.environ.get("MMM_INTERVAL_LEVEL", "0.9").strip() or 0.9),
        schedule_timezone=(
            os.environ.get("MMM_SCHEDULE_TIMEZONE", "").strip()
            or os.environ.get("MMM_REPORTING_TIMEZONE", "UTC").strip()
        ),
        landing_quiet_seconds=float(
            os.environ.get("MMM_LANDING_QUIET_SECONDS", "60").strip() or 60
        ),
        scenarios_file=_path_from_env("MMM_SCENARIOS", Path()) if _has("MMM_SCENARIOS") else None,
        attribution_lookback_days=int(
            os.environ.get("MMM_ATTRIBUTION_LOOKBACK_DAYS", "28").strip() or 28
        ),
        fit_parallelism=int(os.environ.get("MMM_FIT_PARALLELISM", "1").strip() or 1),
        asset_owners=tuple(
            owner.strip()
            for owner in os.environ.get("MMM_ASSET_OWNERS", DEFAULT_OWNERS).split(",")
            if owner.strip()
        ),
        refit=os.environ.get("MMM_REFIT", "").strip().lower() in {"1", "true", "yes"},
    )


def export_to_environment(settings: Settings) -> None:
    """Publish resolved settings as environment variables for child processes (dbt)."""
    os.environ["MMM_LANDING_DIR"] = str(settings.landing_dir)
    os.environ["MMM_WAREHOUSE"] = str(settings.warehouse)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    os.environ["MMM_PROFILE"] = settings.profile
    os.environ["MMM_REPORTING_CURRENCY"] = settings.reporting_currency
    os.environ["MMM_REPORTING_TIMEZONE"] = settings.reporting_timezone
    os.environ["MMM_DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    os.environ["MMM_INTERVAL_LEVEL"] = str(settings.interval_level)
    os.environ["MMM_ATTRIBUTION_LOOKBACK_DAYS"] = str(settings.attribution_lookback_days)
    os.environ["MMM_SCHEDULE_TIMEZONE"] = settings.schedule_timezone
    os.environ["MMM_LANDING_QUIET_SECONDS"] = str(settings.landing_quiet_seconds)
    os.environ["MMM_FIT_PARALLELISM"] = str(settings.fit_parallelism)
    os.environ["MMM_ASSET_OWNERS"] = ",".join(settings.asset_owners)
    os.environ["MMM_REFIT"] = "1" if settings.refit else ""
    if settings.scenarios_file is not None:
        os.environ["MMM_SCENARIOS"] = str(settings.scenarios_file)
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    # MMM_DATA_DIR is not written back: left unset, every process derives it from the
    # warehouse again, so a later --warehouse in the same process moves it along.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.warehouse_is_local:
        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
