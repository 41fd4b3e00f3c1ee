"""The Streamlit apps: ``Home.py`` routes to ``views/``; the modules here are the data access and
guards the pages share. The folder is not called ``pages/``: Streamlit wraps the first connection
after a server start in its old pages-folder navigation when one exists, and a deep link in it
showed "Page not found". Imported as ``apps.<module>`` (one import root with the other packages)."""
