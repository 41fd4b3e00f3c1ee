"""Business settings outside the code (issue 13, item 2): validation that names file and key,
documented defaults that load back equal, the company calendar from chinese-calendar plus the
company's overrides, the demo's own settings and its guard, the ``settings`` warehouse tables,
and a setting changing a published figure through the real dbt models."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from business_calendar_reference import business_seconds, load_calendar

from kernel.config import (
    FILES,
    BusinessSettings,
    ConfigError,
    calendar_coverage_warning,
    calendar_exceptions,
    china,
    known_through_year,
    load_business_settings,
    write_default_settings,
)
from kernel.config.model import AgingBucket, Calendar, CalendarOverride, Finance

REPO = Path(__file__).resolve().parents[1]
D = dt.date.fromisoformat
T = dt.datetime.fromisoformat


def _folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.yml").write_text(text, encoding="utf-8")
    return tmp_path


def _error(tmp_path: Path, **files: str) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        load_business_settings(_folder(tmp_path, **files))
    return err.value


# ---------------------------------------------------------------- validation names file and key

def test_overlapping_aging_buckets_name_the_file_and_the_key(tmp_path):
    err = _error(tmp_path, finance="""aging_buckets:
  - {name: current, max_days: 0}
  - {name: 1-45, min_days: 1, max_days: 45}
  - {name: 40+, min_days: 40}
