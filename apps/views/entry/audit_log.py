"""审计日志 Audit log: the full change history of one record (who, when, which fields from what to
what), for the roles that audit; admins also see the newest changes of the whole store. The
history of a record outside the viewer's rows is refused by the data layer."""

import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import ops_forms as ops
from operational.errors import NotFound, PermissionDenied

viewer = require_screen("audit")
st.title("审计日志 Audit log")

tables = ed.read(ops.audited_tables)
if not tables:
    st.info("暂无变更记录 Nothing has been changed in the store yet.")
    st.stop()

c1, c2 = st.columns([1, 2])
table_name = c1.selectbox("表 Table", tables, key="audit_table")
if viewer.role == "admin":
    recent = ed.read(ops.recent_changes, viewer, table_name)
    ids = list(dict.fromkeys(r["record_id"] for r in recent))
    record_id = c2.selectbox("记录 Record id", ids, key="audit_record")
    st.subheader("最近变更 Recent changes")
    ops.table(recent, ["changed_at", "table_name", "record_id", "action", "changed_by_name", "comment"])
else:
    typed = c2.text_input("记录 Record id", key="audit_record_id").strip()
    record_id = None
    if typed:
        if typed.isascii() and typed.isdigit() and len(typed) <= 18:  # store ids fit BIGINT
            record_id = int(typed)
        else:
            st.error(f"Record id: {typed!r} is not a number 记录编号须为数字", icon="⚠️")

if record_id is not None:
    st.subheader(f"{table_name} {record_id}")
    try:
        history = ed.history(viewer, table_name, record_id)
    except (PermissionDenied, NotFound) as exc:
        st.error(str(exc))
    else:
        display.table(history, show_ids=["id"])
