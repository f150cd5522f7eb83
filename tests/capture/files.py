"""Image and PDF files made in memory for capture's tests."""

from __future__ import annotations

import io
import zlib

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


def pdf_page_bytes(width_in: float, height_in: float, image_px: int) -> bytes:
    """A one-page PDF of ``width_in`` x ``height_in`` inches whose page is covered by a
    bitonal image declared ``image_px`` pixels square (its data a few bytes of zlib:
    the whole file is about a kilobyte, however large the image it declares)."""
    stream = zlib.compress(b"\0" * 1024)
    width, height = round(width_in * 72), round(height_in * 72)
    content = f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
        f"/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (image_px, image_px, len(stream), stream),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
