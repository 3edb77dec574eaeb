"""MyConcern-style safeguarding system: risk flags and visit notes. See README.md."""

from hub.adapters.myconcern.adapter import MyConcernAdapter

__all__ = ["MyConcernAdapter"]
