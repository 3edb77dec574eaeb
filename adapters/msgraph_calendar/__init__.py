"""Microsoft 365 calendars through Microsoft Graph: visit bookings. See README.md."""

from hub.adapters.msgraph_calendar.adapter import MsGraphCalendarAdapter

__all__ = ["MsGraphCalendarAdapter"]
