"""Small landing zones written by hand, as a company would from docs/sources.md: one area's
source system each, with the hand-computed cases of ../shared/cases (sla.md T1-T4, ar_aging.md
A1-A2) and a thin CRM pipeline, so the real pipeline can be run on each and checked."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

SHANGHAI = timezone(timedelta(hours=8))


def epoch_ms(local: str) -> int:
    """Milliseconds since 1970 UTC of an Asia/Shanghai wall-clock time 'YYYY-MM-DD HH:MM:SS'."""
    return int(datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).timestamp() * 1000)


def crm_pages(landing: Path, entity: str, entity_type: str, records: list[dict],
              batch: str = "full_20261101", stamp: str = "2026-01-05 09:00:00") -> None:
    """One JSON page of CRM records as the query API returns them (common fields filled in)."""
    folder = landing / "crm" / entity / batch
    folder.mkdir(parents=True, exist_ok=True)
    full = [
        {"entityType": entity_type, "ownerId": None, "createdAt": epoch_ms(stamp), "updatedAt": epoch_ms(stamp), **r}
        for r in records
    ]
    page = {"totalSize": len(full), "pageNo": 1, "pageSize": 500, "hasMore": False, "records": full}
    (folder / "page_0001.json").write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")


def csv_file(path: Path, header: list[str], rows: list[tuple], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


# ---------------------------------------------------------------- call center only (sla.md T1-T4)

TICKET_HEADER = ["ticket_no", "account_id", "contact_phone", "channel", "priority", "category", "product_code",
                 "subject", "description", "status", "team", "assignee_agent_id", "call_id", "conversation_id",
                 "created_at", "updated_at"]
EVENT_HEADER = ["event_id", "ticket_no", "event_type", "from_status", "to_status", "actor", "event_time"]
SLA_TICKETS = [  # ticket, created (local), status, last update
    ("T1", "2026-10-09 17:30:00", "closed", "2026-10-12 10:00:00"),
    ("T2", "2026-09-30 16:00:00", "closed", "2026-10-09 10:00:00"),
    ("T3", "2026-11-16 20:00:00", "closed", "2026-11-18 10:00:00"),
    ("T4", "2026-11-16 09:00:00", "resolved", "2026-11-18 12:00:00"),
]
SLA_EVENTS = [  # ticket, type, from, to, time (local)
    ("T1", "status_change", "", "new", "2026-10-09 17:30:00"),
    ("T1", "agent_reply", "", "", "2026-10-10 09:30:00"),
    ("T1", "status_change", "new", "resolved", "2026-10-12 10:00:00"),
    ("T2", "status_change", "", "new", "2026-09-30 16:00:00"),
    ("T2", "agent_reply", "", "", "2026-10-08 10:00:00"),
    ("T2", "status_change", "new", "resolved", "2026-10-09 10:00:00"),
    ("T3", "status_change", "", "new", "2026-11-16 20:00:00"),
    ("T3", "agent_reply", "", "", "2026-11-17 13:30:00"),
    ("T3", "status_change", "new", "resolved", "2026-11-18 10:00:00"),
    ("T4", "status_change", "", "new", "2026-11-16 09:00:00"),
    ("T4", "agent_reply", "", "", "2026-11-16 10:00:00"),
    ("T4", "status_change", "new", "in_progress", "2026-11-16 10:00:00"),
    ("T4", "status_change", "in_progress", "waiting_on_customer", "2026-11-16 11:00:00"),
    ("T4", "customer_reply", "", "", "2026-11-17 15:00:00"),
    ("T4", "status_change", "waiting_on_customer", "in_progress", "2026-11-17 15:00:00"),
    ("T4", "status_change", "in_progress", "resolved", "2026-11-18 12:00:00"),
]


def callcenter_zone(landing: Path) -> None:
    csv_file(landing / "callcenter" / "tickets" / "tickets_2026-11.csv", TICKET_HEADER, [
        (t, "", "13800000000", "phone", "P3", "故障报修", "", f"工单 {t}", "", status, "一线热线组", "A1", "", "",
         created, updated)
        for t, created, status, updated in SLA_TICKETS
    ])
    csv_file(landing / "callcenter" / "ticket_events" / "ticket_events_2026-11.csv", EVENT_HEADER, [
        (f"E{n:03d}", *event[:4], "agent A1", event[4]) for n, event in enumerate(SLA_EVENTS, 1)
    ])


# ---------------------------------------------------------------- finance only (ar_aging.md A1, A2)

ACCOUNT_A, ACCOUNT_K = 7001, 7002
A1_INSTALLMENTS = [  # id, due, amount
    (701, "2026-06-15", 100000.00), (702, "2026-07-15", 50000.00), (703, "2026-04-01", 80000.00),
    (704, "2026-03-31", 20000.00), (705, "2025-12-01", 10000.00), (706, "2026-06-30", 5000.00),
]
A1_RECEIPTS = [(801, 701, "2026-06-20", 30000.00), (803, 703, "2026-07-02", 80000.00),
               (806, 706, "2026-06-30", 5000.00)]


def finance_zone(landing: Path) -> None:
    crm_pages(landing, "accounts", "account", [
        {"id": ACCOUNT_A, "accountName": "甲方客户有限公司", "level": "B"},
        {"id": ACCOUNT_K, "accountName": "客户K科技有限公司", "level": "C"},
    ], stamp="2025-11-01 09:00:00")
    crm_pages(landing, "payment_plans", "paymentPlan", [
        {"id": 601, "planNo": "PLAN-A1", "accountId": ACCOUNT_A, "totalAmount": 265000.00, "installmentCount": 6},
        {"id": 602, "planNo": "PLAN-A2", "accountId": ACCOUNT_K, "totalAmount": 80000.00, "installmentCount": 2},
    ], stamp="2025-11-01 09:00:00")
    installments = [
        {"id": i, "paymentPlanId": 601, "accountId": ACCOUNT_A, "batchNo": n, "dueDate": due, "amount": amount}
        for n, (i, due, amount) in enumerate(A1_INSTALLMENTS, 1)
    ] + [
        {"id": 711, "paymentPlanId": 602, "accountId": ACCOUNT_K, "batchNo": 1, "dueDate": "2026-05-01", "amount": 40000.00},
        {"id": 712, "paymentPlanId": 602, "accountId": ACCOUNT_K, "batchNo": 2, "dueDate": "2026-06-01", "amount": 40000.00},
    ]
    crm_pages(landing, "payment_installments", "paymentInstallment", installments, stamp="2025-11-01 09:00:00")
    receipts = [
        {"id": rid, "receiptNo": f"HK{rid}", "accountId": ACCOUNT_A, "installmentId": inst, "receiptDate": day,
         "amount": amount, "receiptType": "receipt", "paymentMethod": "银行转账"}
        for rid, inst, day, amount in A1_RECEIPTS
    ] + [  # A2: a bank receipt naming no installment
        {"id": 811, "receiptNo": "HK811", "accountId": ACCOUNT_K, "receiptDate": "2026-06-10", "amount": 100000.00,
         "receiptType": "receipt", "paymentMethod": "银行转账"},
    ]
    crm_pages(landing, "receipts", "paymentRecord", receipts, stamp="2026-07-02 18:00:00")


# ---------------------------------------------------------------- CRM only, thin (sales)

SALES_DEPT, REP = 9001, 9101
THIN_DEALS = [  # id, name, stage, status, amount, close date
    (501, "初步接洽 deal", "初步接洽", "open", 100000.00, "2026-12-20"),
    (502, "方案报价 deal", "方案报价", "open", 200000.00, "2026-12-15"),
    (503, "商务谈判 deal", "商务谈判", "open", 300000.00, "2026-11-30"),
    (504, "won deal", "赢单", "won", 50000.00, "2026-10-15"),
    (505, "lost deal", "输单", "lost", 80000.00, "2026-10-20"),
]


def crm_zone(landing: Path) -> None:
    crm_pages(landing, "departments", "department", [
        {"id": SALES_DEPT, "departName": "华东销售部", "departCode": "D01", "departType": "sales"},
    ], stamp="2025-01-01 09:00:00")
    crm_pages(landing, "users", "user", [
        {"id": REP, "name": "王销售", "employeeCode": "W001", "dimDepart": SALES_DEPT, "position": "sales_rep",
         "isActive": True},
    ], stamp="2025-01-01 09:00:00")
    crm_pages(landing, "accounts", "account", [
        {"id": 7101, "ownerId": REP, "accountName": "华东样例客户有限公司", "level": "A"},
    ], stamp="2026-09-01 09:00:00")
    crm_pages(landing, "opportunities", "opportunity", [
        {"id": oid, "ownerId": REP, "opportunityName": name, "accountId": 7101, "dimDepart": SALES_DEPT,
         "amount": amount, "stage": stage, "closeDate": close, "status": status}
        for oid, name, stage, status, amount, close in THIN_DEALS
    ], stamp="2026-11-02 10:00:00")


# ---------------------------------------------------------------- partners only

REGISTRATION_HEADER = ["registration_id", "partner_id", "customer_name", "product_line", "estimated_amount",
                       "expected_close_date", "submitted_at", "status", "approved_at", "approved_by",
                       "protection_days", "crm_opportunity_id"]


def partners_zone(landing: Path) -> None:
    csv_file(landing / "partners" / "partners" / "partners_20261101.csv",
             ["partner_id", "partner_code", "partner_name", "tier", "region", "channel_manager_id", "signed_on",
              "status"],
             [(3001, "P1", "一号渠道有限公司", "gold", "华东", "", "2024-01-01", "active"),
              (3002, "P2", "二号渠道有限公司", "silver", "华东", "", "2024-01-01", "active")])
    csv_file(landing / "partners" / "deal_registrations" / "registrations_2026-10.csv", REGISTRATION_HEADER, [
        ("DR1", 3001, "上海云帆信息技术有限公司", "software", "500000.00", "2027-01-31", "2026-10-08 10:00:00",
         "approved", "2026-10-09 10:00:00", "", "90", ""),
        ("DR2", 3002, "上海云帆信息技术有限公司", "software", "450000.00", "2027-02-28", "2026-10-20 10:00:00",
         "pending", "", "", "", ""),
    ])
