"""``doorstep demo``: one whole visit with fake data only.

``live`` runs it on the durable engine in real time against the fakes (``hub.fakes``)
with the short demo pack; ``run`` is the simulated in-process run on its own clock
(``doorstep demo --simulated``).
"""
