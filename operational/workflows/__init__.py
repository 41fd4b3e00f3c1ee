"""Business actions the entry screens call; each takes ``(session, viewer, …)`` and raises
``ValidationError`` / ``PermissionDenied`` / ``StaleRecordError`` for the screen to show."""
