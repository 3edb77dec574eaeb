"""The durable engine: safety timers, the escalation ladder and deliveries on DBOS."""
