"""``doorstep demo``: one whole visit on embedded defaults, with fake data only."""
