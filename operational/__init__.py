"""The operational store: the second CRM source system, written by the entry screens.

SQLAlchemy models and Alembic migrations (SQLite in WAL mode by default, PostgreSQL by URL),
login and row-level permissions, audited saves with optimistic concurrency, and the business
workflows the screens call. Design: ``docs/operational-store.md``.
"""
