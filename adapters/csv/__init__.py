"""The ``csv`` adapter: pupils, contacts and attendance from SIMS/Arbor-style exports."""

from hub.adapters.csv.adapter import CsvAdapter

__all__ = ["CsvAdapter"]
