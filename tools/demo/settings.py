"""The demo company's business settings, written beside its landing zone by ``crmlake demo``.

Only what the demo data needs differs from the neutral defaults: the company is marked as a
demo (demo logins follow demo data), its first commission periods are closed
(``lock_through``), and its two CRM positions are on the demo's commission plans. A settings
folder a user wrote (``company.demo`` not true) is never overwritten without ``overwrite``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from kernel.config import BusinessSettings, write_settings
from kernel.config.model import Commission, Company, ExpenseBudget, Finance, PositionPlan, Sales

# monthly sales expense budgets of 2026 by department code: the S=1 demo's reps spend about
# ¥30-90k a month per department, so some months land over budget (the 费用 Expenses page)
DEMO_EXPENSE_BUDGETS = [
    ExpenseBudget(department=code, month=f"2026-{month:02d}", amount=amount)
    for code, amount in (("D0101", 60_000), ("D0102", 60_000), ("D0201", 60_000), ("D0301", 50_000),
                         ("D0401", 80_000))
    for month in range(1, 13)
]

DEMO_SETTINGS = BusinessSettings(
    company=Company(name="示例科技有限公司 Demo Tech Co., Ltd.", demo=True),
    finance=Finance(
        commission=Commission(
            lock_through=date(2026, 6, 30),
            position_plans=[
                PositionPlan(position="sales_rep", plan_code="FLAT-STD", plan_version=1,
                             effective_from=date(2020, 1, 1)),
                PositionPlan(position="sales_manager", plan_code="MGR-TEAM", plan_version=1,
                             effective_from=date(2020, 1, 1)),
            ],
        ),
        expense_budgets=DEMO_EXPENSE_BUDGETS,
    ),
    # the demo's deals move fast (about two weeks a stage): two quiet weeks already stall one
    sales=Sales(stalled_deal_days=14),
)


class UserSettingsExist(RuntimeError):
    """The settings folder holds a user's settings; the demo must not replace them."""


def is_demo_folder(config_dir: Path) -> bool:
    """True when the folder holds no settings file, or ``company.yml`` says ``demo: true``."""
    files = list(config_dir.glob("*.y*ml")) if config_dir.is_dir() else []
    if not files:
        return True
    company = config_dir / "company.yml"
    try:
        doc = yaml.safe_load(company.read_text(encoding="utf-8")) if company.is_file() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(doc, dict) and doc.get("demo") is True


def write_demo_settings(config_dir: Path, overwrite: bool = False) -> list[Path]:
    """Write the demo's settings into ``config_dir`` (every file, replacing a previous demo's).

    Raises :class:`UserSettingsExist` when the folder holds settings that are not the demo's,
    unless ``overwrite``.
    """
    config_dir = Path(config_dir)
    if not overwrite and not is_demo_folder(config_dir):
        raise UserSettingsExist(
            f"{config_dir} holds business settings that are not the demo's (company.yml has no "
            f"`demo: true`); the demo will not overwrite them. Write the demo's settings elsewhere "
            f"(crmlake demo --config-dir DIR, or CRMLAKE_CONFIG_DIR=DIR), or replace them with "
            f"--overwrite-settings."
        )
    return write_settings(config_dir, DEMO_SETTINGS, force=True)
