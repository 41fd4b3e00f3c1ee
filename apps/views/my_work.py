"""我的工作台 My pipeline & tasks: a sales rep's home page. The rep's open deals from the published
snapshot (headline and the largest ones, closing soonest first) and their open alerts from the store,
with links to the pages where the work is done. Either half says why it is empty instead of failing."""

import streamlit as st

from apps import auth, display, navigation, sales_data
from apps import data_access as data
from apps import entry_data as ed
from operational import alerts as store_alerts

viewer = auth.require_screen("my_work")
st.title("我的工作台 My pipeline & tasks")

st.subheader("我的商机 My open pipeline")
if data.snapshot_version() == 0.0:
    st.info("尚无发布数据，暂不计算 Not computed: nothing is published yet (`crmlake run`).")
else:
    deals = sales_data.opportunities(viewer)
    deals = deals[~deals["status"].isin(["won", "lost"])]
    c1, c2, c3 = st.columns(3)
    c1.metric("未结商机 Open deals", display.count(len(deals)))
    c2.metric("金额 Amount", display.money(deals["amount"].sum(), 0))
    c3.metric("加权金额 Weighted", display.money(deals["weighted_amount"].sum(), 0))
    if deals.empty:
        st.info("您没有未结商机 You have no open deals.")
    else:
        soonest = deals.sort_values(["expected_close_date", "amount"], ascending=[True, False]).head(15)
        display.table(soonest[["opportunity_name", "account_name", "stage", "stage_probability", "amount",
                               "expected_close_date"]], key="my_work_deals")
navigation.link_to(viewer, "opportunities", "录入与推进商机 Enter and move deals", "💼")

st.subheader("我的待办 My tasks")
try:
    alerts = ed.read(store_alerts.my_alerts, viewer)
except Exception as exc:  # noqa: BLE001 -- the store unreadable: say so, keep the pipeline half
    alerts = None
    st.info(f"无法读取提醒 Alerts could not be read ({type(exc).__name__}).")
if alerts is not None:
    if not alerts:
        st.info("暂无待办 No open alerts for you.")
    for row in alerts[:10]:
        new = "🔔 " if row["acknowledged_at"] is None else ""
        st.markdown(f"- {new}**{row['title']}** · {row['updated_at']:%Y-%m-%d %H:%M}")
    navigation.link_to(viewer, "alerts_inbox", f"全部提醒 All my alerts ({len(alerts)})", "🔔")
