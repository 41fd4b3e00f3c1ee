"""Shared pieces of the entry screens (form messages, stale-record notice, audit history)."""
