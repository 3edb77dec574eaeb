"""The roll sync: pupils, contacts and attendance from a school's MIS into the store.

- ``hub.sync.plan``: pure planning (added / changed / removed / rejected) and the
  mass-change hold;
- ``hub.sync.runner``: ``run_sync`` pulls through a school's ``Hooks`` and writes
  the outcome in one transaction; ``sync_school`` is what the CLI and the durable
  engine's scheduled syncs call;
- ``hub.sync.progress``: a rich progress bar on a terminal, log lines otherwise;
- ``hub.sync.records``: the ``SyncRun`` kept per run (the store uses it).

This package's ``__init__`` imports nothing, so the store can import
``hub.sync.records`` without pulling the runner (which imports the store) in.
"""
