"""Raw assets of the erp source system (entities listed in kernel/contracts/sources.yml)."""

from pipelines.sources.raw_assets import raw_definitions

defs = raw_definitions("erp")
