"""Pipeline status: what the published snapshot holds, what was loaded and what was rejected."""

import auth
import data_access as data
import streamlit as st

viewer = auth.require_screen("pipeline_status")
st.title("Pipeline status 数据状态")
status = data.load_status(data.snapshot_version())

if not status["published"]:
    st.warning(
        f"Nothing is published yet at `{status['published_database']}`. "
        "Run `make run` to generate demo data and run the pipeline."
    )
    st.stop()

tables = data.table_counts_frame(status)
loads = data.loads_frame(status)
quarantine = data.quarantine_frame(status)

c1, c2, c3, c4 = st.columns(4)
c1.metric("Last publish 最近发布 (UTC)", status["last_publish"]["published_at"])
c2.metric("Published tables 表", len(tables))
c3.metric("Rows loaded 已入库行", f"{int(loads['rows_loaded'].sum()):,}")
c4.metric("Rows quarantined 隔离行", f"{status['quarantine']['rows']:,}")
st.caption(f"Analysts: open `{status['published_database']}` read-only in DuckDB or any SQL client.")

st.subheader("Rows per published table 各表行数")
schemas = sorted(tables["schema"].unique())
chosen = st.multiselect("Schemas", schemas, default=schemas)
shown = tables[tables["schema"].isin(chosen)]
st.bar_chart(shown.set_index("table")["rows"], horizontal=True, height=max(300, 18 * len(shown)))
st.dataframe(shown, hide_index=True, width="stretch")

st.subheader("Loads per source entity 各来源入库")
st.dataframe(loads, hide_index=True, width="stretch")

st.subheader("Quarantine 隔离区")
if quarantine.empty:
    st.success("No rows quarantined.")
else:
    st.dataframe(quarantine, hide_index=True, width="stretch")
