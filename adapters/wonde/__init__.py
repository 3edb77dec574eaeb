"""Wonde (UK MIS aggregator): pupils, contacts and attendance. See README.md."""

from hub.adapters.wonde.adapter import WondeAdapter

__all__ = ["WondeAdapter"]
