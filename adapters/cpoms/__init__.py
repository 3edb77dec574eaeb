"""CPOMS-style safeguarding system: risk flags and visit notes. See README.md."""

from hub.adapters.cpoms.adapter import CpomsAdapter

__all__ = ["CpomsAdapter"]
