"""The visit workflow, pure: states, guards, steps and the deadline calculator.

No I/O and no clock reads: every function takes ``now``. Steps return a
``Transition`` (the new visit and its events) or raise ``TransitionRefusedError``
with every reason in plain words.
"""

from hub.workflow.deadlines import (
    Deadline,
    DeadlineKind,
    OnTheDay,
    all_deadlines,
    due_time,
    next_deadline,
    rungs_due,
)
from hub.workflow.display import local_time, show_time
from hub.workflow.duress import matches_code_phrase
from hub.workflow.escalation import escalation_key, record_escalation
from hub.workflow.on_the_day import (
    acknowledge,
    close,
    record_check_in,
    record_doorstep_report,
    record_outcome,
)
from hub.workflow.planning import (
    assess,
    authorise,
    reject,
    request,
    require_second_staff,
    schedule,
    submit_for_authorisation,
    withdraw,
)
from hub.workflow.states import ALLOWED, can_move
from hub.workflow.transitions import Transition

__all__ = [
    "ALLOWED",
    "Deadline",
    "DeadlineKind",
    "OnTheDay",
    "Transition",
    "acknowledge",
    "all_deadlines",
    "assess",
    "authorise",
    "can_move",
    "close",
    "due_time",
    "escalation_key",
    "local_time",
    "matches_code_phrase",
    "next_deadline",
    "record_check_in",
    "record_doorstep_report",
    "record_escalation",
    "record_outcome",
    "reject",
    "request",
    "require_second_staff",
    "rungs_due",
    "schedule",
    "show_time",
    "submit_for_authorisation",
    "withdraw",
]
