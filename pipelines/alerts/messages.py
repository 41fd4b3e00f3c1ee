"""The words of an alert: Chinese first, an English line under it, money as ¥1,234,567.89."""

from __future__ import annotations

from decimal import Decimal

EVENT_WORDS = {
    "open": ("提醒", "Alert"),
    "reminder": ("再次提醒", "Reminder"),
    "change": ("升级", "Escalated"),
    "close": ("已解除", "Cleared"),
}


def yuan(amount: Decimal | float | int | None) -> str:
    """¥ with thousands separators and two decimals; '¥—' when unknown."""
    if amount is None:
        return "¥—"
    return f"¥{Decimal(str(amount)).quantize(Decimal('0.01')):,}"


def bilingual(zh: str, en: str) -> str:
    return f"{zh}\n{en}"


def subject_line(event: str, title: str) -> str:
    zh, en = EVENT_WORDS.get(event, EVENT_WORDS["open"])
    return f"【{zh} {en}】{title}"


def message_text(event: str, body: str, link: str | None, recipient_name: str | None) -> str:
    """The text of one message about one alert (the body already holds both languages)."""
    lines = []
    if recipient_name:
        lines.append(f"@{recipient_name}")
    if event == "close":
        lines.append("该提醒的情况已解除。 The condition below no longer holds.")
    lines.append(body)
    if link:
        lines.append(f"查看 Open: {link}")
    return "\n".join(lines)
