"""The shared kernel: settings, the source contract, company names, the business calendar, the
engine switch and the publish status. Every other package may import it; it imports none of them
(an import-linter contract in pyproject.toml holds the rule)."""
