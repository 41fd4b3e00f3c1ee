"""`crmlake check`: a landing zone judged against the contract without loading anything.

Each test writes a small landing zone by hand (CSV and JSON pages in the shapes docs/sources.md
describes), runs the check, and compares it with what is known: the entities delivered, the
capabilities they switch off, the rows and files a real load would quarantine or reject.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest_fixtures import account, csv_bytes, json_page

from kernel.capabilities import BY_KEY
from kernel.contracts import entity
from kernel.settings import get_settings
from pipelines.ingest import load_entity
from pipelines.ingest.check import check_landing, format_report

TICKET_HEADER = [f.header for f in entity("callcenter.tickets").fields]
EVENT_HEADER = [f.header for f in entity("callcenter.ticket_events").fields]


def ticket(no: str, created: str = "2026-03-02 09:00:00", **overrides) -> list[str]:
    row = dict.fromkeys(TICKET_HEADER, "")
    row |= {
        "ticket_no": no,
        "channel": "phone",
        "priority": "P2",
        "subject": "设备无法开机",
        "status": "closed",
        "created_at": created,
        "updated_at": "2026-03-03 10:00:00",
    }
    row |= overrides
    return [row[h] for h in TICKET_HEADER]


def event(eid: str, no: str, when: str = "2026-03-02 09:30:00") -> list[str]:
    row = dict.fromkeys(EVENT_HEADER, "")
    row |= {"event_id": eid, "ticket_no": no, "event_type": "agent_reply", "event_time": when}
    return [row[h] for h in EVENT_HEADER]


def put(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def call_center_zone(root: Path) -> Path:
    put(root, "callcenter/tickets/tickets_2026-03.csv",
        csv_bytes(TICKET_HEADER, [ticket("TK1"), ticket("TK2"), ticket("TK3")]))
    put(root, "callcenter/ticket_events/ticket_events_2026-03.csv",
        csv_bytes(EVENT_HEADER, [event("EV1", "TK1"), event("EV2", "TK2")]))
    return root


def by_entity(report) -> dict:
    return {e.entity: e for e in report.entities}


# ---------------------------------------------------------------- delivered entities, capabilities


def test_call_center_only_zone(tmp_path):
    report = check_landing(call_center_zone(tmp_path / "landing"))
    entities = by_entity(report)
    delivered = {name for name, e in entities.items() if e.delivered}
    assert delivered == {"callcenter.tickets", "callcenter.ticket_events"}
    assert entities["callcenter.tickets"].rows_read == 3
    assert entities["callcenter.ticket_events"].rows_loadable == 2
    assert report.exit_code == 0

    assert "service.ticket_sla" not in report.capabilities  # computable
    reasons = report.capabilities["finance.commission"]
    assert "crm.users not delivered" in reasons and "crm.orders not delivered" in reasons
    # an undelivered entity names what it switches off, and why
    assert entities["crm.commission_plans"].disables["finance.commission"] == reasons
    assert "finance.commission" not in entities["callcenter.agents"].disables
    assert "service.ticket_sla" in entities["callcenter.agents"].would_improve
    assert entities["callcenter.tickets"].disables == {}

    out = report.to_dict()
    caps = {c["capability"]: c for c in out["capabilities"]}
    assert caps["service.ticket_sla"]["computable"] is True
    assert caps["finance.commission"]["computable"] is False
    assert len(caps) == len(BY_KEY)
    text = format_report(report)
    assert "callcenter.tickets" in text and "finance.commission" in text


def test_entity_whose_every_file_is_rejected_is_not_delivered(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    put(root, "crm/accounts/full_20260301/page_0001.json", b'{"records": [')  # cut short
    report = check_landing(root)
    accounts = by_entity(report)["crm.accounts"]
    assert not accounts.delivered and accounts.files_rejected == 1
    assert "partner.company_resolution" in accounts.disables
    assert report.exit_code == 1


# ---------------------------------------------------------------- file-level rejections


def test_missing_required_column_rejects_the_file(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    header = [h for h in TICKET_HEADER if h != "subject"]
    rows = [[v for h, v in zip(TICKET_HEADER, ticket("TK9"), strict=True) if h != "subject"]]
    put(root, "callcenter/tickets/tickets_2026-04.csv", csv_bytes(header, rows))
    report = check_landing(root)
    (bad,) = [f for f in report.files if f.source_file.endswith("tickets_2026-04.csv")]
    assert bad.status == "rejected"
    assert "callcenter/tickets/tickets_2026-04.csv" in bad.error and "subject" in bad.error
    assert report.exit_code == 1
    assert "REJECTED" in format_report(report)


def test_undecodable_file_is_rejected(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    put(root, "callcenter/ticket_events/ticket_events_2026-04.csv", b"event_id\n\xff\xfe\xfa\x80\n")
    (bad,) = [f for f in check_landing(root).files if f.source_file.endswith("2026-04.csv")]
    assert bad.status == "rejected" and "cannot decode" in bad.error


# ---------------------------------------------------------------- row-level quarantine


def test_two_bad_dates_are_reported_by_row_and_field(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    rows = [
        ticket("TK10"),
        ticket("TK11", created="2026-02-30 09:00:00"),
        ticket("TK12"),
        ticket("TK13", created="明天"),
    ]
    put(root, "callcenter/tickets/tickets_2026-04.csv", csv_bytes(TICKET_HEADER, rows))
    report = check_landing(root)
    (f,) = [f for f in report.files if f.source_file.endswith("tickets_2026-04.csv")]
    assert (f.status, f.rows_read, f.rows_loadable, f.rows_quarantined) == ("quarantine", 4, 2, 2)
    got = [(p.row, p.field, p.value) for p in f.row_problems]
    assert got == [(2, "created_at", "2026-02-30 09:00:00"), (4, "created_at", "明天")]
    assert "is not a timestamp" in f.row_problems[0].reason
    assert report.exit_code == 0  # quarantined rows are reported, not an error
    text = format_report(report)
    assert "row 2 field created_at" in text and "2 of 4 rows" in text


def test_sample_is_capped_at_five_with_the_total(tmp_path):
    root = tmp_path / "landing"
    rows = [ticket(f"TK{i}", created="bad") for i in range(1, 13)]
    put(root, "callcenter/tickets/tickets_2026-04.csv", csv_bytes(TICKET_HEADER, rows))
    (f,) = check_landing(root).files
    assert f.rows_quarantined == 12 and [p.row for p in f.row_problems] == [1, 2, 3, 4, 5]


def order_line(i: int, tol_type: str, tol_value) -> dict:
    return {
        "id": i, "entityType": "orderProduct", "createdAt": 1760000000000, "updatedAt": 1760000000000,
        "orderId": 1, "productId": 2, "quantity": 1000, "unit": "kg", "unitPrice": 1.5,
        "lineAmount": 1500, "toleranceType": tol_type, "toleranceValue": tol_value,
    }


def test_percent_tolerance_out_of_range_is_quarantined(tmp_path):
    """toleranceValue is in percent points for percent tolerances: 0..100 (150 cannot mean anything)."""
    root = tmp_path / "landing"
    lines = [
        order_line(1, "percent", 0.5),  # +-0.5 %
        order_line(2, "percent", 150),  # quarantined
        order_line(3, "absolute", 150),  # +-150 kg: fine
        order_line(4, "absolute", -5),  # quarantined: never negative
        order_line(5, "none", None),
    ]
    put(root, "crm/order_lines/full_20260301/page_0001.json", json_page(lines))
    (f,) = check_landing(root).files
    assert f.rows_quarantined == 2
    assert [(p.row, p.field, p.value) for p in f.row_problems] == [
        (2, "toleranceValue", "150"), (4, "toleranceValue", "-5")]
    assert "toleranceValue: 150.000 is above 100 for toleranceType percent" in f.row_problems[0].reason
    assert "toleranceValue: -5.000 is below 0" in f.row_problems[1].reason
    assert "percent points" in f.row_problems[0].reason


# ---------------------------------------------------------------- files no contract path matches


def test_stray_file_is_listed_with_a_hint(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    put(root, "crm/acounts/page_0001.json", json_page([account(1)]))
    put(root, "callcenter/tickets/tickets_2026-05.xls", b"not a csv")
    put(root, "_truth/name_variants.json", b"{}")  # the demo's ground truth: not landing data
    put(root, ".DS_Store", b"")
    put(root, "crm/accounts/full_20260301/.page_0001.json.part", b"")  # an upload in progress
    report = check_landing(root)
    stray = {u.path: u.hint for u in report.unmatched}
    assert set(stray) == {"crm/acounts/page_0001.json", "callcenter/tickets/tickets_2026-05.xls"}
    assert "crm.accounts" in stray["crm/acounts/page_0001.json"]
    assert "callcenter.tickets" in stray["callcenter/tickets/tickets_2026-05.xls"]
    assert report.exit_code == 0  # listed, not an error: nothing of the contract was refused
    assert "crm/acounts/page_0001.json" in format_report(report)


# ---------------------------------------------------------------- symbolic links


def test_symlinks_are_never_followed_by_check_or_loader(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    outside = tmp_path / "outside"
    put(outside, "tickets.csv", csv_bytes(TICKET_HEADER, [ticket("TK-LINKED")]))
    put(outside, "events/ticket_events_2026-05.csv", csv_bytes(EVENT_HEADER, [event("EV9", "TK1")]))
    (root / "callcenter/tickets/tickets_2026-05.csv").symlink_to(outside / "tickets.csv")
    (root / "callcenter/ticket_events/linked").symlink_to(outside / "events")
    os.symlink(outside / "tickets.csv", root / "callcenter/elsewhere.csv")

    report = check_landing(root)
    links = {f.source_file: f.status for f in report.files if f.status == "symlink"}
    assert links == {"callcenter/tickets/tickets_2026-05.csv": "symlink"}
    assert report.exit_code == 1
    assert {u.path for u in report.unmatched} == {
        "callcenter/elsewhere.csv", "callcenter/ticket_events/linked"}
    # the loader agrees: the link is skipped, only the real file loads
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "home"),
                             "CRMLAKE_LANDING_DIR": str(root)})
    loaded = load_entity(entity("callcenter.tickets"), settings)
    assert [f.source_file for f in loaded.files] == ["callcenter/tickets/tickets_2026-03.csv"]
    assert loaded.symlinks == ["callcenter/tickets/tickets_2026-05.csv"]
    assert "symbolic link" in loaded.warnings[-1]


# ---------------------------------------------------------------- agreement with a real load


def test_quarantine_counts_agree_with_a_real_load(tmp_path):
    root = tmp_path / "landing"
    put(root, "callcenter/tickets/tickets_2026-03.csv", csv_bytes(TICKET_HEADER, [
        ticket("TK1"), ticket("TK2", created="2026-13-01 00:00:00"), ticket("TK3", priority=""),
    ]))
    put(root, "callcenter/tickets/tickets_2026-04.csv", csv_bytes(TICKET_HEADER, [ticket("TK4")]))
    cut = csv_bytes(TICKET_HEADER, [ticket("TK5"), ticket("TK6")])
    put(root, "callcenter/tickets/tickets_2026-05.csv", cut[: cut.rindex(b",P2,")])  # cut short
    header = [h for h in TICKET_HEADER if h != "status"]
    put(root, "callcenter/tickets/tickets_2026-06.csv", csv_bytes(header, [["x"] * len(header)]))
    put(root, "crm/order_lines/full_20260301/page_0001.json", json_page(
        [order_line(1, "percent", 5), order_line(2, "percent", 101), order_line(3, "x", "abc")]))

    report = check_landing(root)
    checked = {f.source_file: (f.status == "rejected", f.rows_read, f.rows_loadable,
                               f.rows_quarantined) for f in report.files}
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "home"),
                             "CRMLAKE_LANDING_DIR": str(root)})
    loaded = {}
    for name in ("callcenter.tickets", "crm.order_lines"):
        for f in load_entity(entity(name), settings).files:
            loaded[f.source_file] = (f.status == "rejected", f.rows_read, f.rows_loaded,
                                     f.rows_quarantined)
    assert checked == loaded
    assert sum(v[3] for v in checked.values()) >= 5  # the zone really has bad rows
    assert checked["callcenter/tickets/tickets_2026-06.csv"][0]  # and a rejected file


def test_check_writes_nothing(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    before = sorted(p for p in tmp_path.rglob("*"))
    check_landing(root)
    assert sorted(p for p in tmp_path.rglob("*")) == before


# ---------------------------------------------------------------- the command


def crmlake(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "crmlake"
    return subprocess.run([str(script), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_cli_json_and_exit_codes(tmp_path):
    root = call_center_zone(tmp_path / "landing")
    done = crmlake("check", str(root), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["exit_code"] == 0 and out["summary"]["files"] == 2
    entities = {e["entity"]: e for e in out["entities"]}
    assert entities["callcenter.tickets"]["delivered"] is True
    assert "finance.commission" in entities["crm.users"]["disables"]

    put(root, "callcenter/ticket_events/ticket_events_2026-04.csv", csv_bytes(["event_id"], [["E"]]))
    done = crmlake("check", "--json", env={"CRMLAKE_LANDING_DIR": str(root)})  # default dir
    assert done.returncode == 1
    (bad,) = [f for e in json.loads(done.stdout)["entities"] for f in e["file_checks"]
              if f["status"] == "rejected"]
    assert "ticket_no" in bad["error"]

    missing = crmlake("check", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr



def test_an_endless_value_is_shown_abbreviated(tmp_path):
    """Issue 14: a 349,529-character account name filled the terminal of `crmlake check`."""
    root = tmp_path / "landing"
    put(root, "crm/accounts/full_20261101/page_0001.json",
        json_page([account(7091, accountName="长" * 349_529)]))
    (f,) = check_landing(root).files
    (problem,) = f.row_problems
    assert problem.value == "长" * 80 + "… (349,529 characters)"
    text = format_report(check_landing(root))
    assert "长" * 81 not in text and "(349,529 characters)" in text
