"""Extraction from the operational store (the entry screens' database) into ``raw/ops``."""
