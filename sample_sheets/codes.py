"""Machine-readable numbers printed on every page: lithocode check digits and the
page-id strip's bit layout. Pure functions shared by the renderer, the deck
generator and the OMR reader, so that what is printed and what is read agree.

Page-id strip (16 cells, left to right as printed):
  cell 0       start bit, always 1 (also the reader's reference for printed black)
  cells 1–10   form code, 10 bits, most significant first (1–1023)
  cells 11–14  page number, 4 bits (1–15)
  cell 15      parity: makes the count of 1s in cells 1–15 even
A page fed upside down shows the strip at the bottom edge, where every form keeps
clear paper, so the strip decodes only in the right orientation.

Registration marks and the strip sit at the same place on every page of every
form (:func:`standard_registration`, :func:`standard_page_id`): the reader finds
them before it knows the form.
"""

from __future__ import annotations

from sample_sheets.model import PageIdStrip, RegistrationMark

PAGE_ID_CELLS = 16
REGISTRATION_INSET_IN = 0.4
"""Distance of each registration mark's centre from the two nearest page edges, inches."""
REGISTRATION_SIDE_IN = 0.2
PAGE_ID_STRIP = PageIdStrip(x_in=1.0, y_in=0.4, pitch_in=0.2, cell_w_in=0.12, cell_h_in=0.12,
                            cells=PAGE_ID_CELLS)
"""The strip along the top margin, between the top marks, left of centre (its
180° image falls on the bottom margin's right half)."""


def standard_registration(width_in: float, height_in: float) -> tuple[RegistrationMark, ...]:
    """The four corner marks of a page: top-left, top-right, bottom-left, bottom-right."""
    near, side = REGISTRATION_INSET_IN, REGISTRATION_SIDE_IN
    return tuple(RegistrationMark(x, y, side) for y in (near, height_in - near)
                 for x in (near, width_in - near))


def mod10_check_digit(serial: str) -> str:
    """Check digit by the mod 10, weights 3-1 rule (as ITF-14/UPC): from the
    rightmost digit of ``serial`` leftwards, weights 3, 1, 3, …"""
    if not serial.isdigit():
        raise ValueError(f"a lithocode serial is digits only, got {serial!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(serial)))
    return str((10 - total % 10) % 10)


def lithocode_for(serial: int, digits: int = 8) -> str:
    """The full printed lithocode (serial zero-padded, then its check digit)."""
    body = str(serial).zfill(digits - 1)
    if len(body) != digits - 1:
        raise ValueError(f"serial {serial} does not fit in {digits - 1} digits")
    return body + mod10_check_digit(body)


def lithocode_valid(code: str, digits: int = 8) -> bool:
    """True when ``code`` has ``digits`` digits and its last digit checks."""
    return len(code) == digits and code.isdigit() and mod10_check_digit(code[:-1]) == code[-1]


def encode_page_id(form_code: int, page: int) -> list[int]:
    """The 16 bits printed in a page's id strip."""
    if not 1 <= form_code <= 1023:
        raise ValueError(f"form code must be 1–1023, got {form_code}")
    if not 1 <= page <= 15:
        raise ValueError(f"page number must be 1–15, got {page}")
    body = ([(form_code >> (9 - i)) & 1 for i in range(10)]
            + [(page >> (3 - i)) & 1 for i in range(4)])
    return [1, *body, sum(body) % 2]


def decode_page_id(bits: list[int] | tuple[int, ...]) -> tuple[int, int] | None:
    """(form code, page) from 16 read bits, or None when they are not a valid id."""
    if len(bits) != PAGE_ID_CELLS or bits[0] != 1 or sum(bits[1:]) % 2 != 0:
        return None
    form_code = int("".join(map(str, bits[1:11])), 2)
    page = int("".join(map(str, bits[11:15])), 2)
    if form_code == 0 or page == 0:
        return None
    return form_code, page
