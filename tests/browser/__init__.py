"""Helpers of the browser end-to-end test: Chromium via Playwright, a Streamlit server, waits."""
