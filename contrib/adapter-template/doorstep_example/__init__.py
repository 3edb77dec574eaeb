"""Doorstep adapter for the Example MIS (a template: copy it, rename, replace the API)."""

from doorstep_example.adapter import ExampleAdapter

__all__ = ["ExampleAdapter"]
