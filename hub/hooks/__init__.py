"""The plugin machinery: the project name and the public hook marker.

An adapter or plugin marks each hook implementation with ``@hookimpl``::

    from hub import hookimpl

    class MyAdapter:
        @hookimpl
        async def hub_pull_pupil(self, school, pupil_id):
            ...
"""

import pluggy

NAME = "doorstep"
hookimpl = pluggy.HookimplMarker(NAME)

__all__ = ["NAME", "hookimpl"]
