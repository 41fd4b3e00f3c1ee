"""Errors of the raw loaders.

A :class:`ContractError` is a *file-level* rejection: the file cannot be loaded as the contract
describes it (unparseable, undecodable, a required column missing). The loader catches it,
quarantines the file with the message and carries on with the next file. An
:class:`InvariantError` is a bug in the loader itself and stops the load.
"""

from __future__ import annotations


class ContractError(ValueError):
    """A landing file breaks the source contract as a whole; the message names the file."""


class InvariantError(RuntimeError):
    """rows_read != rows_loaded + rows_quarantined, or written files disagree with the counts."""
