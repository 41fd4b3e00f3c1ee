"""Streamlit page scripts (run by path from Home.py; a package only so the import contracts see them)."""
