"""Pipeline status: what the published snapshot holds, what was loaded and what was rejected."""

import streamlit as st

from apps import auth, display
from apps import data_access as data

viewer = auth.require_screen("pipeline_status")
st.title("Pipeline status 数据状态")
status = data.load_status(data.snapshot_version())

last_run = status.get("last_run") or {}
if last_run and not last_run.get("success"):
    published_at = (status.get("last_publish") or {}).get("published_at") or ""
    if last_run["finished_at"] >= published_at:
        st.error(
            f"The last run ({last_run['finished_at']}) failed; the snapshot below is the last good one.\n\n"
            + "\n".join(f"- {reason}" for reason in last_run.get("reasons") or [])
        )

if not status["published"]:
    st.warning(
        f"Nothing is published yet at `{status['published_database']}`. Put your extracts in "
        f"`{status['landing_dir']}` (docs/sources.md; `crmlake check` validates them) and run "
        "`crmlake run`, or try the demo: `crmlake demo && crmlake run`."
    )
    st.stop()

for warning in status.get("warnings") or []:  # key conflicts, quarantine, ignored files, check warnings
    st.warning(warning)

tables = data.table_counts_frame(status)
loads = data.loads_frame(status)
quarantine = data.quarantine_frame(status)

c1, c2, c3, c4 = st.columns(4)
c1.metric("Last publish 最近发布 (UTC)", status["last_publish"]["published_at"])
c2.metric("Published tables 表", len(tables))
c3.metric("Rows loaded 已入库行", display.count(loads["rows_loaded"].sum()))
c4.metric("Rows quarantined 隔离行", display.count(status["quarantine"]["rows"]))
st.caption(f"Analysts: open `{status['published_database']}` read-only in DuckDB or any SQL client.")

capabilities = data.capabilities_frame(status)
if not capabilities.empty:
    st.subheader("Capabilities 功能")
    done = sum(c["status"] == "computed" for c in status["capabilities"])
    st.caption(f"{done} of {len(capabilities)} computed; the others say why (missing or thin input).")
    display.table(capabilities.drop(columns=["capability"]))

st.subheader("Source entities 数据源")
entities = data.entities_frame(status)
st.caption(f"{int((entities['delivered'] == 'yes 已交付').sum())} of {len(entities)} contract entities delivered.")
display.table(entities)

st.subheader("Rows per published table 各表行数")
schemas = sorted(tables["schema"].unique())
chosen = st.multiselect("Schemas", schemas, default=schemas)
shown = tables[tables["schema"].isin(chosen)]
st.bar_chart(shown.set_index("table")["rows"], horizontal=True, height=max(300, 18 * len(shown)))
display.table(shown)


def review_section(title: str, frame, when_empty: str, caption: str = "") -> None:
    """One review list of the snapshot: a green line when empty, else the rows (and what they mean)."""
    st.subheader(title)
    if frame.empty:
        st.success(when_empty)
        return
    if caption:
        st.caption(caption)
    display.table(frame)


review_section("Quarantine 隔离区", quarantine, "No rows quarantined.")
review_section("Key conflicts 业务键冲突", data.key_conflicts_frame(status),
               "No business key delivered twice with other content.",
               "Not applied; each competing row with what differs: `meta.key_conflicts` (docs/sources.md).")
review_section("Ignored landing files 忽略的文件", data.ignored_files_frame(status),
               "Every landing file belongs to an entity.",
               "Not read: links, files outside the landing root, files matching no entity's path.")

run_warnings = (status.get("last_run") or {}).get("warnings") or []
if run_warnings:
    st.subheader("Check warnings of the last run 检查警告")
    st.dataframe({"warning": run_warnings}, hide_index=True, width="stretch")
