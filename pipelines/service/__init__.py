"""Service area: business calendar, SLA helpers, call-center QA engine, requirement suggestions."""
