"""How the dashboards draw charts: the one home for chart conventions (issue 17).

Why one module: every page used to pick its own axes, colours and label angles, and people met a
movement waterfall starting at 0 under a ¥58M pipeline, "won" in red, 90°-rotated labels cut to
"ML forecast 模型…", a count axis in steps of 0.05, English month names without the year and 11
agent lines sharing colours. The rules here:

- month axes read "2026年10月" (``MONTH_FORMAT``; ``month_label`` for tooltips and pickers);
- count axes tick whole numbers only (``count_axis``);
- labels stay horizontal and wrap or shorten instead of rotating (``category_axis``);
- many series get distinct colours: ``PALETTE`` has 20, and more series than that are folded
  into the largest ``top_n`` and "其他" (``fold_top_n``);
- good news is green and bad news red, whatever the sign (``GOOD``, ``BAD``; won vs lost);
- a waterfall floats: each step is a bar from the running total before it to the one after, and
  the value axis is zoomed to the data, so ±¥0.5M movements under a ¥58M pipeline are visible;
- every chart fills its container (``show``: ``width="stretch"``), so it fits a 390 px phone;
- a chart that drills down carries one point selection (``pick``) and ``show`` returns the
  picked values of its field (``on_select="rerun"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import altair as alt
import pandas as pd

from apps import display

# 20 colours a person can tell apart (Tableau 10, then Dark2 and a few more that resemble none of
# the first ten): 11 agents no longer share a colour. "其他" is always grey (OTHER_COLOUR).
PALETTE: tuple[str, ...] = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    "#bab0ac", "#17becf", "#bcbd22", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d",
    "#e6ab02", "#393b79",
)
OTHER_COLOUR = "#9e9e9e"
GOOD, BAD, TOTAL, UP, DOWN = "#2e7d32", "#c62828", "#546e7a", "#66bb6a", "#ef9a9a"
OTHER = "其他"
MONTH_FORMAT = "%Y年%-m月"  # d3 time format: 2026年10月 (no zero padding)
LABEL_LIMIT = 160  # px; a longer label ends in "…" but stays horizontal (full text in the tooltip)
LINE_HEIGHT = 280  # px of plot for line charts: a bottom legend must not squeeze the lines flat on a phone


def month_label(value: Any) -> str:
    """A month as people in China name it, with its year: 2026-10-01 -> 2026年10月."""
    if display._blank(value):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.year}年{stamp.month}月"


# -- axes -----------------------------------------------------------------------------------------

def month_axis(title: str | None = "月份") -> alt.Axis:
    return alt.Axis(title=title, format=MONTH_FORMAT, formatType="time", labelAngle=0, tickCount="month",
                    labelOverlap=True)


def count_axis(title: str | None) -> alt.Axis:
    """Whole-number ticks only: no 0.05 steps for ticket counts."""
    return alt.Axis(title=title, format=",d", tickMinStep=1)


def money_axis(title: str | None = "金额") -> alt.Axis:
    """¥ in 万 (ten thousands) on the axis: short enough for a phone, full ¥ in the tooltip."""
    return alt.Axis(title=title, labelExpr="'¥' + format(datum.value / 10000, ',.0f') + '万'", labelOverlap=True,
                    tickCount=5, labelFlush=True)


def percent_axis(title: str | None) -> alt.Axis:
    return alt.Axis(title=title, format=".0%")


def category_axis(title: str | None = None) -> alt.Axis:
    """Horizontal labels, shortened with "…" past ``LABEL_LIMIT`` px rather than rotated."""
    return alt.Axis(title=title, labelAngle=0, labelLimit=LABEL_LIMIT, labelOverlap=False)


def money_tooltip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:Q", title=title, format=",.2f")


# -- colours --------------------------------------------------------------------------------------

def colour(field: str, title: str | None, values: Iterable[Any] | None = None, *, legend_columns: int = 2) -> alt.Color:
    """A categorical colour from ``PALETTE``; the legend below the chart (phones) in columns."""
    domain = None if values is None else [str(v) for v in values]
    if domain is None:
        scale = alt.Scale(range=list(PALETTE))
    else:
        named = iter(PALETTE)
        scale = alt.Scale(domain=domain, range=[OTHER_COLOUR if v == OTHER else next(named, OTHER_COLOUR)
                                                for v in domain])
    return alt.Color(f"{field}:N", title=title, scale=scale,
                     legend=alt.Legend(orient="bottom", columns=legend_columns, labelLimit=LABEL_LIMIT))


def fold_top_n(frame: pd.DataFrame, series: str, by: str, n: int = len(PALETTE) - 1) -> pd.DataFrame:
    """Keep the ``n`` series with the largest total ``by`` and name the rest "其他", so no two lines
    ever share a colour. A frame with ``n`` or fewer series comes back unchanged."""
    if frame.empty or frame[series].nunique() <= n:
        return frame
    keep = set(frame.groupby(series)[by].sum().nlargest(n).index)
    out = frame.copy()
    out[series] = out[series].where(out[series].isin(keep), OTHER)
    return out


# -- selection (drill-down) -----------------------------------------------------------------------

def pick(name: str, field: str) -> alt.Parameter:
    """The one click selection of a drill-down chart: a click picks the value of ``field``."""
    return alt.selection_point(name=name, fields=[field], on="click", clear="dblclick")


def picked(event: Any, name: str, field: str) -> list[Any]:
    """The values of ``field`` the user clicked in selection ``name`` (empty: nothing clicked)."""
    try:
        chosen = event["selection"][name]
    except (KeyError, TypeError, AttributeError):
        return []
    if isinstance(chosen, dict):  # {"step": ["won"]} or {"vlPoint": ..., "step": [...]}
        values = chosen.get(field)
        return list(values) if isinstance(values, list | tuple) else ([values] if values is not None else [])
    return [row[field] for row in chosen or [] if isinstance(row, dict) and field in row]


def selected_rows(event: Any) -> list[int]:
    """Row positions selected in an ``st.dataframe(on_select="rerun")`` (empty: none)."""
    try:
        return list(event["selection"]["rows"])
    except (KeyError, TypeError, AttributeError):
        return []


def legend_height(entries: int, columns: int = 2) -> int:
    """Pixels a bottom legend of ``entries`` in ``columns`` needs (title and rows of ~20 px)."""
    return 40 + 20 * -(-entries // columns)


def show(chart: alt.Chart | alt.LayerChart, *, key: str | None = None, name: str | None = None,
         field: str | None = None, height: int | None = None) -> list[Any]:
    """Draw ``chart`` at the container's width; with ``name``/``field`` (its ``pick``), rerun on a
    click and return the picked values. ``height``: the whole chart's pixels, legend included
    (Streamlit otherwise fits plot and legend into its default height: flat lines on a phone)."""
    import streamlit as st

    size: dict[str, Any] = {"width": "stretch"}
    if height:
        size["height"] = height
    if name is None:
        st.altair_chart(chart, key=key, **size)
        return []
    event = st.altair_chart(chart, key=key, on_select="rerun", selection_mode=[name], **size)
    return picked(event, name, field or "")


# -- chart builders -------------------------------------------------------------------------------

def bars(frame: pd.DataFrame, category: str, value: str, *, category_title: str | None = None,
         value_title: str | None = None, value_kind: str = "count", sort: Sequence[str] | str | None = None,
         name: str | None = None, tooltip: list | None = None, colour_by: alt.Color | None = None,
         label: str | None = None) -> alt.Chart:
    """Horizontal bars (labels read left to right, long ones stay whole on a phone); the value axis
    by ``value_kind``: count (whole numbers), money (¥万) or percent; ``name``: clickable, a click
    picks the ``category`` value; ``label``: the column shown on the axis instead (a code's
    Chinese label; ``sort`` then names labels)."""
    shown = label or category
    axis = {"count": count_axis, "money": money_axis, "percent": percent_axis}[value_kind](value_title)
    encodings: dict[str, Any] = {
        "y": alt.Y(f"{shown}:N", sort=sort if sort is not None else "-x", axis=category_axis(category_title)),
        "x": alt.X(f"{value}:Q", axis=axis),
        "tooltip": tooltip or [alt.Tooltip(f"{shown}:N", title=category_title),
                               alt.Tooltip(f"{value}:Q", title=value_title,
                                           format={"count": ",d", "money": ",.2f", "percent": ".1%"}[value_kind])],
    }
    if colour_by is not None:
        encodings["color"] = colour_by
    chart = alt.Chart(frame).mark_bar().encode(**encodings)
    if name:
        selection = pick(name, category)
        chart = chart.add_params(selection).encode(
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.45)))
    return chart


def status_colour(field: str, statuses: Iterable[str]) -> alt.Color:
    """Statuses coloured by what they mean: breached red, at risk amber, the rest the usual blue."""
    domain = [str(s) for s in statuses]
    return alt.Color(f"{field}:N", legend=None, scale=alt.Scale(domain=domain, range=[
        BAD if "breach" in s else "#f9a825" if "risk" in s else PALETTE[0] for s in domain]))


# colour of a movement step by what it means for the business, not by its sign
STEP_COLOURS = {"won": GOOD, "lost": BAD}


def waterfall_frame(steps: pd.DataFrame) -> pd.DataFrame:
    """``steps`` (step, amount: the start total, the movements, the end total) with each bar's
    floating ends (``low``, ``high``), its Chinese ``label`` and its ``colour``."""
    out = steps.reset_index(drop=True).copy()
    out["amount"] = out["amount"].astype(float)
    last = len(out) - 1
    running = out["amount"].cumsum()
    is_total = pd.Series([i in (0, last) for i in range(len(out))])
    before = running - out["amount"]
    out["low"] = before.where(~is_total, 0.0)
    out["high"] = running.where(~is_total, out["amount"])
    out.loc[is_total, "low"], out.loc[is_total, "high"] = out.loc[is_total, "amount"], out.loc[is_total, "amount"]
    out["start"] = out[["low", "high"]].min(axis=1)
    out["end"] = out[["low", "high"]].max(axis=1)
    out["label"] = [("期初" if i == 0 else "期末") if is_total[i] else display.code(s) for i, s in enumerate(out["step"])]
    out["colour"] = [
        TOTAL if is_total[i] else STEP_COLOURS.get(str(s), UP if a >= 0 else DOWN)
        for i, (s, a) in enumerate(zip(out["step"], out["amount"], strict=True))
    ]
    return out


def waterfall_domain(frame: pd.DataFrame, margin: float = 0.08) -> tuple[float, float]:
    """The value axis zoomed to the bars (totals included as ticks at their value): the lowest and
    highest end, widened by ``margin`` of the span, never below 0 when every value is positive."""
    low, high = float(frame["start"].min()), float(frame["end"].max())
    span = max(high - low, abs(high) * 0.01, 1.0)
    lower = low - span * margin
    return (max(lower, 0.0) if low >= 0 else lower), high + span * margin


def waterfall(steps: pd.DataFrame, *, name: str | None = None, title: str = "金额") -> alt.LayerChart:
    """A floating, horizontal waterfall: start and end totals as bars of their value within the
    zoomed axis, each movement from the running total before it to the one after."""
    frame = waterfall_frame(steps)
    lo, hi = waterfall_domain(frame)
    # a total is drawn from the axis' left edge: a bar "from 0" would put everything else off-scale
    frame.loc[[0, len(frame) - 1], "start"] = lo
    order = list(frame["label"])
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort=order, axis=category_axis(None)),
        x=alt.X("start:Q", scale=alt.Scale(domain=[lo, hi], zero=False, nice=False), axis=money_axis(title)),
        x2="end:Q",
        color=alt.Color("colour:N", scale=None, legend=None),
        tooltip=[alt.Tooltip("label:N", title="步骤"), money_tooltip("amount", "金额")],
    )
    bars_ = base.mark_bar()
    if name:
        selection = pick(name, "step")
        bars_ = bars_.add_params(selection).encode(opacity=alt.condition(selection, alt.value(1.0), alt.value(0.5)))
    return bars_
