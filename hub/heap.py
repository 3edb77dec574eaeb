"""Keeping the garbage collector's pauses out of a long-running server's answers.

A hub process holds a large, long-lived heap once it runs (modules, settings, the
policy packs, the web app, the engine and DBOS). CPython's full collections walk all
of it: in ``bench/api.py --engine`` one stopped the server for about 130 ms every
30-40 s, the whole tail of the check-in latency. ``settle_heap`` collects once and
then freezes what is alive (``gc.freeze``), so later collections walk only what
requests and timers allocate since.
"""

from __future__ import annotations

import gc


def settle_heap() -> int:
    """Collect, then move every object alive now out of the collector's generations.

    Call once, when the server has started. Returns how many objects were frozen.
    Frozen objects are never collected, so only call it after start-up garbage is gone
    (the collection first) and never in a loop.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
