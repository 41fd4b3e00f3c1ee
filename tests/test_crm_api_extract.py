"""CRM extraction from 销售易's OpenAPI (issue 18), against the local simulator on 127.0.0.1.

The simulator replays a demo landing zone (S=0.2) as a CRM's changing state; the real client and
extractor pull it into a fresh landing zone. Proven here: the pull yields the same CRM landing
records as the file drop; re-runs write nothing; an expired token, a 429 burst, 5xx answers, a
kill between pages (before or after the state was saved), a record saved while paging and a
delete lose nothing and double nothing; the field mapping is checked against the description;
no credential reaches a log line or a state file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kernel.config.crm_api import CrmApi
from kernel.contracts import load_contract
from kernel.settings import get_settings
from pipelines.sources.crm_api import extract as extract_module
from pipelines.sources.crm_api.budget import RequestBudget
from pipelines.sources.crm_api.client import client_for
from pipelines.sources.crm_api.extract import extract_crm
from pipelines.sources.crm_api.state import load_deleted, load_state
from tools.crm_simulator import CrmSimulator, CrmStore

CONTRACT = load_contract()
CRM = [name for name, spec in CONTRACT.items() if spec.system == "crm"]
FAST = dict(requests_per_minute=100_000, backoff_initial_seconds=0.01, backoff_max_seconds=0.05,
            reconcile_deletes_every_days=0, timeout_seconds=10)


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory) -> Path:
    from tools.demo import generate

    root = tmp_path_factory.mktemp("crm_api_demo")
    generate(root / "landing", scale=0.2, seed=42, config_dir=root / "config")
    return root / "landing"


def _settings(home: Path):
    return get_settings({"CRMLAKE_HOME": str(home)})


def _pages(landing: Path, entity: str) -> list[Path]:
    return sorted((landing / "crm" / entity.split(".", 1)[1]).glob("*/page_*.json"))


def _records(landing: Path, entity: str) -> list[dict]:
    """Every record of the entity's landing pages, each with every contract field (absent = None)."""
    names = CONTRACT[entity].field_names
    out = []
    for page in _pages(landing, entity):
        doc = json.loads(page.read_text(encoding="utf-8"))
        assert set(doc) == {"totalSize", "pageNo", "pageSize", "hasMore", "records"}, page
        out += [{n: r.get(n) for n in names} for r in doc["records"]]
    return out


def _key(r: dict) -> str:
    return json.dumps(r, sort_keys=True, ensure_ascii=False)


def _file_drop_versions(landing: Path, entity: str) -> set[str]:
    """The versions a CRM held at the file drop's batch cuts: every record, except a batch's re-sent
    older version of an id a previous batch already had newer (the drop's deliberate stale rows)."""
    folder = landing / "crm" / entity.split(".", 1)[1]
    newest: dict[int, int] = {}
    kept: set[str] = set()
    for batch in sorted(folder.iterdir(), key=lambda p: (p.name.split("_")[1], p.name)):
        batch_records = [r for page in sorted(batch.glob("page_*.json"))
                         for r in json.loads(page.read_text(encoding="utf-8"))["records"]]
        for r in batch_records:
            if r["updatedAt"] >= newest.get(r["id"], -1):
                kept.add(_key({n: r.get(n) for n in CONTRACT[entity].field_names}))
        for r in batch_records:
            newest[r["id"]] = max(newest.get(r["id"], -1), r["updatedAt"])
    return kept


def _no_doubles(landing: Path, entity: str) -> None:
    pairs = [(r["id"], r["updatedAt"]) for r in _records(landing, entity)]
    assert len(pairs) == len(set(pairs)), f"{entity}: a version was written twice"


