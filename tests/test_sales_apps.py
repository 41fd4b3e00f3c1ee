"""Sales pages driven by AppTest on the S=1 pipeline snapshot: every figure shown equals the mart's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"

pytestmark = pytest.mark.slow


def _page(monkeypatch, settings, page: str, who=None) -> AppTest:
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(APPS / "views" / "sales" / page), default_timeout=120), who or viewer("admin"))
    at.run()
    assert not at.exception, at.exception
    return at


def _money(text: str) -> float:
    return float(text.replace("¥", "").replace(",", ""))


def _metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


@pytest.fixture(scope="module")
def published(pipeline_run):
    with duckdb.connect(str(pipeline_run.settings.published_database), read_only=True) as con:
        yield con


def test_forecast_page_figures_equal_mart(pipeline_run, published, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "forecast.py")
    quarter = at.selectbox[0].value
    row = published.execute(
        """select sum(target_amount), sum(closed_won), sum(weighted_forecast), sum(commit_forecast),
                  sum(best_case_forecast), sum(ml_forecast) from sales.forecast where quarter_start = ?""",
        [quarter],
    ).fetchone()
    shown = [_money(_metric(at, p)) for p in ("Target", "Closed won", "Weighted", "Commit", "Best case", "ML forecast")]
    assert shown == pytest.approx([float(v) for v in row], abs=0.005)
    assert str(quarter)[:10] == "2026-10-01"  # the quarter of the data's end date
    assert row[5] > row[1]  # ML forecast adds open pipeline and run-rate to closed won


def test_forecast_page_department_filter(pipeline_run, published, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "forecast.py")
    dept = at.selectbox[1].options[1]
    at.selectbox[1].select(dept).run()
    assert not at.exception
    expected = published.execute(
        "select sum(closed_won) from sales.forecast where quarter_start = ? and department_name = ?",
        [at.selectbox[0].value, dept],
    ).fetchone()[0]
    assert _money(_metric(at, "Closed won")) == pytest.approx(float(expected), abs=0.005)


def test_movement_page_waterfall_equals_snapshot_difference(pipeline_run, published, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "movement.py")
    start, end = at.date_input[0].value, at.date_input[1].value
    q_start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    q_end = dt.date(q_start.year + (q_start.month == 10), (q_start.month + 2) % 12 + 1, 1) - dt.timedelta(days=1)

    def total(day):
        return float(published.execute(
            "select coalesce(sum(amount), 0) from sales.pipeline_snapshots where snapshot_date = ? and close_date between ? and ?",
            [day, q_start, q_end],
        ).fetchone()[0])

    assert _money(_metric(at, "Start")) == pytest.approx(total(start), abs=0.005)
    assert _money(_metric(at, "End")) == pytest.approx(total(end), abs=0.005)
    assert _money(_metric(at, "Change")) == pytest.approx(total(end) - total(start), abs=0.005)


def test_funnel_page_figures_equal_mart(pipeline_run, published, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "funnel.py")
    leads, opps, won = published.execute(
        """select sum(leads), sum(opportunities), sum(won_opportunities) from sales.funnel_conversion
           where period_type = 'quarter' and dimension = 'lead_source'"""
    ).fetchone()
    assert int(_metric(at, "Leads").replace(",", "")) == leads
    assert int(_metric(at, "Opportunities").replace(",", "")) == opps
    assert int(_metric(at, "Won 赢单").replace(",", "")) == won
    cost = published.execute("select sum(cost) from sales.campaign_roi").fetchone()[0]
    assert _money(_metric(at, "Total cost")) == pytest.approx(float(cost), abs=0.005)


def test_backtest_report_written_to_docs(pipeline_run):
    """The S=1 backtest (model card of this run) goes into docs/sales_backtest.md."""
    import json

    card = json.loads((pipeline_run.settings.lakehouse_dir / "models" / "latest_backtest.json").read_text("utf-8"))
    pooled = card["backtest"]["pooled"]
    assert 0 <= pooled["brier_ml"] <= 1 and 0 <= pooled["auc_ml"] <= 1
    assert pooled["brier_ml"] < pooled["brier_stage"], pooled  # calibrated model beats the stage table
    summary = card["bookings_forecast_backtest"]["summary"]
    lines = [
        "# Sales model backtest (demo data, S=1, seed 42)",
        "",
        "Written by `tests/test_sales_apps.py::test_backtest_report_written_to_docs` from the model card",
        "of the test's pipeline run. Each quarter's model is trained only on what was known at its start.",
        "",
        f"Model version `{card['version']}`, training window {card['training_window']}.",
        "",
        "## Win probability vs stage-probability baseline (weekly snapshots of each quarter)",
        "",
        "| quarter | train rows | test rows | Brier ML | Brier stage | AUC ML | AUC stage |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for q in card["backtest"]["quarters"]:
        lines.append(f"| {q['quarter']} | {q['train_rows']} | {q['test_rows']} | {q['brier_ml']} | "
                     f"{q['brier_stage']} | {q['auc_ml']} | {q['auc_stage']} |")
    lines.append(f"| pooled | | {pooled['rows']} | {pooled['brier_ml']} | {pooled['brier_stage']} | "
                 f"{pooled['auc_ml']} | {pooled['auc_stage']} |")
    lines += [
        "",
        "## Quarter bookings forecast vs weighted-pipeline baseline",
        "",
        "| quarter | as of | actual | ML forecast | weighted baseline | ML abs % error | baseline abs % error |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in card["bookings_forecast_backtest"]["rows"]:
        lines.append(f"| {r['quarter']} | {r['as_of']} | {r['actual']:,.2f} | {r['ml_forecast']:,.2f} | "
                     f"{r['weighted_baseline']:,.2f} | {r['ml_abs_pct_error']:.1%} | {r['baseline_abs_pct_error']:.1%} |")
    lines += ["", f"Mean absolute % error: ML {summary['mape_ml']:.1%}, weighted baseline "
              f"{summary['mape_weighted_baseline']:.1%}.", ""]
    (Path(__file__).resolve().parents[1] / "docs" / "sales_backtest.md").write_text("\n".join(lines), "utf-8")
