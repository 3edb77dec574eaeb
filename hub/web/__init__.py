"""The web UI: the office board, the DSL's queue, the phone check-in page and the visit record.

Server-rendered Jinja2 pages over the REST API's own handlers (``hub.api``), so the web
and the API share one set of rules: ``create_web_app`` builds the API app and adds the
pages under ``/web``. See ``docs/web.md``.
"""

from hub.web.app import create_web_app

__all__ = ["create_web_app"]