def _latest(records: list[dict]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for r in records:
        if r["id"] not in out or r["updatedAt"] >= out[r["id"]]["updatedAt"]:
            out[r["id"]] = r
    return out


def _pull(sim: CrmSimulator, home: Path, config: CrmApi, **kwargs):
    with client_for(config, sim.env()) as client:
        results = extract_crm(client, _settings(home), config, **kwargs)
        return results, client.stats


# ---------------------------------------------------------------- the same records as the file drop

def test_pulling_batch_by_batch_lands_the_file_drops_records(demo_landing, tmp_path):
    config = CrmApi(page_size=200, **FAST)
    store = CrmStore.from_landing(demo_landing, config, steps=1)
    assert store.steps_total >= 4
    home = tmp_path / "api"
    with CrmSimulator(store) as sim:
        while True:
            results, _ = _pull(sim, home, config)
            assert not [p.error for p in results if p.error]
            if store.step == store.steps_total:
                break
            store.advance()
        again, _ = _pull(sim, home, config)  # nothing changed: nothing written
    assert sum(p.records for p in again) == 0 and sum(p.pages for p in again) == 0
    for entity in CRM:
        landed = _records(home / "landing", entity)
        assert {_key(r) for r in landed} == _file_drop_versions(demo_landing, entity), entity
        _no_doubles(home / "landing", entity)
        # what staging keeps (the newest version of each id) is the same
        drop_latest = _latest([json.loads(k) for k in _file_drop_versions(demo_landing, entity)])
        assert _latest(landed) == drop_latest, entity


def test_the_pulled_pages_load_like_the_file_drop(demo_landing, tmp_path):
    """The raw loader reads the API's pages: rows loaded and quarantined as from the drop's latest state."""
    from pipelines.ingest.loader import load_entity

    config = CrmApi(page_size=300, **FAST)
    store = CrmStore.from_landing(demo_landing, config)
    home = tmp_path / "api"
    with CrmSimulator(store) as sim:
        _pull(sim, home, config, entities=["crm.receipts", "crm.opportunities", "crm.order_lines"])
    settings = _settings(home)
    settings.ensure_dirs()
    for entity in ("crm.receipts", "crm.opportunities", "crm.order_lines"):
        result = load_entity(CONTRACT[entity], settings)
        assert result.rows_read == len(store.contract_records(entity)) == result.rows_loaded + result.rows_quarantined
        assert result.files_rejected == 0


# ---------------------------------------------------------------- faults

@pytest.fixture()
def small_store(demo_landing) -> CrmStore:
    return CrmStore.from_landing(demo_landing, CrmApi(**FAST))


ENTITIES = ["crm.accounts", "crm.activities"]


def _assert_landing_matches_store(home: Path, store: CrmStore) -> None:
    for entity in ENTITIES:
        _no_doubles(home / "landing", entity)
        current = {r["id"]: r for r in store.contract_records(entity)}
        assert _latest(_records(home / "landing", entity)) == current, entity


def test_expired_token_429_burst_and_5xx_lose_nothing(small_store, tmp_path):
    config = CrmApi(page_size=100, **FAST)
    home = tmp_path / "api"
    with CrmSimulator(small_store) as sim:
        def faults(n: int) -> None:
            if n == 3:
                sim.expire_tokens()
            if n == 6:
                sim.faults.rate_limit_next = 4
                sim.faults.retry_after = 0.01
            if n == 12:
                sim.faults.server_error_next = 2
        sim.faults.after_query = faults
        results, stats = _pull(sim, home, config, entities=ENTITIES)
        assert sim.counters.rate_limited == 4 and sim.counters.server_errors == 2
        assert sim.counters.unauthorized >= 1
    assert not [p.error for p in results if p.error]
    assert stats.token_fetches == 2 and stats.retries == 6
    _assert_landing_matches_store(home, small_store)


def test_a_429_burst_longer_than_the_tries_fails_the_entity_and_the_next_run_resumes(small_store, tmp_path):
    config = CrmApi(page_size=100, **{**FAST, "max_attempts": 3})
    home = tmp_path / "api"
    with CrmSimulator(small_store) as sim:
        sim.faults.after_query = lambda n: setattr(sim.faults, "rate_limit_next", 10) if n == 4 else None
        first, _ = _pull(sim, home, config, entities=["crm.activities"])
        assert first[0].error and "429" in first[0].error
        state = load_state(_settings(home), "crm.activities")
        assert state.last_error and state.watermark is not None  # the pages before the burst count
        sim.faults.after_query = None
        sim.faults.rate_limit_next = 0
        second, _ = _pull(sim, home, config, entities=["crm.activities"])
    assert second[0].error is None and load_state(_settings(home), "crm.activities").last_error is None
    _no_doubles(home / "landing", "crm.activities")
    current = {r["id"]: r for r in small_store.contract_records("crm.activities")}
    assert _latest(_records(home / "landing", "crm.activities")) == current


def test_a_tenant_capping_the_page_size_is_paged_to_the_end(small_store, tmp_path):
    config = CrmApi(page_size=100, **{**FAST, "reconcile_deletes_every_days": 1})
    home = tmp_path / "api"
    with CrmSimulator(small_store) as sim:
        sim.faults.max_page_size = 40
        results, _ = _pull(sim, home, config, entities=["crm.accounts"])
    assert results[0].error is None and results[0].pages > 2
    assert results[0].deleted == 0  # the id pass paged to the end too (else: "deleted")
    current = {r["id"]: r for r in small_store.contract_records("crm.accounts")}
    assert _latest(_records(home / "landing", "crm.accounts")) == current


def test_slow_answers_time_out_and_are_tried_again(small_store, tmp_path):
    config = CrmApi(page_size=100, **{**FAST, "timeout_seconds": 0.2})
    home = tmp_path / "api"
    with CrmSimulator(small_store) as sim:
        def slow_down(n: int) -> None:
            if n == 2:
                sim.faults.slow_seconds, sim.faults.slow_next = 1.0, 2
        sim.faults.after_query = slow_down
        results, stats = _pull(sim, home, config, entities=ENTITIES)
    assert not [p.error for p in results if p.error]
    assert stats.timeouts >= 2 and stats.retries == stats.timeouts  # more only if the machine stalls
    _assert_landing_matches_store(home, small_store)


class _Killed(BaseException):
    """Stands for the process being killed: nothing after it runs."""


def test_killed_between_pages_resumes_without_loss_or_doubles(small_store, tmp_path):
    config = CrmApi(page_size=100, **FAST)
    home = tmp_path / "api"

    def kill_after_third_page(p) -> None:
        if p.entity == "crm.activities" and p.pages == 3:
            raise _Killed
    with CrmSimulator(small_store) as sim:
        with pytest.raises(_Killed):
            _pull(sim, home, config, entities=ENTITIES, on_page=kill_after_third_page)
        assert len(_pages(home / "landing", "crm.activities")) == 3
        _pull(sim, home, config, entities=ENTITIES)
    _assert_landing_matches_store(home, small_store)


def test_killed_after_a_page_but_before_its_state_is_adopted_not_refetched(small_store, tmp_path, monkeypatch):
    config = CrmApi(page_size=100, **FAST)
    home = tmp_path / "api"
    real_save = extract_module.save_state
    calls = {"n": 0}

    def save_then_die(settings, entity, state):
        calls["n"] += 1
        if entity == "crm.activities" and calls["n"] == 4:
            raise _Killed  # page 4 is on disk, the state does not know it
        real_save(settings, entity, state)
    with CrmSimulator(small_store) as sim:
        monkeypatch.setattr(extract_module, "save_state", save_then_die)
        with pytest.raises(_Killed):
            _pull(sim, home, config, entities=["crm.activities"])
        monkeypatch.setattr(extract_module, "save_state", real_save)
        assert load_state(_settings(home), "crm.activities").batch_pages == 3
        assert len(_pages(home / "landing", "crm.activities")) == 4
        _pull(sim, home, config, entities=["crm.activities"])
    _no_doubles(home / "landing", "crm.activities")
    current = {r["id"]: r for r in small_store.contract_records("crm.activities")}
    assert _latest(_records(home / "landing", "crm.activities")) == current


def test_a_record_saved_while_paging_is_extracted_in_its_new_version(small_store, tmp_path):
    config = CrmApi(page_size=100, **FAST)
    home = tmp_path / "api"
    oldest = min(small_store.contract_records("crm.activities"), key=lambda r: (r["updatedAt"], r["id"]))
    newest_before = max(r["updatedAt"] for r in small_store.contract_records("crm.activities"))
    with CrmSimulator(small_store) as sim:
        # after activities' third page: its first page's first record is saved again, a record is added
        def edit(n: int) -> None:
            if sim.counters.by_query.count("activityRecord") == 3 and sim.counters.by_query[-1] == "activityRecord":
                small_store.update("crm.activities", oldest["id"], {"content": "改过的内容"})
                small_store.insert("crm.activities", {**oldest, "id": 9_000_000_000_001})
        sim.faults.after_query = edit
        _pull(sim, home, config, entities=ENTITIES)
        sim.faults.after_query = None
    landed = _records(home / "landing", "crm.activities")
    versions = [r for r in landed if r["id"] == oldest["id"]]
    assert len(versions) == 2 and versions[-1]["content"] == "改过的内容"
    assert versions[-1]["updatedAt"] > newest_before
    assert any(r["id"] == 9_000_000_000_001 for r in landed)
    _assert_landing_matches_store(home, small_store)


def test_a_deleted_record_is_found_by_id_reconciliation(small_store, tmp_path):
    config = CrmApi(page_size=100, **{**FAST, "reconcile_deletes_every_days": 1})
    home = tmp_path / "api"
    victim = sorted(small_store.contract_records("crm.accounts"), key=lambda r: r["id"])[7]["id"]
    with CrmSimulator(small_store) as sim:
        first, _ = _pull(sim, home, config, entities=["crm.accounts"])
        assert first[0].deleted == 0  # the first pull is due
        assert small_store.delete("crm.accounts", victim)
        not_due, _ = _pull(sim, home, config, entities=["crm.accounts"])
        assert not_due[0].deleted is None  # reconciled less than a day ago
        second, _ = _pull(sim, home, config, entities=["crm.accounts"], reconcile=True)
    assert second[0].deleted == 1 and second[0].records == 0
    assert load_deleted(_settings(home), "crm.accounts") == [victim]
    assert load_state(_settings(home), "crm.accounts").deleted_ids == 1


def test_a_delete_lands_once_as_a_marker_and_a_restored_record_comes_back(small_store, tmp_path):
    """The delete is passed on as a contract delete marker (staging applies it); found once; a save
    after it (a record restored from the recycle bin) lands as the newer version."""
    config = CrmApi(page_size=100, **{**FAST, "reconcile_deletes_every_days": 1})
    home = tmp_path / "api"
    spec = CONTRACT["crm.accounts"]
    victim = sorted(small_store.contract_records("crm.accounts"), key=lambda r: r["id"])[3]
    with CrmSimulator(small_store) as sim:
        _pull(sim, home, config, entities=["crm.accounts"], reconcile=True)
        watermark = load_state(_settings(home), "crm.accounts").watermark
        assert small_store.delete("crm.accounts", victim["id"])
        found, _ = _pull(sim, home, config, entities=["crm.accounts"], reconcile=True)
        markers = sorted((home / "landing/crm/accounts").glob("deletes_*/page_*.json"))
        again, _ = _pull(sim, home, config, entities=["crm.accounts"], reconcile=True)
        assert found[0].deleted == 1 and again[0].deleted == 0  # not found twice
        assert load_deleted(_settings(home), "crm.accounts") == [victim["id"]]  # still deleted
        assert load_state(_settings(home), "crm.accounts").deleted_ids == 1
        assert sorted((home / "landing/crm/accounts").glob("deletes_*/page_*.json")) == markers
        (marker,) = json.loads(markers[0].read_text(encoding="utf-8"))["records"]
        assert marker["id"] == victim["id"] and marker["_deleted"] is True and set(marker) == {"id", "updatedAt", "_deleted"}
        assert marker["updatedAt"] > victim["updatedAt"]
        assert load_state(_settings(home), "crm.accounts").watermark == watermark  # markers are not tenant records
        restored = small_store.insert("crm.accounts", {k: v for k, v in victim.items() if k != "updatedAt"})
        back, _ = _pull(sim, home, config, entities=["crm.accounts"], reconcile=True)
    assert back[0].records == 1 and back[0].deleted == 0 and restored["updatedAt"] > marker["updatedAt"]
    assert extract_module.landed_newest(_settings(home), spec)[victim["id"]] == (restored["updatedAt"], False)


# ---------------------------------------------------------------- mapping, secrets, budget

def test_custom_fields_are_mapped_and_checked_against_the_description(small_store, tmp_path, demo_landing):
    tenant = CrmApi(**FAST, objects={"crm.accounts": {"api_key": "customer__c",
                                                      "fields": {"unifiedSocialCreditCode": "creditCode__c",
                                                                 "accountName": "name"}}})
    store = CrmStore.from_landing(demo_landing, tenant)
    assert "creditCode__c" in store.description("customer__c")["fields"][-1]["apiKey"]
    with CrmSimulator(store) as sim:
        mapped, _ = _pull(sim, tmp_path / "mapped", tenant, entities=["crm.accounts"])
        assert mapped[0].error is None
        # a configuration that does not know the tenant's names: the object is not found
        unmapped, _ = _pull(sim, tmp_path / "unmapped", CrmApi(**FAST), entities=["crm.accounts", "crm.users"])
        # right object, but a required field under a name the tenant lacks: stops that entity only
        wrong = CrmApi(**FAST, objects={"crm.accounts": {"api_key": "customer__c"}})
        partial, _ = _pull(sim, tmp_path / "wrong", wrong, entities=["crm.accounts", "crm.users"])
    landed = {r["id"]: r for r in _records(tmp_path / "mapped" / "landing", "crm.accounts")}
    assert landed == {r["id"]: r for r in store.contract_records("crm.accounts")}
    assert any(r["unifiedSocialCreditCode"] for r in landed.values())
    unmapped, partial = ({p.entity: p for p in results} for results in (unmapped, partial))
    assert "404" in (unmapped["crm.accounts"].error or "")
    assert unmapped["crm.users"].error is None
    assert "accountName (tenant field accountName)" in (partial["crm.accounts"].error or "")
    assert partial["crm.users"].error is None
    assert partial["crm.users"].records > 0
    assert load_state(_settings(tmp_path / "wrong"), "crm.accounts").last_error == partial["crm.accounts"].error
    assert not _pages(tmp_path / "wrong" / "landing", "crm.accounts")


def test_credentials_reach_no_log_and_no_state(small_store, tmp_path, caplog):
    config = CrmApi(page_size=100, **FAST)
    store = small_store
    with CrmSimulator(store, client_secret="s3cr3t-XYZ", password="pw-and-token-QRS") as sim:
        sim.expire_tokens()
        with caplog.at_level(logging.DEBUG):
            _pull(sim, tmp_path / "api", config, entities=["crm.accounts"])
            bad = {**sim.env(), "CRMLAKE_CRM_PASSWORD": "wrong-pw-UVW"}
            with client_for(config, bad) as client:
                results = extract_crm(client, _settings(tmp_path / "bad"), config, entities=["crm.users"])
    assert results[0].error and "token refused" in results[0].error
    written = caplog.text + "".join(p.read_text() for p in (tmp_path).rglob("*.json"))
    for secret in ("s3cr3t-XYZ", "pw-and-token-QRS", "wrong-pw-UVW"):
        assert secret not in written and secret not in results[0].error


def test_the_request_budget_waits_instead_of_exceeding_its_minute():
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds
    budget = RequestBudget(3, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(7):
        budget.acquire()
        stamps.append(now[0])
        now[0] += 1.0
    assert stamps[:3] == [0.0, 1.0, 2.0] and stamps[3] == 60.0 and stamps[6] == 120.0
    for i in range(len(stamps)):
        assert sum(1 for s in stamps if stamps[i] <= s < stamps[i] + 60) <= 3


def test_the_dagster_job_pulls_into_the_lakehouse_landing_zone(small_store, tmp_path, monkeypatch):
    from pipelines.resources import LakehouseResource
    from pipelines.sources.crm_api.jobs import crm_api_extract_job

    settings = _settings(tmp_path / "dagster")
    config_dir = settings.config_dir
    config_dir.mkdir(parents=True)
    (config_dir / "crm_api.yml").write_text(
        "requests_per_minute: 100000\nreconcile_deletes_every_days: 0\nobjects:\n"
        + "".join(f"  {e}: {{extract: false}}\n" for e in CRM if e != "crm.contacts"), encoding="utf-8")
    with CrmSimulator(small_store) as sim:
        for name, value in sim.env().items():
            monkeypatch.setenv(name, value)
        result = crm_api_extract_job.execute_in_process(
            resources={"lakehouse": LakehouseResource.from_settings(settings)})
    assert result.success and result.output_for_node("extract_crm_api") == len(small_store.contract_records("crm.contacts"))
    assert _latest(_records(settings.landing_dir, "crm.contacts")) == {
        r["id"]: r for r in small_store.contract_records("crm.contacts")}
    assert not (settings.landing_dir / "crm" / "accounts").exists()


def test_changing_crm_api_yml_starts_no_rebuild(tmp_path):
    """Only the extraction reads crm_api.yml; what it pulls reaches a run as landing files."""
    from pipelines.run_inputs import settings_fingerprint

    settings = _settings(tmp_path)
    settings.config_dir.mkdir(parents=True)
    (settings.config_dir / "sales.yml").write_text("lead_pool_days: 30\n", encoding="utf-8")
    before = settings_fingerprint(settings)
    (settings.config_dir / "crm_api.yml").write_text("page_size: 200\n", encoding="utf-8")
    assert settings_fingerprint(settings) == before
    (settings.config_dir / "sales.yml").write_text("lead_pool_days: 31\n", encoding="utf-8")
    assert settings_fingerprint(settings) != before
