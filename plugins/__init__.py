"""Built-in plugins with no outside system, installed as ``hub.plugins``."""
