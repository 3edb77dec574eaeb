"""Where each thing went: read back from the fakes' own states after the demo.

Only ids, counts, channels, categories and statuses are shown: never a name, an
address, a phone number, an e-mail address or the text of a note or agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hub.fakes import RunningFakes

_ESCALATION_REF = re.compile(r"^escalate:.*:(?P<rung>\d+):[a-z0-9_]+(?::\d+)?$")


@dataclass(frozen=True)
class Notice:
    """One message a channel's fake accepted."""

    system: str
    channel: str
    external_id: str
    about: str


@dataclass
class Arrivals:
    """What reached each fake during the demo."""

    incidents: list[dict[str, Any]] = field(default_factory=list)
    agreements: list[dict[str, str]] = field(default_factory=list)
    calendar_events: list[dict[str, Any]] = field(default_factory=list)
    calendar_updates: int = 0
    notices: list[Notice] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The 'where each thing went' section of the demo's output."""
        out = ["Where each thing went (read back from the fakes):"]
        for incident in self.incidents:
            alert = incident.get("alert") or {}
            out.append(
                f"  CPOMS (fake)           incident {incident['id']} for student "
                f"{', '.join(incident.get('student_ids') or ['(tray)'])}, status "
                f"{incident.get('status')}, external ref {incident.get('external_ref')}, "
                f"alerting {', '.join(alert.get('groups') or []) or 'nobody'}"
            )
        for row in self.agreements:
            out.append(
                f"  MIS (agreements.csv)   row {row['reference']}: pupil {row['pupil_id']}, "
                f"agreement {row['agreement_id']}, owner {row['owner']}, due {row['due_by']}"
            )
        for event in self.calendar_events:
            out.append(
                f"  Outlook (fake Graph)   event {event['id']} '{event.get('subject')}', "
                f"{len(event.get('attendees') or [])} attendee(s), "
                f"updated {self.calendar_updates} time(s) after booking"
            )
        for notice in self.notices:
            out.append(
                f"  {notice.system:<22} {notice.channel:<6} {notice.external_id}  {notice.about}"
            )
        return out


def where_it_went(fakes: RunningFakes, school_id: str, visit_id: str) -> Arrivals:
    """Read the CPOMS, MIS, calendar and channel fakes for what the demo sent them."""
    arrivals = Arrivals()
    if "cpoms" in fakes.states:
        arrivals.incidents = list(fakes.state("cpoms").records)
    if "csv" in fakes.states:
        arrivals.agreements = list(fakes.state("csv").records)
    if "msgraph_calendar" in fakes.states:
        graph = fakes.state("msgraph_calendar")
        arrivals.calendar_events = list(graph.records)
        arrivals.calendar_updates = sum(1 for method, _ in graph.requests if method == "PATCH")
    arrivals.notices = notices(fakes)
    return arrivals


def notices(fakes: RunningFakes) -> list[Notice]:
    """Every message the GOV.UK Notify and Teams fakes accepted, in order."""
    found: list[Notice] = []
    if "govuk_notify" in fakes.states:
        for nid, sent in fakes.state("govuk_notify").records.items():
            found.append(
                Notice("GOV.UK Notify (fake)", sent["type"], nid, _about(sent.get("reference")))
            )
    if "teams" in fakes.states:
        for card, (webhook, _body) in fakes.state("teams").records.items():
            found.append(Notice("Teams (fake)", "teams", card, f"to the '{webhook}' webhook"))
    return found


def _about(reference: object) -> str:
    """What an escalation message was, from its idempotency key (ids only):
    ``escalate:{school}:{visit}:{kind}:{started}:{rung}:{channel}[:{n-th recipient}]``."""
    found = _ESCALATION_REF.search(str(reference or ""))
    if found is None:
        return "message"
    rung = found["rung"]
    return "escalation (duress or exhausted)" if rung == "0" else f"escalation rung {rung}"
