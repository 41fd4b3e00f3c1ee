"""`streamlit run apps/Home.py` as a subprocess on a free port, stopped (its own process group
only) when the block ends; its log is kept for the failure message. The one home is
``tools.browser_app`` (also behind `make screens`)."""

from __future__ import annotations

from tools.browser_app import REPO, free_port, streamlit_app

__all__ = ["REPO", "free_port", "streamlit_app"]
