"""Doorstep: a plugin-based integration hub for school home visits.

Plugin authors import the hook marker from here::

    from hub import hookimpl
"""

from importlib.metadata import PackageNotFoundError, version

from hub.hooks import hookimpl

try:
    __version__ = version("doorstep")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__", "hookimpl"]
