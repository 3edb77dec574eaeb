"""Adapters to outside systems, one folder each, installed as ``hub.adapters``."""
