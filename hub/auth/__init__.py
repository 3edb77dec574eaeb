"""Users, API tokens, roles per school and sessions."""
