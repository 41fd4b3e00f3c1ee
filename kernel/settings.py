"""One settings object for every path the lakehouse uses.

Defaults live under ``./data``; each path can be overridden by an environment variable so a
user can point the pipeline at their own landing directory or put the lakehouse elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

ENV_PREFIX = "CRMLAKE_"


@dataclass(frozen=True)
class Settings:
    """Paths of the lakehouse. Build with :func:`get_settings` (reads the environment)."""

    home: Path
    landing_dir: Path
    lakehouse_dir: Path
    published_dir: Path
    operational_url: str
    dagster_home: Path
    config_dir: Path  # business settings (calendar, SLA, aging, commission...): `crmlake init`

    # -- derived paths: one place, so no module builds them by hand
    @property
    def raw_dir(self) -> Path:
        """Raw layer: open Parquet files, one folder per entity (Spark can read them too)."""
        return self.lakehouse_dir / "raw"

    @property
    def quarantine_dir(self) -> Path:
        """Rows (and whole files) rejected by the raw loaders, with the reason."""
        return self.lakehouse_dir / "quarantine"

    @property
    def ledger_dir(self) -> Path:
        """Which landing files were loaded, when, with which counts."""
        return self.lakehouse_dir / "ledger"

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file dbt builds into; only the pipeline opens it."""
        return self.lakehouse_dir / "warehouse.duckdb"

    @property
    def published_database(self) -> Path:
        """The read-only snapshot apps and analysts open; replaced atomically on publish."""
        return self.published_dir / "crmlake.duckdb"

    def as_env(self) -> dict[str, str]:
        """These settings as environment variables, for subprocesses such as dbt."""
        env = {f"{ENV_PREFIX}{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}
        env[f"{ENV_PREFIX}RAW_DIR"] = str(self.raw_dir)
        env[f"{ENV_PREFIX}WAREHOUSE_PATH"] = str(self.warehouse_path)
        env["DBT_LOG_PATH"] = str(self.lakehouse_dir / "dbt_logs")
        return env

    def dbt_env(self) -> dict[str, str]:
        """:meth:`as_env` for a dbt process started in the lakehouse folder (``CRMLAKE_DBT_WORKDIR``,
        pipelines/dbt/project.py), with the warehouse and raw paths relative to it.

        dbt parses the project again, all of it, when the profile's connection values change (the
        warehouse path) and re-reads every file that used an environment variable whose value
        changed (the raw folder in the sources): with absolute paths the first dbt step of every
        new lakehouse paid a full parse. Relative, they are the same text for every lakehouse and
        for ``crmlake prepare``, whose saved parse each lakehouse starts from.
        """
        env = self.as_env()
        env[f"{ENV_PREFIX}DBT_WORKDIR"] = str(self.lakehouse_dir)
        env[f"{ENV_PREFIX}RAW_DIR"] = self.raw_dir.relative_to(self.lakehouse_dir).as_posix()
        env[f"{ENV_PREFIX}WAREHOUSE_PATH"] = self.warehouse_path.relative_to(self.lakehouse_dir).as_posix()
        return env

    def ensure_dirs(self) -> None:
        for path in (
            self.landing_dir,
            self.raw_dir,
            self.quarantine_dir,
            self.ledger_dir,
            self.published_dir,
            self.dagster_home,
        ):
            path.mkdir(parents=True, exist_ok=True)


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(f"{ENV_PREFIX}{name}")
    return Path(value).expanduser().resolve() if value else default


def get_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from the environment (``CRMLAKE_HOME``, ``CRMLAKE_LANDING_DIR``, ...)."""
    env = dict(os.environ if env is None else env)
    home = _path(env, "HOME", Path.cwd() / "data")
    lakehouse_dir = _path(env, "LAKEHOUSE_DIR", home / "lakehouse")
    return Settings(
        home=home,
        landing_dir=_path(env, "LANDING_DIR", home / "landing"),
        lakehouse_dir=lakehouse_dir,
        published_dir=_path(env, "PUBLISHED_DIR", home / "published"),
        operational_url=env.get(f"{ENV_PREFIX}OPERATIONAL_URL")
        or f"sqlite:///{home / 'operational.sqlite'}",
        dagster_home=_path(env, "DAGSTER_HOME", home / "dagster"),
        config_dir=_path(env, "CONFIG_DIR", home / "config"),
    )


@dataclass(frozen=True)
class SessionSettings:
    """The apps' login sessions: idle timeout, absolute lifetime, and the proxy header that
    carries the client's address (behind a reverse proxy every client has the proxy's address)."""

    timeout_minutes: int = 30
    lifetime_hours: int = 12
    client_ip_header: str | None = None  # e.g. X-Forwarded-For, X-Real-IP


def get_session_settings(env: dict[str, str] | None = None) -> SessionSettings:
    """Session settings from ``CRMLAKE_SESSION_TIMEOUT_MINUTES`` (default 30),
    ``CRMLAKE_SESSION_LIFETIME_HOURS`` (default 12, at most 30 days) and
    ``CRMLAKE_CLIENT_IP_HEADER``; a value out of range is refused with its variable's name."""
    env = os.environ if env is None else env
    defaults = SessionSettings()
    timeout = _whole_number(env, "SESSION_TIMEOUT_MINUTES", "minutes", defaults.timeout_minutes, 1, None)
    lifetime = _whole_number(env, "SESSION_LIFETIME_HOURS", "hours", defaults.lifetime_hours, 1, 24 * 30)
    header = (env.get(f"{ENV_PREFIX}CLIENT_IP_HEADER") or "").strip() or None
    return SessionSettings(timeout_minutes=timeout, lifetime_hours=lifetime, client_ip_header=header)


