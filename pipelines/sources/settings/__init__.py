"""The company's business settings (``CRMLAKE_CONFIG_DIR``) as warehouse tables for dbt."""
