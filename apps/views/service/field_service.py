"""Field service KPIs (现场服务): dispatch mode, time to accept, time on site, first-time fix."""

import streamlit as st

from apps import auth, charts, display, url_state
from apps import service_data as data

viewer = auth.require_screen("field_service")
st.title("现场服务 Field service KPIs")
modes = data.field_service_by(viewer, "dispatch_mode")
cols = st.columns(max(len(modes), 1))
for col, row in zip(cols, modes.itertuples(), strict=False):
    col.metric(f"{display.code(row.dispatch_mode)} 工单数 Work orders", display.count(row.work_orders),
               help="grab = 抢单, assign = 派单")
DIMENSIONS = ["engineer_name", "team", "dispatch_mode", "period_month"]
url_state.seed("field_by", url_state.choice("by", DIMENSIONS, DIMENSIONS[0]), DIMENSIONS)
dimension = st.selectbox("按 By", DIMENSIONS, format_func=display.column_label, key="field_by")
url_state.keep(by=dimension)
kpis = data.field_service_by(viewer, dimension)
display.table(kpis)
labelled = kpis.assign(**{dimension: kpis[dimension].map(charts.month_label if dimension == "period_month" else display.code)})
charts.show(charts.bars(labelled, dimension, "first_time_fix_rate", category_title=display.column_label(dimension),
                        value_title="一次修复率", value_kind="percent"), key="field_service_chart")