def _whole_number(env, name: str, unit: str, default: int, low: int, high: int | None) -> int:
    variable = f"{ENV_PREFIX}{name}"
    raw = env.get(variable)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{variable} must be a whole number of {unit}, got {raw!r}") from None
    if high is not None and not low <= value <= high:
        raise ValueError(f"{variable} must be between {low} and {high}, got {value}")
    if value < low:
        raise ValueError(f"{variable} must be at least {low}, got {value}")
    return value


def ingest_threads(env: dict[str, str] | None = None) -> int:
    """How many landing files of one entity are read and typed at once (``CRMLAKE_INGEST_THREADS``;
    default: the machine's cores, at most 4). Reading and typing a file is DuckDB and Polars work
    that runs outside the GIL; the ledger is still written in delivery order by one thread."""
    env = os.environ if env is None else env
    return _whole_number(env, "INGEST_THREADS", "threads", min(4, os.cpu_count() or 1), 1, 64)


def raw_load_workers(env: dict[str, str] | None = None) -> int:
    """How many entities the raw step loads at once (``CRMLAKE_RAW_LOAD_WORKERS``; default: the
    machine's cores, at most 4). Most entities are a few small files whose load is Python-bound; two
    at a time keep both cores busy where one entity at a time left one idle. Each entity still reads
    its own files on ``ingest_threads`` threads."""
    env = os.environ if env is None else env
    return _whole_number(env, "RAW_LOAD_WORKERS", "workers", min(4, os.cpu_count() or 1), 1, 64)


def fit_processes(env: dict[str, str] | None = None) -> int:
    """How many processes fit a model's independent fits at once, the run's own process included
    (``CRMLAKE_FIT_PROCESSES``; default: the machine's cores, at most 2; 1 fits everything in the
    run's process). scikit-learn's fits hold the GIL, so threads did not help (14.1 -> 12.1 s for
    the win probability's five fits at S=10); each further process costs ~2 s CPU of imports."""
    env = os.environ if env is None else env
    return _whole_number(env, "FIT_PROCESSES", "processes", min(2, os.cpu_count() or 1), 1, 64)


def app_query_threads(env: dict[str, str] | None = None) -> int:
    """DuckDB threads for each query of the apps (``CRMLAKE_APP_QUERY_THREADS``; default 1). A
    page's reads are small point and range reads of the snapshot: a second thread saves them
    nothing and costs a hand-off (on 2 shared cores every dashboard page was faster with 1, S=10,
    docs/performance.md), and the server's sessions already run queries side by side."""
    env = os.environ if env is None else env
    return _whole_number(env, "APP_QUERY_THREADS", "threads", 1, 1, 64)


RAW_CHECK_ENGINES = ("duckdb", "gx")


def raw_check_engine(env: dict[str, str] | None = None) -> str:
    """Which engine evaluates the raw suites (``CRMLAKE_RAW_CHECK_ENGINE``): ``duckdb`` (default)
    runs them as SQL over the raw Parquet files, ``gx`` runs Great Expectations' pandas engine on
    the table read into memory. The same suites and verdicts (tests/test_quality_sql_engine.py);
    DuckDB reads nothing into pandas: the 48 suites of an S=10 demo cost 26 s less CPU and a
    third of the memory (docs/performance.md)."""
    env = os.environ if env is None else env
    value = (env.get(f"{ENV_PREFIX}RAW_CHECK_ENGINE") or RAW_CHECK_ENGINES[0]).strip().lower()
    if value not in RAW_CHECK_ENGINES:
        raise ValueError(f"{ENV_PREFIX}RAW_CHECK_ENGINE must be one of {', '.join(RAW_CHECK_ENGINES)}, got {value!r}")
    return value


_SWITCH = {"1": True, "on": True, "true": True, "yes": True, "0": False, "off": False, "false": False, "no": False}


def dbt_server(env: dict[str, str] | None = None) -> bool:
    """Whether a run starts a dbt server (``CRMLAKE_DBT_SERVER``: ``on``, the default, or ``off``):
    one process that imports dbt once and forks a copy for each dbt step, instead of every step
    importing dbt anew (1.5-3 s CPU each, up to three a run; pipelines/dbt/dbt_server.py).
    Off, every dbt step is a process of its own, as before; what dbt does is the same either way."""
    env = os.environ if env is None else env
    raw = (env.get(f"{ENV_PREFIX}DBT_SERVER") or "on").strip().lower()
    if raw not in _SWITCH:
        raise ValueError(f"{ENV_PREFIX}DBT_SERVER must be on or off, got {raw!r}")
    return _SWITCH[raw]
