"""The hub's database: SQLAlchemy 2 tables, Alembic migrations and the ``Store`` repository.

The rest of the hub talks to the database only through ``Store``::

    store = Store.open(settings.database_url)   # migrates to head by default
    store.save_visit(visit)
    seq = store.append_event(event)

``upgrade(url)`` runs the migrations shipped in this package; see ``docs/store.md``.
"""

from hub.store.errors import StaleVisitError, StoreError, UnknownRecordError
from hub.store.migrate import current_revision, downgrade, head_revision, upgrade
from hub.store.store import Store

__all__ = [
    "StaleVisitError",
    "Store",
    "StoreError",
    "UnknownRecordError",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
]
