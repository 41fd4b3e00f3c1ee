"""Customer 360 客户360: one company (``company_key``) with its accounts, contacts, deals, quotes,
orders, receivables, invoices, tickets, satisfaction, partner registrations and activities.

Opened from any table that names a company (its 客户360 link: ``customer_360?company=<key>``) or
by searching here; the company stays in the address. The header and the sections a rep looks at
first are shown at once, the others are read when their expander is opened (issue 16: thirteen
reads in a row took the page over 150 ms at S=10). A section whose table is not published says
"not computed: reason" (apps/customer360_data.py)."""

import streamlit as st

from apps import auth, display, url_state
from apps import customer360_data as data

viewer = auth.require_screen("customer_360")
st.title("客户360 Customer 360")

wanted = url_state.raw("company")
search = st.text_input("搜索公司 Search company (name or key)", key="c360_search").strip()
found = data.companies(viewer, search or None)
options = list(found["company_key"])
names = dict(zip(found["company_key"], found["company_name"], strict=True))
if wanted and wanted not in options and data.may_open(viewer, wanted):  # a link to a company beyond the list
    options.insert(0, wanted)
if not options:
    st.info("没有可查看的公司 No company in your scope" + (" matches the search." if search else "."))
    st.stop()
url_state.seed("c360_company", wanted if wanted in options else options[0], options)
company = st.selectbox("公司 Company", options, key="c360_company",
                       format_func=lambda k: f"{names.get(k) or k} · {k}")
if wanted and wanted not in options:
    st.warning("地址中的公司不在您的权限范围内 The company in the address is outside your scope.")
url_state.keep(company=company)

accounts, shown = data.first_view(viewer, company)
if accounts.empty:
    st.warning("not computed: no account of this company is in the snapshot 无客户记录")
    st.stop()
st.subheader(str(accounts["company_name"].iloc[0]))
c1, c2, c3 = st.columns(3)
c1.metric("客户账户 Accounts", display.count(len(accounts)))
c2.metric("级别 Level", " / ".join(sorted({str(v) for v in accounts["level"].dropna()})) or "—")
c3.metric("负责人 Owners", " / ".join(sorted({str(v) for v in accounts["owner_name"].dropna()})) or "—")
LAST_TOUCH_LABELS = {"last_activity_at": "最近跟进 Last touch", "days_without_activity": "未跟进天数 Days without",
                     "is_inactive": "沉默 Inactive", "activities": "跟进次数 Activities",
                     "activities_last_90_days": "近90天 Last 90 days"}
display.table(accounts.drop(columns=["company_name"]), labels=LAST_TOUCH_LABELS)  # with each account's last touch
if not data.has_last_touch(accounts):
    st.info(data.LAST_TOUCH_MISSING)


def show(section: data.Section, result: data.Result) -> None:
    if result.frame is None:
        st.info(result.reason)
    elif result.frame.empty:
        st.caption("无记录 None for this company.")
    else:
        display.table(result.frame.drop(columns=["bucket_order"], errors="ignore"), key=f"c360_{section.key}")


# the sections a rep looks at first, then the others one click away: each read only when opened
for section in data.SECTIONS:
    if section.at_once:
        st.subheader(section.title)
        show(section, shown[section.key])
for section in data.SECTIONS:
    if not section.at_once:
        with st.expander(section.title, key=f"c360_open_{section.key}", on_change="rerun") as box:
            if box.open:
                show(section, data.section(viewer, section.key, company))