""")
    assert err.path.name == "finance.yml" and err.key == "aging_buckets"
    assert "'40+' must start the day after '1-45' ends" in str(err)


def test_unknown_key_lists_the_allowed_keys(tmp_path):
    err = _error(tmp_path, service="sla_policy: []\n")
    assert err.path.name == "service.yml" and err.key == "sla_policy"
    assert "unknown key (allowed: sla_policies, sla_pause_statuses, sla_escalations" in str(err)


def test_weekday_8_is_refused(tmp_path):
    err = _error(tmp_path, calendar="working_hours:\n  8: ['09:00-18:00']\n")
    assert err.path.name == "calendar.yml" and err.key == "working_hours[8]"
    assert "less than or equal to 7" in err.message


def test_bad_date_names_the_nested_key(tmp_path):
    err = _error(tmp_path, finance="commission:\n  lock_through: 2026-13-01\n")
    assert (err.path.name, err.key) == ("finance.yml", "commission.lock_through")
    assert "2026-13-01" in err.message


def test_bad_interval_and_unknown_file(tmp_path):
    err = _error(tmp_path, calendar="makeup_workday_hours: ['18:00-09:00']\n")
    assert err.key == "makeup_workday_hours" and "ends before it starts" in err.message
    (tmp_path / "calendar.yml").unlink()
    err = _error(tmp_path, sla="x: 1\n")
    assert "is not a settings file" in str(err) and "calendar.yml" in str(err)


def test_dates_stay_text_where_text_is_meant(tmp_path):
    settings = load_business_settings(_folder(tmp_path, company="name: 2027-01-01\n"))
    assert settings.company.name == "2027-01-01"


# ---------------------------------------------------------------- documented defaults

def test_default_settings_load_back_equal_and_are_commented(tmp_path):
    written = write_default_settings(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{name}.yml" for name in FILES)
    assert load_business_settings(tmp_path) == BusinessSettings()
    finance = (tmp_path / "finance.yml").read_text(encoding="utf-8")
    # every key is under a comment saying what it does (and what is allowed)
    assert "# An overdue warning goes to the owner when an installment is more than" in finance
    assert "Allowed: a whole number >= 0 and <= 36500." in finance
    assert "position_plans: []" in finance and "lock_through:\n" in finance
    for path in written:
        keys = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith(("#", " ", "-"))]
        lines = path.read_text(encoding="utf-8").splitlines()
        for key in keys:
            assert lines[lines.index(key) - 1].lstrip().startswith("#"), f"{path.name}: {key} has no comment"


def test_defaults_are_neutral():
    bs = BusinessSettings()
    assert not bs.company.demo
    assert bs.commission.lock_through is None and bs.commission.position_plans == []
    assert bs.calendar.overrides == []


def test_defaults_never_overwrite_an_existing_file_unless_forced(tmp_path):
    (tmp_path / "partner.yml").write_text("registration_protection_days: 30\n", encoding="utf-8")
    written = write_default_settings(tmp_path)
    assert tmp_path / "partner.yml" not in written and len(written) == len(FILES) - 1
    assert load_business_settings(tmp_path).partner.registration_protection_days == 30
    assert tmp_path / "partner.yml" in write_default_settings(tmp_path, force=True)
    assert load_business_settings(tmp_path) == BusinessSettings()


def test_config_package_imports_no_dagster():
    code = ("import sys, kernel.config, kernel.config.render; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('dagster', 'dagster_dbt', 'operational')"
            " or (m.startswith('pipelines.') and not m.startswith(('kernel.config', 'kernel.settings')))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_every_key_is_in_docs_settings_md():
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    seen: set[type] = set()

    def keys(model: type) -> list[str]:
        if model in seen:
            return []
        seen.add(model)
        out = []
        for name, field in model.model_fields.items():
            out.append(name)
            for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
                inner = [arg, *getattr(arg, "__args__", ())]
                for candidate in inner:
                    if isinstance(candidate, type) and hasattr(candidate, "model_fields"):
                        out += keys(candidate)
        return out

    for name, model in FILES.items():
        assert f"{name}.yml" in doc
        missing = [k for k in keys(model) if f"`{k}`" not in doc]
        assert not missing, f"{name}.yml keys missing from docs/settings.md: {missing}"


# ---------------------------------------------------------------- the company calendar

def _days(calendar: Calendar) -> dict[dt.date, tuple[str, tuple[str, ...]]]:
    return {e.date: (e.day_type, e.hours) for e in calendar_exceptions(calendar)}


def test_china_holidays_and_makeup_days_hand_checked():
    days = _days(Calendar())
    for d in range(1, 8):  # National Day 2026: Thu 10-01 .. Wed 10-07, weekend days included
        assert days[dt.date(2026, 10, d)] == ("holiday", ())
    # make-up working days (调休) of National Day 2026: Sunday 09-20 and Saturday 10-10
    assert days[D("2026-09-20")] == ("makeup_workday", ("09:00-18:00",))
    assert days[D("2026-10-10")] == ("makeup_workday", ("09:00-18:00",))
    assert D("2026-09-28") not in days  # an ordinary Monday (2025-09-28 was the make-up Sunday)
    assert days[D("2025-09-28")][0] == "makeup_workday"
    assert days[D("2025-01-26")][0] == "makeup_workday"  # Spring Festival 2025, a Sunday
    assert days[D("2004-01-01")][0] == "holiday"  # every year the package knows
    assert china.first_year() == 2004 and china.last_year() >= 2026
    cal = load_calendar(BusinessSettings())
    assert business_seconds(cal, T("2026-09-30 16:00"), T("2026-10-08 10:00")) == 180 * 60
    assert business_seconds(cal, T("2026-10-10 08:00"), T("2026-10-10 20:00")) == 9 * 3600


def test_company_overrides_win_and_makeup_hours_apply():
    cal = Calendar(
        makeup_workday_hours=["09:00-12:00", "13:00-17:00"],
        overrides=[
            CalendarOverride(date=D("2026-10-10"), type="holiday", name="公司调休取消"),
            CalendarOverride(date=D("2026-10-03"), type="workday", name="值班", hours=["10:00-16:00"]),
            CalendarOverride(date=D("2026-10-12"), type="holiday", name="公司年会"),
        ],
    )
    days = _days(cal)
    assert days[D("2026-10-10")] == ("holiday", ())  # the company wins over the public make-up day
    assert days[D("2026-10-03")] == ("makeup_workday", ("10:00-16:00",))
    assert days[D("2026-10-12")] == ("holiday", ())
    assert days[D("2026-09-20")] == ("makeup_workday", ("09:00-12:00", "13:00-17:00"))
    python = load_calendar(BusinessSettings(calendar=cal))
    assert business_seconds(python, T("2026-10-03 00:00"), T("2026-10-04 00:00")) == 6 * 3600
    assert business_seconds(python, T("2026-09-20 00:00"), T("2026-09-21 00:00")) == 7 * 3600
    assert business_seconds(python, T("2026-10-10 00:00"), T("2026-10-13 00:00")) == 0


def test_without_china_holidays_only_the_company_days():
    cal = Calendar(china_public_holidays=False,
                   overrides=[CalendarOverride(date=D("2026-10-01"), type="holiday", name="国庆")])
    assert list(_days(cal)) == [D("2026-10-01")]


def test_known_through_year_and_the_coverage_warning(tmp_path):
    bs = BusinessSettings()
    assert known_through_year(bs) == china.last_year()
    assert calendar_coverage_warning(bs, dt.date(china.last_year(), 12, 31)) is None
    assert calendar_coverage_warning(bs, None) is None
    later = dt.date(china.last_year() + 1, 3, 5)
    warning = calendar_coverage_warning(bs, later)
    assert warning and str(later.year) in warning and "holidays_known_through" in warning
    # a later year counts once the company entered its holidays and said so
    year = china.last_year() + 1
    entered = BusinessSettings(calendar=Calendar(
        holidays_known_through=year,
        overrides=[CalendarOverride(date=dt.date(year, 1, 1), type="holiday", name="元旦")]))
    assert known_through_year(entered) == year and calendar_coverage_warning(entered, later) is None
    # ... but saying so without entering them is an error naming the key
    err = _error(tmp_path, calendar=f"holidays_known_through: {year}\n")
    assert err.key == "holidays_known_through" and f"no holiday in {year}" in err.message
    # a company calendar without public holidays and without holiday overrides never goes stale
    assert calendar_coverage_warning(BusinessSettings(calendar=Calendar(china_public_holidays=False)),
                                     dt.date(2090, 1, 1)) is None


# ---------------------------------------------------------------- the settings tables and asset

def test_settings_tables_are_typed_and_match_the_dbt_sources():
    from pipelines.sources.settings.tables import TABLES, write_settings_tables

    con = duckdb.connect()
    counts = write_settings_tables(con, BusinessSettings())
    assert counts["parameters"] == 1 and counts["position_plans"] == 0 and counts["sla_policies"] == 6
    assert counts["calendar_exceptions"] == len(china.holidays()) + len(china.workdays())
    kinds = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_schema = 'settings' and table_name = 'stage_probabilities'").fetchall())
    assert kinds["stage_probability"] == "DECIMAL(5,4)" and kinds["is_won"] == "BOOLEAN"
    assert con.execute("select finance_overdue_warning_days, partner_registration_protection_days, "
                       "calendar_known_through_year from settings.parameters").fetchone() == (0, 90, china.last_year())
    doc = yaml.safe_load((REPO / "dbt_project/models/settings/_settings__sources.yml").read_text(encoding="utf-8"))
    (source,) = doc["sources"]
    assert source["schema"] == "settings"
    assert {t["name"]: t["meta"]["dagster"]["asset_key"] for t in source["tables"]} == {
        name: ["settings", name] for name in TABLES}


def test_settings_asset_writes_the_folder_and_fails_naming_the_key(tmp_path):
    import dagster as dg

    from pipelines.resources import LakehouseResource
    from pipelines.sources.settings.assets import business_settings

    config = tmp_path / "config"
    config.mkdir()
    (config / "finance.yml").write_text("overdue_warning_days: 7\n", encoding="utf-8")
    lakehouse = LakehouseResource(landing_dir=str(tmp_path / "landing"), lakehouse_dir=str(tmp_path),
                                  published_dir=str(tmp_path / "published"), config_dir=str(config))
    assert dg.materialize([business_settings], resources={"lakehouse": lakehouse}).success
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select finance_overdue_warning_days from settings.parameters").fetchone() == (7,)
    (config / "finance.yml").write_text("overdue_warning_days: -1\n", encoding="utf-8")
    result = dg.materialize([business_settings], resources={"lakehouse": lakehouse}, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "finance.yml: overdue_warning_days" in str(failure.event_specific_data.error)


def test_run_refuses_invalid_settings_before_running(tmp_path, monkeypatch, capsys):
    from tools.cli import main

    # only CRMLAKE_HOME: loading the definitions exports every path of the session's settings
    for name in [n for n in os.environ if n.startswith("CRMLAKE_") or n == "DAGSTER_HOME"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    (tmp_path / "config").mkdir()
    _folder(tmp_path / "config", calendar="working_hours:\n  8: ['09:00-18:00']\n")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "calendar.yml: working_hours[8]" in err and "nothing was run" in err
    assert not (tmp_path / "lakehouse" / "warehouse.duckdb").exists()


# ---------------------------------------------------------------- the demo's own settings

def test_demo_settings_are_the_demo_and_the_rest_defaults(tmp_path):
    from tools.demo.settings import DEMO_SETTINGS, write_demo_settings

    write_demo_settings(tmp_path)
    bs = load_business_settings(tmp_path)
    assert bs == DEMO_SETTINGS and bs.company.demo
    assert bs.commission.lock_through == D("2026-06-30")
    assert [(p.position, p.plan_code, p.plan_version, p.effective_from) for p in bs.commission.position_plans] == [
        ("sales_rep", "FLAT-STD", 1, D("2020-01-01")), ("sales_manager", "MGR-TEAM", 1, D("2020-01-01"))]
    for name in ("calendar", "service", "partner"):
        assert getattr(bs, name) == getattr(BusinessSettings(), name)
    # the demo's deals move about two weeks a stage: it stalls a deal sooner, the rest is the default
    assert bs.sales == BusinessSettings().sales.model_copy(update={"stalled_deal_days": 14})
    assert bs.finance.aging_buckets == BusinessSettings().finance.aging_buckets
    write_demo_settings(tmp_path)  # a demo folder is replaced by the next demo


def test_demo_refuses_a_users_settings_folder(tmp_path):
    from tools.cli import main
    from tools.demo import generate
    from tools.demo.settings import UserSettingsExist

    config, landing = tmp_path / "config", tmp_path / "landing"
    write_default_settings(config)  # what `crmlake init` writes: demo false
    with pytest.raises(UserSettingsExist, match="not the demo's"):
        generate(landing, scale=0.01, config_dir=config)
    assert not landing.exists() or not any(landing.iterdir())  # refused before writing anything
    assert main(["demo", "--landing-dir", str(landing), "--config-dir", str(config)]) == 2
    assert load_business_settings(config) == BusinessSettings()
    (config / "company.yml").unlink()  # other files without company.yml: still the user's
    with pytest.raises(UserSettingsExist):
        generate(landing, scale=0.01, config_dir=config)


# ---------------------------------------------------------------- a setting changes a published figure

@pytest.fixture(scope="module")
def finance_with_other_settings(tmp_path_factory):
    """The finance cases (tests/finance_fixtures.py) built with buckets 0-45 / 46+ and warnings
    only past 30 days."""
    from finance_fixtures import CASE_SETTINGS, create_case_warehouse, run_finance_dbt

    settings = BusinessSettings(finance=Finance(
        aging_buckets=[AgingBucket(name="current", max_days=0),
                       AgingBucket(name="1-45", min_days=1, max_days=45),
                       AgingBucket(name="46+", min_days=46)],
        overdue_warning_days=30,
        commission=CASE_SETTINGS.commission,
    ))
    work = tmp_path_factory.mktemp("finance_settings")
    warehouse = create_case_warehouse(work / "warehouse.duckdb")
    run_finance_dbt(warehouse, settings=settings)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def test_aging_buckets_and_warning_days_change_the_marts(finance_with_other_settings):
    con = finance_with_other_settings
    # A1 (hand-computed in test_finance_cases): as of 2026-07-31, I1 is 46 days past due (was
    # "31-60", now "46+"), I2 16 days ("1-30" -> "1-45"), I4 122 and I5 242 days ("46+")
    got = dict(con.execute("""select installment_id, bucket from finance.ar_aging
                              where as_of_date = '2026-07-31' and account_id = 401""").fetchall())
    assert got == {701: "46+", 702: "1-45", 704: "46+", 705: "46+"}
    # as of 2026-06-30: I1 15 days -> "1-45"; I3 90 and I4 91 days both "46+" (were 61-90 / 91-180)
    got = dict(con.execute("""select installment_id, bucket from finance.ar_aging
                              where as_of_date = '2026-06-30' and account_id = 401""").fetchall())
    assert got == {701: "1-45", 702: "current", 703: "46+", 704: "46+", 705: "46+"}
    # warnings only more than 30 days past due: I2 (16 days) has none any more
    warned = [r[0] for r in con.execute("select installment_id from finance.overdue_warnings "
                                        "where account_id = 401 order by 1").fetchall()]
    assert warned == [701, 704, 705]
    assert con.execute("select open_amount from finance.overdue_warnings where installment_id = 701").fetchone() == (
        Decimal("70000.00"),)


def test_published_settings_in_the_demo_run(pipeline_run):
    """The demo run read the demo's settings folder and published them (schema settings)."""
    with duckdb.connect(str(pipeline_run.settings.published_database), read_only=True) as con:
        assert con.execute("select is_demo, finance_commission_lock_through from settings.parameters").fetchone() == (
            True, D("2026-06-30"))
        assert con.execute("select count(*) from settings.position_plans").fetchone() == (2,)
        assert con.execute("select count(*) from finance.commission_review "
                           "where problem = 'unknown_position_plan'").fetchone() == (0,)
    assert load_business_settings(pipeline_run.settings.config_dir).company.demo
