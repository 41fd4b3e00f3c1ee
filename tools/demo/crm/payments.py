"""Money owed and received: payment plans, installments and receipts.

Installments follow the contract's payment terms; receipts arrive on the due date plus the
customer's own latent lateness, with partial payments, a few overpayments and refunds.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import DAY, as_date, cat, codes, money, office_time, pick, ranks, with_nulls
from ..world import World
from .org import users_where
from .records import nullable_int, record_fields

# due date of each installment, in days after the order, per payment term (vocab.PAYMENT_TERMS)
TERM_OFFSETS = {0: (3,), 1: (5, 35), 2: (7, 90, 365), 3: (7, 90), 4: (0, 90, 180, 270), 5: (30,)}


def plans_installments_and_receipts(world: World) -> None:
    rng = world.rng("crm.receipts")
    tl = world.tl
    orders = world.tables["crm.orders"]
    contracts = world.tables["crm.contracts"]
    accounts = world.tables["crm.accounts"]
    n_orders = orders.height
    live = (orders["status"] != "cancelled").to_numpy() & (orders["status"] != "draft").to_numpy()
    term = np.full(n_orders, 0)
    c_order = contracts["_order"].to_numpy()
    term[c_order] = contracts["_term"].to_numpy()
    no_contract = np.ones(n_orders, dtype=bool)
    no_contract[c_order] = False
    main_line = world.tables["_orders_main_line"]["line"].to_numpy().astype(str)
    term = np.where(no_contract, np.where(main_line == "material", 5, 1), term)
    base_t = orders["_t"].to_numpy()
    p_rows = np.flatnonzero(live)
    npl = len(p_rows)
    # payment terms as padded tables: fraction and due offset of each batch
    n_terms, width = len(vocab.PAYMENT_TERMS), max(len(f) for _, f in vocab.PAYMENT_TERMS)
    frac_table = np.zeros((n_terms, width))
    offset_table = np.zeros((n_terms, width), dtype=np.int64)
    for k, (_, fr) in enumerate(vocab.PAYMENT_TERMS):
        frac_table[k, : len(fr)] = fr
        offset_table[k, : len(fr)] = TERM_OFFSETS[k]
    counts = np.array([len(f) for _, f in vocab.PAYMENT_TERMS])[term[p_rows]]
    plan_ids = world.ids.take(npl)
    owner = orders["ownerId"].to_numpy()[p_rows]
    total = orders["totalAmount"].to_numpy()[p_rows]
    order_ids = orders["id"].to_numpy()
    contract_id = orders["contractId"].fill_null(0).to_numpy()[p_rows]
    acc_id = orders["accountId"].to_numpy()[p_rows]
    created = np.minimum(base_t[p_rows] + DAY, tl.end)
    world.tables["crm.payment_plans"] = pl.DataFrame(
        {
            **record_fields(plan_ids, "paymentPlan", owner, created, created),
            "planNo": codes("HKJH", np.arange(1, npl + 1), 6),
            "contractId": nullable_int(contract_id, contract_id > 0),
            "orderId": nullable_int(
                order_ids[p_rows], (contract_id == 0) | (rng.random(npl) < 0.7)
            ),
            "accountId": acc_id,
            "totalAmount": total,
            "installmentCount": counts.astype(np.int64),
        }
    )
    i_plan = np.repeat(np.arange(npl), counts)
    i_batch = ranks(counts)
    frac = frac_table[term[p_rows][i_plan], i_batch - 1]
    offs = offset_table[term[p_rows][i_plan], i_batch - 1]
    amount = money(total[i_plan] * frac)
    # the last installment takes the rounding remainder so the plan sums to the contract
    last = np.r_[i_plan[1:] != i_plan[:-1], True]
    sums = np.bincount(i_plan, weights=amount, minlength=npl)
    amount = np.where(last, money(amount + (total - sums)[i_plan]), amount)
    due = (base_t[p_rows][i_plan] // DAY + offs) * DAY
    ni = len(i_plan)
    inst_ids = world.ids.take(ni)
    finance = users_where(world, "finance")["id"].to_numpy()
    i_owner = np.where(
        rng.random(ni) < 0.15, finance[rng.integers(0, len(finance), ni)], owner[i_plan]
    )
    world.tables["crm.payment_installments"] = pl.DataFrame(
        {
            **record_fields(
                inst_ids, "paymentInstallment", i_owner, created[i_plan], created[i_plan]
            ),
            "paymentPlanId": plan_ids[i_plan],
            "contractId": nullable_int(contract_id[i_plan], contract_id[i_plan] > 0),
            "orderId": order_ids[p_rows][i_plan],
            "accountId": acc_id[i_plan],
            "batchNo": i_batch.astype(np.int64),
            "dueDate": as_date(due),
            "amount": amount,
        }
    )

    # receipts: paid on the due date plus the customer's own lateness
    acc_row = orders["_account_row"].to_numpy()[p_rows][i_plan]
    late_mean = accounts["_late_mean"].to_numpy()[acc_row]
    late = rng.gamma(2.0, np.maximum(late_mean, 0.5) / 2.0) - rng.uniform(0, 6, ni)
    pay = office_time(rng, due + (late * DAY).astype(np.int64), 0.0)
    pay = np.maximum(pay, created[i_plan])
    paid = pay <= tl.end
    r_inst = np.flatnonzero(paid)
    r_amount = amount[r_inst].copy()
    r_t = pay[r_inst]
    # partial payments: a first part now, the rest later (if it has arrived yet)
    partial = rng.random(len(r_inst)) < 0.08
    first_share = rng.uniform(0.4, 0.8, len(r_inst))
    rest_t = r_t + rng.integers(10, 45, len(r_inst)) * DAY
    rest_rows = np.flatnonzero(partial & (rest_t <= tl.end))
    r_amount_first = np.where(partial, money(r_amount * first_share), r_amount)
    all_inst = np.concatenate([r_inst, r_inst[rest_rows]])
    all_amount = np.concatenate(
        [r_amount_first, money(r_amount[rest_rows] - r_amount_first[rest_rows])]
    )
    all_t = np.concatenate([r_t, office_time(rng, rest_t[rest_rows], 0.0)])
    nr = len(all_inst)
    over = rng.random(nr) < 0.02
    all_amount = np.where(over, money(all_amount * rng.uniform(1.01, 1.1, nr)), all_amount)
    names_none = rng.random(nr) < 0.1
    r_type = np.full(nr, "receipt")
    # refunds: money sent back later, recorded as negative amounts
    ref = np.flatnonzero((rng.random(nr) < 0.012) & (all_t + 30 * DAY < tl.end))
    all_inst = np.concatenate([all_inst, all_inst[ref]])
    all_amount = np.concatenate(
        [all_amount, -money(all_amount[ref] * rng.uniform(0.1, 1.0, len(ref)))]
    )
    all_t = np.concatenate([all_t, all_t[ref] + rng.integers(7, 30, len(ref)) * DAY])
    names_none = np.concatenate([names_none, np.zeros(len(ref), dtype=bool)])
    r_type = np.concatenate([r_type, np.full(len(ref), "refund")])
    order = np.lexsort((all_inst, all_t))
    all_inst, all_amount, all_t, names_none, r_type = (
        all_inst[order],
        all_amount[order],
        all_t[order],
        names_none[order],
        r_type[order],
    )
    nr = len(all_inst)
    method = np.where(
        r_type == "refund",
        "银行转账",
        pick(rng, ("银行转账", "承兑汇票", "支票", "现金"), nr, p=(0.85, 0.1, 0.03, 0.02)),
    )
    r_ids = world.ids.take(nr)
    day_str = as_date(all_t).dt.strftime("%Y%m%d").to_numpy().astype(str)
    bank_no = cat(
        "BK",
        day_str,
        np.char.zfill((rng.integers(0, 10**6, nr) * 1000 + np.arange(nr) % 1000).astype(str), 9),
    )
    is_bank = (method == "银行转账") & (r_type == "receipt")
    world.tables["crm.receipts"] = pl.DataFrame(
        {
            **record_fields(
                r_ids,
                "paymentRecord",
                i_owner[all_inst],
                all_t,
                np.minimum(all_t + (rng.exponential(2, nr) * DAY).astype(np.int64), tl.end),
            ),
            "receiptNo": cat("HK", day_str, np.char.zfill(np.arange(1, nr + 1).astype(str), 6)),
            "accountId": acc_id[i_plan][all_inst],
            "contractId": nullable_int(
                contract_id[i_plan][all_inst], contract_id[i_plan][all_inst] > 0
            ),
            "orderId": order_ids[p_rows][i_plan][all_inst],
            "installmentId": nullable_int(inst_ids[all_inst], ~names_none),
            "receiptDate": as_date(all_t),
            "amount": money(all_amount),
            "receiptType": r_type,
            "paymentMethod": method,
            "bankTxnNo": with_nulls(pl.Series(bank_no), ~is_bank),
            "_account_row": acc_row[all_inst],
            "_t": all_t,
        }
    )
    world.note("crm.receipts", [int(rng.integers(0, nr))], "amount", "bad_rows", ["N/A"])
