"""Raw assets of the crm source system (entities listed in kernel/contracts/sources.yml)."""

from pipelines.sources.raw_assets import raw_definitions

defs = raw_definitions("crm")
