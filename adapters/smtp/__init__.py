"""E-mail through the school's mail server (SMTP with STARTTLS). See README.md.

``messages`` holds the rules every notification channel shares (minimal content, the
per-school directory); the govuk_notify, teams and webhook adapters import it too.
"""

from hub.adapters.smtp.adapter import SmtpAdapter

__all__ = ["SmtpAdapter"]
