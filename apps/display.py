"""How figures, dates, codes and column names are shown to people: the one home for display formats.

Every dashboard table goes through ``table`` (Streamlit ``column_config``: the frame keeps its raw
numbers, dates and codes, so sorting stays numeric and the loaders' tests still see raw values;
only what is drawn changes), every metric tile and picker label through the text formatters
(``money``, ``percent``, ``count``, ``day``, ``quarter``, ``code``), and every people-facing export
through ``for_export`` (Chinese headers, codes as labels, ids as text) with ``xlsx_formats``.

What a column is follows from its name (``kind``): ``*_amount``/prices/forecasts are money (¥, two
decimals, thousands separators, ``-¥2,313,100.47``), ``*_rate``/probabilities/shares are ratios
shown as percentages (0.22 → 22.0%), ``*_pct`` are already percentages (22 → 22.0%), counts are
whole numbers, ``*_id`` columns are hidden unless a page asks for them. A page overrides a
column's kind only where its name says nothing (e.g. the aging buckets of a roll-up).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

# -- column names -> people's labels --------------------------------------------------------------

COLUMN_LABELS: dict[str, str] = {
    # people, organisation, customers
    "owner_name": "负责人", "owner_id": "负责人编号", "user_name": "人员", "user_id": "人员编号",
    "employee_code": "工号", "department_name": "部门", "department": "部门", "team": "团队",
    "account_name": "客户", "account_id": "客户编号", "customer_tier": "客户等级", "level": "客户等级",
    "company_name": "公司", "company_key": "公司键", "agent_name": "坐席", "agent_id": "坐席编号",
    "engineer_name": "工程师", "changed_by_name": "修改人", "lead_name": "联系人", "mobile": "手机",
    "email": "邮箱", "city": "城市", "partner_code": "伙伴代码", "partner_name": "渠道伙伴",
    "partner_id": "伙伴编号", "typed_name": "录入名称", "suggested_company_name": "建议公司",
    "suggested_company_key": "建议公司键", "assignee_agent_id": "处理坐席编号",
    # sales
    "opportunity_name": "商机", "opportunity_id": "商机编号", "stage": "阶段", "stage_probability": "阶段赢率",
    "win_probability": "赢率", "forecast_category": "预测类别", "amount": "金额", "weighted_amount": "加权金额",
    "close_date": "预计成交日", "expected_close_date": "预计成交日", "status": "状态", "quarter_start": "季度",
    "target_amount": "目标", "closed_won": "已赢单", "weighted_forecast": "加权预测",
    "commit_forecast": "承诺预测", "best_case_forecast": "最佳预测", "ml_forecast": "模型预测",
    "model_version": "模型版本", "attainment": "达成率", "movement_category": "变动类别",
    "start_amount": "期初金额", "end_amount": "期末金额", "movement_amount": "变动金额", "step": "步骤",
    "leads": "线索", "opportunities": "商机", "won_opportunities": "赢单", "won_amount": "赢单金额",
    "lead_to_opportunity_rate": "线索转商机率", "opportunity_to_won_rate": "商机赢单率",
    "median_days_lead_to_opportunity": "线索转商机中位天数", "median_days_opportunity_to_won": "商机赢单中位天数",
    "dimension_label": "维度", "dimension_key": "维度键", "period_start": "期间", "period_end": "期末日",
    "period_type": "周期类型", "campaign_name": "市场活动", "campaign_type": "活动类型", "campaign_id": "活动编号",
    "cost": "成本", "roi": "投资回报率", "lead_conversion_rate": "线索转化率", "quote_no": "报价单号",
    "total_amount": "合计金额", "discount_rate": "折扣率", "discount_pct": "折扣", "quote_date": "报价日期",
    "list_price": "目录价", "unit_price": "成交单价", "line_amount": "行金额", "quantity": "数量",
    "product": "产品", "product_code": "产品代码", "product_name": "产品名称", "product_id": "产品编号",
    "product_line": "产品线", "lead_source": "线索来源", "last_follow_up_at": "最近跟进",
    "pool_return_reason": "退回原因", "pool_entered_at": "进入公海时间", "version": "版本",
    # finance
    "as_of_date": "截至日期", "installment_id": "分期编号", "contract_no": "合同号", "order_no": "订单号",
    "batch_no": "批次", "open_amount": "未回款", "due_date": "到期日", "days_overdue": "逾期天数",
    "bucket": "账龄段", "bucket_order": "账龄段序号", "is_overdue": "已逾期", "total": "合计",
    "warning_id": "预警编号", "message": "提示", "month_end": "月末", "dso_days": "DSO（天）",
    "billed_amount": "开票金额", "open_receivables": "应收余额", "late30_probability": "逾期30天以上概率",
    "risk_band": "风险等级", "avg_days_late": "平均逾期天数", "line_count": "行数",
    "credited_amount": "计提业绩", "commission_amount": "提成", "adjustment_amount": "调整",
    "commission_rank": "提成排名", "credit_rank": "业绩排名", "approval_status": "审批状态",
    "approved_total": "审批金额", "approved_by": "审批人", "paid_by": "发放人",
    "paid_at": "发放时间", "payment_reference": "发放批次", "approval_check": "审批核对", "credit_scope": "业绩范围",
    "line_kind": "行类型", "event_date": "业务日期", "source_type": "来源类型", "source_no": "单号",
    "plan_code": "方案", "plan_version": "方案版本", "basis": "计提基础", "rule_kind": "规则类型",
    "split_pct": "分成比例", "credit_amount": "业绩金额", "tier_from": "阶梯起", "tier_to": "阶梯止",
    "rate": "提成率", "basis_amount": "计提金额", "rule_description": "规则说明",
    "adjustment_reason": "调整原因", "adjustment_author": "调整人", "problem": "问题", "record_id": "记录编号",
    # service
    "ticket_no": "工单号", "metric": "指标", "priority": "优先级", "channel": "渠道", "sla_status": "SLA 状态",
    "remaining_minutes": "剩余分钟", "elapsed_minutes": "已用分钟", "target_minutes": "目标分钟",
    "due_at": "到期时间", "started_at": "开始时间", "as_of_at": "截至时间", "met": "达成", "breached": "违约",
    "attainment_rate": "达成率", "period_month": "月份", "conversations": "会话数", "avg_qa_score": "平均质检分",
    "conversation_id": "会话编号", "queue_rank": "排序", "rule_name": "规则", "severity": "严重程度",
    "weight": "权重", "seq": "序号", "evidence": "证据", "evidence_start": "起", "evidence_end": "止",
    "sent_at": "发送时间", "speaker": "说话人", "text": "内容", "requirement_id": "需求编号", "title": "标题",
    "demand_rank": "排名", "demand_score": "需求得分", "linked_tickets": "关联工单", "distinct_customers": "客户数",
    "revenue_at_stake": "涉及收入", "subject": "主题", "created_at": "创建时间", "suggestion_rank": "建议排名",
    "score": "得分", "dispatch_mode": "派单方式", "work_orders": "工单数", "completed": "已完成",
    "first_time_fix_rate": "一次修复率", "avg_minutes_to_accept": "平均接单分钟", "avg_minutes_on_site": "平均现场分钟",
    # partner
    "statement_key": "对账单键", "period": "期间", "vendor_total": "厂商金额", "partner_total": "伙伴金额",
    "difference": "差额", "line_key": "行键", "line_class": "对账结果", "vendor_order_ref": "厂商订单",
    "report_line_no": "报表行号", "report_order_ref": "伙伴订单", "policy_code": "政策代码", "policy_name": "返点政策",
    "semantics": "口径", "rebate_amount": "返点金额", "claimed_a_on": "A 方报备日", "decision": "决定",
    "submitted_at": "提交时间", "comment": "备注",
    # store and status
    "id": "编号", "action": "操作", "changed_at": "修改时间", "table_name": "表", "updated_at": "更新时间",
    "entity": "实体", "rows": "行数", "rows_loaded": "已入库行", "rows_quarantined": "隔离行",
    "staging_rows": "暂存行", "files": "文件数", "delivered": "已交付", "needed_by": "用于",
    "last_loaded_at": "最近加载", "reason": "原因", "path": "路径", "schema": "模式", "table": "表",
    "area": "领域", "label": "功能", "output_rows": "输出行数", "needs": "所需数据", "rule": "规则",
    "keys": "键数", "example_key": "示例键",
    # more mart columns
    "current": "未到期", "1-30": "1-30 天", "31-60": "31-60 天", "61-90": "61-90 天", "91-180": "91-180 天",
    "181+": "181 天以上", "amount_difference": "金额差异", "quantity_difference": "数量差异",
    "approved_a_on": "A 方批准日", "approved_b_on": "B 方批准日", "claimed_b_on": "B 方报备日",
    "protected_a_until": "A 方保护期至", "protected_b_until": "B 方保护期至", "protected_until": "保护期至",
    "approved_at": "批准时间", "approved_special_price": "批准特价", "lowest_approved_price": "最低批准价",
    "billed_receivables": "当月开票应收", "total_open": "应收余额", "overdue_amount": "逾期金额",
    "breached_at": "违约时间", "business_minutes": "工作分钟", "claim_a_status": "A 方报备状态",
    "claim_b_status": "B 方报备状态", "claim_a_type": "A 方类型", "claim_b_type": "B 方类型",
    "owner_a_type": "A 方归属", "owner_b_type": "B 方归属", "typed_name_a": "A 方录入名称",
    "typed_name_b": "B 方录入名称", "conflict_key": "撞单键", "competing_registrations": "竞争报备数",
    "converted_leads": "已转化线索", "cost_per_lead": "单条线索成本", "pipeline_amount": "商机金额",
    "open_pipeline_amount": "在途商机金额", "pipeline_to_cost": "商机/成本倍数", "start_date": "开始日期",
    "end_date": "结束日期", "credit_rating": "信用等级", "critical_hits": "严重命中", "critical_rules_hit": "严重规则命中",
    "rules_hit": "命中规则数", "rule_ids": "规则", "current_company_key": "当前公司键", "customer_name": "客户名称",
    "decided_at": "决定时间", "decided_by": "决定人", "decided_company_key": "决定公司键", "disputed": "有异议",
    "duration_seconds": "时长（秒）", "estimated_amount": "预计金额", "installments_due": "到期期数",
    "installments_late": "逾期期数", "installments_late_30": "逾期30天以上期数", "installments_paid": "已付期数",
    "is_duration_outlier": "时长异常", "marginal_rebate": "边际返点", "rebate": "返点", "retroactive_rebate": "追溯返点",
    "max_days_late": "最长逾期天数", "method": "方法", "normalized_name": "规范化名称", "net_purchases": "净采购额",
    "purchases": "采购额", "returns": "退货额", "occurrences": "出现次数", "open_amount_due": "到期未付",
    "overtime_orders": "超时工单", "prior_count": "历史期数", "prior_rep_opportunities": "历史商机数",
    "prior_share_late30": "历史逾期30天以上占比", "share_paid_late": "逾期付款占比", "protection_days": "保护天数",
    "protection_status": "保护状态", "qa_score": "质检分", "rate_reached": "达到返点率", "tier_reached": "达到阶梯",
    "record_type": "记录类型", "registry_match": "工商库匹配", "report_amount": "伙伴金额", "vendor_amount": "厂商金额",
    "report_customer_name": "伙伴报表客户", "vendor_customer_name": "厂商客户", "report_quantity": "伙伴数量",
    "vendor_quantity": "厂商数量", "report_unit_price": "伙伴单价", "vendor_unit_price": "厂商单价",
    "report_lines_below_approved_price": "低于批准价行数", "resolution_method": "匹配方法",
    "resolution_score": "匹配得分", "review_priority": "复核优先级", "sources": "来源",
    "special_price_requests": "特价申请数", "special_prices_approved": "已批特价数", "tier_a_customers": "A 级客户数",
    "upload_file_hash": "文件哈希", "upload_file": "上传文件", "uploaded_at": "上传时间", "lines_matched": "一致行数",
    "lines": "行数", "lines_matched_special_price": "特价一致行数", "lines_price_differs": "价格不符行数",
    "lines_quantity_differs": "数量不符行数", "lines_missing_in_partner_report": "伙伴报表缺失行数",
    "lines_missing_in_vendor_records": "厂商记录缺失行数", "upload_load_id": "上传批次",
    "customer_360": "客户360",
}

# Columns whose name alone would mislead the rules below.
NAME_KINDS: dict[str, str] = {
    "pipeline_to_cost": "number", "quantity_difference": "number", "report_lines_below_approved_price": "count",
    "customer_360": "link",  # a page address (customer 360), whatever its text says
    "batch_no": "text", "plan_version": "text", "avg_days_late": "number", "total_open": "money", "cost_per_lead": "money",
    # a statement's line counts (the "price" in their names is not money)
    "lines_matched_special_price": "count", "lines_price_differs": "count", "lines_quantity_differs": "count",
    "lines_missing_in_partner_report": "count", "lines_missing_in_vendor_records": "count",
}

# Raw codes of the marts and the store -> Chinese (English kept where the code is a term of art).
CODE_LABELS: dict[str, str] = {
    # generic states
    "new": "新建", "open": "进行中", "in_progress": "处理中", "closed": "已关闭", "resolved": "已解决",
    "pending": "待处理", "pending_approval": "待审批", "approved": "已批准", "rejected": "已驳回",
    "draft": "草稿", "confirmed": "已确认", "disputed": "有异议", "cancelled": "已取消", "won": "赢单",
    "payable": "已放行应付", "rebate": "返点", "market_fund": "市场基金", "promotion_subsidy": "促销补贴",
    "lost": "输单", "converted": "已转化", "qualified": "已确认线索", "paid": "已回款", "partial": "部分回款",
    "active": "有效", "expired": "已过期", "insert": "新增", "update": "修改", "delete": "删除",
    "approve": "批准", "reject": "驳回", "accept": "合并", "submitted": "已提交", "completed": "已完成",
    "assigned": "已分配", "returned": "已退回",
    # SLA
    "met": "达成", "breached": "违约", "breached_open": "已违约（未结）", "at_risk": "临近违约",
    "on_track": "正常", "running": "计时中", "paused": "暂停", "first_response": "首次响应",
    "next_response": "再次响应", "resolution": "解决",
    # pipeline movement
    "pulled_in": "提前进入", "reopened": "重新打开", "amount_up": "金额增加", "amount_down": "金额减少",
    "pushed_out": "推迟", "moved_earlier": "提前", "slipped": "延期", "unchanged": "未变",
    # forecast categories and stages
    "pipeline": "管道", "best_case": "最佳", "commit": "承诺", "omitted": "不计入",
    "prospecting": "初步接触", "qualification": "需求确认", "proposal": "方案报价", "negotiation": "商务谈判",
    "closed_won": "赢单", "closed_lost": "输单",
    # partner reconciliation
    "matched": "一致", "missing_in_partner_report": "伙伴报表缺失", "missing_in_vendor_records": "厂商记录缺失",
    "amount_mismatch": "金额不符", "quantity_mismatch": "数量不符", "retroactive": "追溯调整",
    "duplicate": "重复", "tolerance": "容差内", "quantity_differs": "数量不符", "price_violation": "价格违规",
    "amount_differs": "金额不符",
    # commission
    "commission": "提成", "adjustment": "调整", "order": "订单", "receipt": "回款", "payment": "回款",
    "tiered": "阶梯", "flat": "固定比例",
    # service channels, priorities, dispatch
    "phone": "电话", "chat": "在线", "web": "网页", "wechat": "微信", "low": "低", "medium": "中",
    "high": "高", "urgent": "紧急", "critical": "严重", "grab": "抢单", "assign": "派单",
    # finance
    "current": "未到期",
}

# Columns whose values are codes (shown through CODE_LABELS).
CODE_COLUMNS = frozenset({
    "status", "sla_status", "movement_category", "line_class", "forecast_category", "stage", "action",
    "decision", "line_kind", "source_type", "rule_kind", "dispatch_mode", "metric", "channel",
    "priority", "severity", "risk_band", "period_type",
})

# -- what a column is ---------------------------------------------------------------------------

MONEY, RATIO, PERCENT, COUNT, NUMBER, DATE, DATETIME, ID, CODE, TEXT = (
    "money", "ratio", "percent", "count", "number", "date", "datetime", "id", "code", "text")
LINK = "link"  # a page address (customer_360?company=…), shown as a link

_MONEY = re.compile(r"(^|_)(amount|price|cost|revenue|forecast|outstanding|difference|total|closed_won|"
                    r"receivables|at_stake|rebate|purchases|returns)$|(^|_)amount_")
_RATIO = re.compile(r"(^|_)(rate|probability|share|attainment|ratio|roi|precision_at_1)$|(^|_)(rate|share)_")
_PERCENT = re.compile(r"(^|_)pct$")
_COUNT = re.compile(r"(^|_)(count|leads|opportunities|tickets|customers|conversations|orders|rows|files|lines|"
                    r"met|breached|completed|installments|people|keys|seq|rank|version|minutes|days_overdue|hits|"
                    r"hit|occurrences|requests|approved|registrations|due|paid|late|late_30)$|^lines_")
_NUMBER = re.compile(r"(^|_)(days|score|weight|quantity|tier_from|tier_to|seconds|priority)$")


def kind(name: str, series: pd.Series | None = None) -> str:
    """What column ``name`` holds, from its name first and its type second."""
    if name == "id" or name.endswith("_id"):
        return ID
    if name in CODE_COLUMNS:
        return CODE
    if name in NAME_KINDS and (series is None or NAME_KINDS[name] in (TEXT, LINK)
                               or pd.api.types.is_numeric_dtype(series)):
        return NAME_KINDS[name]
    numeric = series is None or pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if not numeric:
        return _by_type(name, series)
    if _PERCENT.search(name):
        return PERCENT
    if _RATIO.search(name):
        return RATIO
    if _MONEY.search(name):
        return MONEY
    if _COUNT.search(name):
        return COUNT
    if _NUMBER.search(name):
        return NUMBER
    return _by_type(name, series)


def _by_type(name: str, series: pd.Series | None) -> str:
    if series is not None:
        if pd.api.types.is_datetime64_any_dtype(series):
            non_null = series.dropna()
            midnight = non_null.empty or bool((non_null == non_null.dt.normalize()).all())
            return DATE if midnight and not name.endswith("_at") else DATETIME
        if series.dtype == object:
            first = next((v for v in series if v is not None and not _blank(v)), None)
            if isinstance(first, dt.datetime):
                return DATETIME
            if isinstance(first, dt.date):
                return DATE
        if pd.api.types.is_bool_dtype(series):
            return TEXT
        if pd.api.types.is_integer_dtype(series):
            return COUNT
        if pd.api.types.is_numeric_dtype(series):
            return NUMBER
    return TEXT


def column_label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """The people's header of column ``name``: a page's own label, the shared one, or the name."""
    if labels and name in labels:
        return labels[name]
    return COLUMN_LABELS.get(name, name)


# -- text formatters (metric tiles, pickers, exports) ----------------------------------------------

def _blank(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def money(value: Any, decimals: int = 2) -> str:
    """¥ with thousands separators, the sign before the ¥: 3516234.25 -> ¥3,516,234.25, -5 -> -¥5.00."""
    if _blank(value):
        return ""
    number = float(value)
    sign = "-" if number < 0 and round(abs(number), decimals) != 0 else ""
    return f"{sign}¥{abs(number):,.{decimals}f}"


def wan(value: Any) -> str:
    """Compact money for tight places: 15,680,000 -> ¥1,568.0万."""
    if _blank(value):
        return ""
    number = float(value)
    if abs(number) < 10_000:
        return money(number)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number) / 10_000:,.1f}万"


def percent(value: Any, decimals: int = 1, *, already_percent: bool = False) -> str:
    """A ratio as a percentage: 0.22 -> 22.0% (``already_percent``: 22 -> 22.0%)."""
    if _blank(value):
        return ""
    number = float(value) if already_percent else float(value) * 100
    return f"{number:.{decimals}f}%"


def count(value: Any) -> str:
    """A whole number with thousands separators: 1234.0 -> 1,234."""
    if _blank(value):
        return ""
    return f"{round(float(value)):,}"


def number(value: Any, decimals: int = 1) -> str:
    if _blank(value):
        return ""
    return f"{float(value):,.{decimals}f}"


def day(value: Any) -> str:
    """A date without its time: 2026-10-01 00:00:00 -> 2026-10-01."""
    if _blank(value):
        return ""
    if isinstance(value, str):
        return value[:10]
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def moment(value: Any) -> str:
    """A date and time to the minute: 2026-10-01 09:30."""
    if _blank(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def quarter(value: Any) -> str:
    """A quarter's first day as people name it: 2026-10-01 -> 2026 Q4."""
    if _blank(value):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.year} Q{(stamp.month - 1) // 3 + 1}"


def month(value: Any) -> str:
    """A month as 2026-09 (statements, commission periods)."""
    if _blank(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m")


def code(value: Any) -> str:
    """A raw status code as its Chinese label (the code itself when it has none); blank stays blank."""
    if _blank(value):
        return ""
    return CODE_LABELS.get(str(value), str(value))


def identifier(value: Any) -> str:
    """An id as text, all its digits (a spreadsheet shows 1000000001126 as 1E+12 otherwise)."""
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text(value: Any) -> str:
    """Any cell as text, ``None``/NaN as blank (never "None")."""
    return "" if _blank(value) else str(value)


FORMATTERS = {MONEY: money, RATIO: percent, PERCENT: lambda v: percent(v, already_percent=True), COUNT: count,
              NUMBER: number, DATE: day, DATETIME: moment, CODE: code, ID: identifier, TEXT: text, LINK: text}


def cell(name: str, value: Any, kinds: Mapping[str, str] | None = None) -> str:
    """One value of column ``name`` as people read it (the kind from ``kinds`` or the name)."""
    return FORMATTERS[(kinds or {}).get(name) or kind(name)](value)


# -- Streamlit tables -----------------------------------------------------------------------------

def _config(name: str, what: str, series: pd.Series, label: str) -> Any:
    import streamlit as st

    cc = st.column_config
    helptext = name  # the snake_case name stays findable (docs, SQL) in the header's tooltip
    if what == MONEY:
        return cc.NumberColumn(label, help=helptext, format="yen", step=0.01)
    if what == RATIO:
        return cc.NumberColumn(label, help=helptext, format="percent", step=0.001)
    if what == PERCENT:
        return cc.NumberColumn(label, help=helptext, format="%.1f%%")
    if what == COUNT:
        return cc.NumberColumn(label, help=helptext, format="localized", step=1)
    if what == NUMBER:
        return cc.NumberColumn(label, help=helptext, format="localized", step=0.1)
    if what == DATE:
        return cc.DateColumn(label, help=helptext, format="YYYY-MM-DD")
    if what == DATETIME:
        return cc.DatetimeColumn(label, help=helptext, format="YYYY-MM-DD HH:mm")
    if what == CODE:
        options = sorted({str(v) for v in series.dropna().unique()})
        return cc.SelectboxColumn(label, help=helptext, options=options, format_func=code)
    if what == ID:
        return cc.TextColumn(label, help=helptext)
    if what == LINK:
        return cc.LinkColumn(label, help=helptext, display_text="打开 Open")
    return cc.Column(label, help=helptext)


def column_config(
    frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None, kinds: Mapping[str, str] | None = None,
    show_ids: bool | Iterable[str] = False,
) -> dict[str, Any]:
    """``column_config`` for ``st.dataframe``: Chinese headers, typed formats, ids hidden (``None``)
    unless ``show_ids`` (True, or the id columns to keep)."""
    keep = set(show_ids) if not isinstance(show_ids, bool) else set()
    config: dict[str, Any] = {}
    for name in frame.columns:
        name = str(name)
        what = (kinds or {}).get(name) or kind(name, frame[name])
        if what == ID and show_ids is not True and name not in keep:
            config[name] = None
            continue
        config[name] = _config(name, what, frame[name], column_label(name, labels))
    return config


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as handed to Streamlit: Decimal columns (DuckDB ``decimal``) as floats, since the
    typed number formats apply to numbers only."""
    out = frame.copy()
    for name in out.columns:
        series = out[name]
        if series.dtype == object:
            first = next((v for v in series if not _blank(v)), None)
            if first is not None and type(first).__name__ == "Decimal":
                out[name] = pd.to_numeric(series, errors="coerce")
    return out


def table(
    frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None, kinds: Mapping[str, str] | None = None,
    show_ids: bool | Iterable[str] = False, key: str | None = None, **kwargs: Any,
) -> Any:
    """``st.dataframe`` of ``frame`` for people: see ``column_config``; empty cells blank."""
    import streamlit as st

    data = shown(frame)
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return st.dataframe(
        data, column_config=column_config(data, labels=labels, kinds=kinds, show_ids=show_ids),
        placeholder="", key=key, **kwargs,
    )


# -- exports --------------------------------------------------------------------------------------

XLSX_FORMATS = {MONEY: '"¥"#,##0.00;-"¥"#,##0.00', RATIO: "0.0%", PERCENT: '0.0"%"', COUNT: "#,##0",
                NUMBER: "#,##0.0", DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm", ID: "@"}


def for_export(
    frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None, kinds: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """A copy for people's spreadsheets: Chinese headers, codes as labels, ids as text, empty as
    blank; and the kind of each (renamed) column, for the XLSX number formats."""
    out = shown(frame)
    header_kinds: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for name in out.columns:
        name = str(name)
        what = (kinds or {}).get(name) or kind(name, out[name])
        if what == CODE:
            out[name] = out[name].map(code)
        elif what == ID:
            out[name] = out[name].map(identifier)
        elif what == DATE:  # a date, not a midnight datetime: spreadsheets then show no time
            stamps = pd.to_datetime(out[name], errors="coerce")
            out[name] = [None if _blank(v) else v.date() for v in stamps]
        elif what == DATETIME:
            out[name] = pd.to_datetime(out[name], errors="coerce")
        header = column_label(name, labels)
        if header in renamed.values():
            header = f"{header} ({name})"
        renamed[name] = header
        header_kinds[header] = what
    return out.rename(columns=renamed), header_kinds
