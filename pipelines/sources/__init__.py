"""Ingestion of the four source systems into the raw layer, one folder per system."""
