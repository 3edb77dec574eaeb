"""After the visit: attendance triggers, agreement tracking, letters, the referral
evidence pack and leaders' reports (issue 7).

Modules, one job each:

- ``register``: session marks and what each register code counts as.
- ``calendar``: term dates, half-terms and closures; school days and school weeks.
- ``records``: what follow-up keeps (prompts, proposals, letters, agreement tracking,
  referral decisions) as domain models; ``repository`` stores them.
- ``triggers``: the daily evaluation per school; ``daily`` pulls the register from the
  MIS first (the engine's schedule is ``hub.engine.daily``).
- ``decisions``: a person's decision on a referral prompt, with its reason.
- ``settings``: ``[followup]`` and ``[schools.<school>.followup]``; ``configured``
  turns them into the folder, calendar, thresholds and options the rest use.
- ``agreements``: pushing agreements to the MIS once and tracking whether they are kept.
- ``letters`` (with ``files`` and ``pdf``): reminder, appointment and calling-card letters.
- ``evidence``: the referral evidence pack for one pupil.
- ``reports``: the monthly visits report for leaders (``chart`` draws it).

The rules themselves are pure and live in the built-in plugin ``hub.plugins.attendance``.
This package imports nothing heavy at import time: WeasyPrint and matplotlib load
only when a PDF or a chart is made.
"""
