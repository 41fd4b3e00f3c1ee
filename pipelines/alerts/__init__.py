"""Alerts after each publish (issue 19): conditions of the published snapshot and the store,
turned into alerts for people (``operational.alerts``) and sent over e-mail and group webhooks."""
