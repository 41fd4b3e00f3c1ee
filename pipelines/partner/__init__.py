"""Partner area: company-name resolution (names.md) and channel-partner assets."""
