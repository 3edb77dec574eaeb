"""HTML to PDF with WeasyPrint, loaded only when a PDF is made.

WeasyPrint needs Pango (Debian: ``libpango-1.0-0`` and ``libpangoft2-1.0-0``) and at
least one font (``fonts-dejavu-core``). Its own log lines can quote the document's
text, so they are kept to errors only.
"""

from __future__ import annotations

import logging

QUIET_LOGGERS = ("weasyprint", "fontTools")


def html_to_pdf(html: str) -> bytes:
    """Render one HTML document (its CSS inline) to PDF bytes."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    import weasyprint  # type: ignore[import-untyped]  # heavy: only when a PDF is made

    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf is not None, "write_pdf without a target returns the bytes"
    return bytes(pdf)
