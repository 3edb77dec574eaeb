"""Looking at a PDF the way a person would: its text, and page one as a picture."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image


def pdf_text(path: Path) -> str:
    """All the text of every page."""
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def page_one(path: Path, scale: float = 1.0) -> Image.Image:
    """Page one rendered to an RGB picture (A4 at 72 dpi is 595 x 842)."""
    document = pdfium.PdfDocument(str(path))
    try:
        image: Image.Image = document[0].render(scale=scale).to_pil().convert("RGB")
        return image
    finally:
        document.close()


def ink(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of pixels in ``box`` (fractions of width and height) that are not white."""
    width, height = image.size
    region = image.crop(
        (int(box[0] * width), int(box[1] * height), int(box[2] * width), int(box[3] * height))
    ).convert("L")
    pixels = region.tobytes()
    return sum(1 for p in pixels if p < 200) / max(len(pixels), 1)


def dark_blue_share(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of pixels in ``box`` of the letters' banner colour (#1f3a5f)."""
    width, height = image.size
    region = image.crop(
        (int(box[0] * width), int(box[1] * height), int(box[2] * width), int(box[3] * height))
    )
    raw = region.tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    hits = sum(
        1 for r, g, b in pixels if abs(r - 0x1F) < 12 and abs(g - 0x3A) < 12 and abs(b - 0x5F) < 12
    )
    return hits / max(len(pixels), 1)
