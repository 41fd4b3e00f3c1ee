"""service.yml ``dispatch``: how field work orders leave the dispatch pool (派单/抢单, issue 21).

Per service group (the work order's team) an order is either offered to the group's engineers to
grab (抢单) or assigned by a service manager (派单); a grab offer that nobody takes within
``grab_timeout_minutes`` is force-assigned by rule (operational/workflows/dispatch.py), so a
branch chooses its mode here without a code change.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DispatchMode = Literal["grab", "assign"]


class Dispatch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_mode: DispatchMode = Field("grab", description=(
        "grab: an order entering the pool is offered to its group's engineers; assign: a service "
        "manager assigns it. Used for every group not listed in group_modes."))
    group_modes: dict[str, DispatchMode] = Field(default_factory=dict, description=(
        "Service group (work-order team, e.g. 现场服务组) -> grab | assign, overriding default_mode."))
    grab_timeout_minutes: int = Field(30, ge=1, le=10_080, description=(
        "Clock minutes a grab offer stays open; at exactly this many minutes after it entered the "
        "pool an ungrabbed order is force-assigned (nearest free engineer by skill and load)."))
    max_open_orders: int = Field(3, ge=1, le=100, description=(
        "An engineer with this many orders dispatched, accepted or on site is not free: the "
        "forced assignment passes them over."))

    def mode_of(self, group: str | None) -> DispatchMode:
        return self.group_modes.get(group or "", self.default_mode)
