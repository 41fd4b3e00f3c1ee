"""The Streamlit apps: ``Home.py`` routes to ``pages/``; the modules here are the data access and
guards the pages share. Imported as ``apps.<module>`` (one import root with the other packages)."""
