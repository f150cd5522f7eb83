"""Image and PDF files made in memory for capture's tests."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
from PIL import Image


def image_bytes(fmt="PNG", size=(850, 1100), dpi=(200, 200), frames=1, mode="L", **save):
    rng = np.random.default_rng(1)
    pages = [Image.fromarray((rng.random(size[::-1]) * 255).astype(np.uint8)).convert(mode)
             for _ in range(frames)]
    buffer = io.BytesIO()
    pages[0].save(buffer, fmt, dpi=dpi, save_all=frames > 1, append_images=pages[1:], **save)
    return buffer.getvalue()


def pdf_bytes(with_image: bool) -> bytes:
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(612, 792)
    if with_image:
        image = pdfium.PdfImage.new(pdf)
        image.set_bitmap(pdfium.PdfBitmap.from_pil(
            Image.fromarray(np.full((2200, 1700), 200, np.uint8)).convert("RGB")))
        image.set_matrix(pdfium.PdfMatrix().scale(612, 792))
        page.insert_obj(image)
        page.gen_content()
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()
