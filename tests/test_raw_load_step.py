"""The raw step loads several entities at once (pipelines/sources/raw_assets.py): what it writes and
reports is what loading them one at a time writes and reports, a subset run loads only the
selected entities, and one entity's failure still reports the others and fails the step naming it."""

from __future__ import annotations

import shutil

import dagster as dg
import polars as pl
import pytest

from kernel.contracts import entities_of
from kernel.settings import get_settings
from pipelines.ingest import read_ledger
from pipelines.resources import LakehouseResource
from pipelines.sources import raw_assets
from tools.demo import generate

RUN_COLUMNS = ["_load_id", "_loaded_at"]  # differ between any two loads
SPECS = [spec for system in raw_assets.FILE_SYSTEMS for spec in entities_of(system)]
# metadata that depends on the moment or the machine, not on what was loaded
VOLATILE = {"load_id", "elapsed_seconds"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("raw_step") / "landing"
    generate(folder, scale=0.03, seed=7)
    return folder


def _home(tmp_path, name, landing, monkeypatch, workers: int):
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path / name))
    monkeypatch.setenv("CRMLAKE_LANDING_DIR", str(landing))
    monkeypatch.setenv("CRMLAKE_RAW_LOAD_WORKERS", str(workers))
    settings = get_settings()
    settings.ensure_dirs()
    return settings


def _materialize(settings, selection=None):
    step = raw_assets.raw_definitions().assets[0]
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([step], instance=instance, selection=selection, raise_on_error=False,
                            resources={"lakehouse": LakehouseResource.from_settings(settings)})
    return result, instance


def _metadata(result) -> dict:
    return {
        tuple(m.asset_key.path): {k: v.value for k, v in m.metadata.items() if k not in VOLATILE}
        for m in result.asset_materializations_for_node("raw__landing_files")
    }


def _tables(settings) -> dict:
    out = {}
    for spec in SPECS:
        files = sorted((settings.raw_dir / spec.system / spec.name).glob("*.parquet"))
        frames = [pl.read_parquet(f).drop(RUN_COLUMNS, strict=False) for f in files]
        raw = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        ledger = read_ledger(spec, settings).drop("load_id", "loaded_at", strict=False).sort("source_file")
        out[spec.qualified_name] = (raw, ledger)
    return out


def test_loading_entities_at_once_writes_and_reports_what_one_at_a_time_does(tmp_path, landing, monkeypatch):
    one = _home(tmp_path, "one", landing, monkeypatch, workers=1)
    first, _ = _materialize(one)
    several = _home(tmp_path, "several", landing, monkeypatch, workers=3)
    second, instance = _materialize(several)
    assert first.success and second.success
    reported = _metadata(second)
    assert len(reported) == len(SPECS)  # every entity, delivered or not
    assert reported == _metadata(first)
    assert sum(m["files_loaded"] for m in reported.values()) > 20  # the fixture really has files
    one_tables, several_tables = _tables(one), _tables(several)
    for name, (raw, ledger) in one_tables.items():
        other_raw, other_ledger = several_tables[name]
        assert raw.equals(other_raw), name
        assert ledger.equals(other_ledger), name
    # each entity's log lines reach the run's log, replayed from its worker thread
    messages = [e.user_message for e in instance.all_logs(second.run_id)]
    for (_, system, name), meta in reported.items():
        said = f"{system}.{name}: not delivered" if not meta["delivered"] else f"{system}.{name}: {meta['files_seen']} files ("
        assert any(m.startswith(said) for m in messages), said


def test_a_subset_run_loads_only_the_selected_entities(tmp_path, landing, monkeypatch):
    settings = _home(tmp_path, "subset", landing, monkeypatch, workers=2)
    result, _ = _materialize(settings, selection=[dg.AssetKey(["raw", "erp", "invoices"])])
    assert result.success
    assert set(_metadata(result)) == {("raw", "erp", "invoices")}
    assert list((settings.raw_dir / "erp" / "invoices").glob("*.parquet"))
    assert not (settings.raw_dir / "crm" / "accounts").exists() or not list(
        (settings.raw_dir / "crm" / "accounts").glob("[!0]*.parquet"))


def test_one_entity_failing_reports_the_others_and_fails_the_step_naming_it(tmp_path, landing, monkeypatch):
    settings = _home(tmp_path, "failing", landing, monkeypatch, workers=2)
    real = raw_assets.load_entity

    def load(spec, settings, *, log=None):
        if spec.qualified_name == "crm.contacts":
            raise OSError("disk full while writing crm/contacts")
        return real(spec, settings, log=log)

    monkeypatch.setattr(raw_assets, "load_entity", load)
    result, instance = _materialize(settings)
    assert not result.success
    reported = _metadata(result)
    assert ("raw", "crm", "contacts") not in reported
    assert len(reported) == len(SPECS) - 1
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "crm.contacts" in failure.event_specific_data.error.message
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert any("crm.contacts: load failed" in m and "disk full" in m for m in messages)
    shutil.rmtree(tmp_path / "failing", ignore_errors=True)
