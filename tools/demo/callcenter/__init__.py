"""Call center and service desk: agents, call records, transcripts, tickets with their events,
requirements, ratings and field work orders.

Service load follows the installed base (tickets only come from customers who bought). The
night team (夜间值班组) is understaffed, so first responses after 18:00 and at weekends are slow
and SLA breaches cluster there; ratings fall as resolution time grows. Call records and
transcripts are generated and written one month at a time to keep memory flat at large scales
(see ``landing``); ``build`` makes the tables the other systems and the calls depend on.
"""

from __future__ import annotations

from ..world import World
from . import field_service, knowledge, requirements, teams, tickets
from .landing import write as write_landing

__all__ = ["build", "write"]


def build(world: World) -> None:
    teams.agents(world)
    tickets.tickets_and_events(world)
    requirements.requirements_and_links(world)
    tickets.ticket_ratings(world)
    field_service.work_orders(world)
    knowledge.knowledge_articles(world)


def write(world: World, writer) -> None:
    write_landing(world, writer)
    knowledge.write(world, writer)
