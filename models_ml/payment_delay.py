"""Payment-delay model: probability that an installment is paid more than 30 days late.

Features are point in time: at an installment's due date we only know the outcomes of the
customer's installments that fell due at least 31 days earlier (their >30-days-late label is
settled by then), plus the installment's own terms. Labels: paid more than 30 days after the
due date, or still unpaid 30 days after it. Backtest: train on installments due before the
cutoff, test on the later months (out of time). Scores: every open installment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

MODEL_VERSION = "payment_delay_v1_logreg"
BASELINE_VERSION = "baseline: base rate"
# Fewer labelled installments than this of either outcome (late / on time) and the model is not
# trained: every open installment gets the base rate of late payment instead.
MIN_PER_OUTCOME = 10
LATE_DAYS = 30
FEATURES = [
    "log_amount", "batch_no", "installment_count", "prior_count", "prior_share_late30",
    "prior_avg_days_late", "prior_max_days_late", "is_first_batch",
]

FEATURE_SQL = f"""
with inst as (
    select installment_id, account_id, account_name, owner_id, owner_name, department_name,
           contract_no, order_no, batch_no, coalesce(installment_count, 1) as installment_count,
           amount, open_amount, due_date, status, days_late, as_of_date
    from finance.installments
),
labelled as (
    select *,
        case
            when status = 'paid' then days_late > {LATE_DAYS}
            when as_of_date - due_date > {LATE_DAYS} then true
        end as late30
    from inst
),
history as (
    select cur.installment_id,
           count(prev.installment_id) as prior_count,
           avg(case when prev.late30 then 1.0 else 0.0 end) as prior_share_late30,
           avg(least(greatest(prev.days_late, 0), {LATE_DAYS + 1})) as prior_avg_days_late,
           max(least(greatest(prev.days_late, 0), {LATE_DAYS + 1})) as prior_max_days_late
    from labelled as cur
    left join labelled as prev
      on prev.account_id = cur.account_id
     and prev.due_date <= cur.due_date - interval {LATE_DAYS + 1} day
     and prev.late30 is not null
    group by 1
)
select labelled.*, history.prior_count,
       coalesce(history.prior_share_late30, -1) as prior_share_late30,
       coalesce(history.prior_avg_days_late, -1) as prior_avg_days_late,
       coalesce(history.prior_max_days_late, -1) as prior_max_days_late,
       ln(1 + amount::double) as log_amount,
       (batch_no = 1)::int as is_first_batch
from labelled join history using (installment_id)
order by installment_id
"""


@dataclass
class Backtest:
    cutoff: dt.date
    n_train: int
    n_test: int
    base_rate_test: float
    auc: float
    brier: float
    brier_base: float
    precision_top_decile: float
    recall_top_decile: float

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{**self.__dict__, "model_version": MODEL_VERSION}])


def features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute(FEATURE_SQL).df()
    frame["due_date"] = pd.to_datetime(frame["due_date"]).dt.date
    return frame


class NotEnoughHistory(ValueError):
    """Too few settled installments of one outcome to train or backtest the model."""


def readiness(frame: pd.DataFrame) -> str | None:
    """Why the model cannot be trained on ``frame`` (None: it can)."""
    known = frame[frame["late30"].notna()]
    late = int(known["late30"].astype(bool).sum())
    on_time = len(known) - late
    if late < MIN_PER_OUTCOME or on_time < MIN_PER_OUTCOME:
        return (
            f"{late} installments paid more than {LATE_DAYS} days late and {on_time} on time are settled; "
            f"the model needs at least {MIN_PER_OUTCOME} of each"
        )
    return None


def _model():
    # imported here, not with the module: a run that fits no model skips scikit-learn's import
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, C=1.0))


def backtest(frame: pd.DataFrame, test_months: int = 6) -> Backtest:
    """Train on installments due before the cutoff, test on the following months."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    known = frame[frame["late30"].notna()].copy()
    last_due = max(known["due_date"])
    cutoff = (pd.Timestamp(last_due) - pd.DateOffset(months=test_months)).date().replace(day=1)
    train = known[known["due_date"] < cutoff]
    test = known[known["due_date"] >= cutoff]
    y_train = train["late30"].astype(int)
    y_test = test["late30"].astype(int)
    if y_train.nunique() < 2 or y_test.nunique() < 2:
        raise NotEnoughHistory(
            f"payment-delay backtest needs both outcomes in train and test (cutoff {cutoff}): "
            f"train {y_train.value_counts().to_dict()}, test {y_test.value_counts().to_dict()}"
        )
    model = _model().fit(train[FEATURES], y_train)
    p = model.predict_proba(test[FEATURES])[:, 1]
    k = max(1, int(np.ceil(len(p) * 0.1)))
    top = np.argsort(-p, kind="stable")[:k]
    return Backtest(
        cutoff=cutoff,
        n_train=len(train),
        n_test=len(test),
        base_rate_test=float(y_test.mean()),
        auc=float(roc_auc_score(y_test, p)),
        brier=float(brier_score_loss(y_test, p)),
        brier_base=float(brier_score_loss(y_test, np.full(len(y_test), y_train.mean()))),
        precision_top_decile=float(y_test.iloc[top].mean()),
        recall_top_decile=float(y_test.iloc[top].sum() / max(1, y_test.sum())),
    )


SCORE_COLUMNS = [
    "installment_id", "account_id", "account_name", "owner_id", "owner_name", "department_name",
    "contract_no", "order_no", "batch_no", "due_date", "amount", "open_amount", "status",
    "prior_count", "prior_share_late30", "late30_probability", "risk_band", "model_version",
]
RISK_BANDS = ([-0.01, 0.2, 0.5, 1.0], ["low 低", "medium 中", "high 高"])


def _scored(open_: pd.DataFrame, probability, version: str) -> pd.DataFrame:
    open_ = open_.copy()
    open_["late30_probability"] = pd.Series(probability, index=open_.index, dtype="float64").round(4)
    open_["risk_band"] = (
        pd.cut(open_["late30_probability"], RISK_BANDS[0], labels=RISK_BANDS[1])
        .astype(object).where(open_["late30_probability"].notna(), "unknown 未知").astype(str)
    )
    open_["model_version"] = version
    return open_[SCORE_COLUMNS].sort_values(["late30_probability", "installment_id"], ascending=[False, True])


def score(frame: pd.DataFrame) -> pd.DataFrame:
    """Fit on every labelled installment; score the open ones (not yet paid)."""
    known = frame[frame["late30"].notna()]
    model = _model().fit(known[FEATURES], known["late30"].astype(int))
    open_ = frame[frame["status"] != "paid"]
    probability = model.predict_proba(open_[FEATURES])[:, 1] if len(open_) else []
    return _scored(open_, probability, MODEL_VERSION)


def score_base_rate(frame: pd.DataFrame) -> pd.DataFrame:
    """The baseline: every open installment gets the share of settled installments paid >30 days
    late (unknown when none is settled yet)."""
    known = frame[frame["late30"].notna()]
    rate = float(known["late30"].astype(bool).mean()) if len(known) else float("nan")
    open_ = frame[frame["status"] != "paid"]
    return _scored(open_, [rate] * len(open_), BASELINE_VERSION)
