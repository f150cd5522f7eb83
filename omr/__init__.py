"""OMR: a pure library from page image and form definitions to mark record.

No web, no database, no queue. Modules, in the order a page goes through them:
image_io (safe decoding), registration and identify (where the page lies and
which form page it is), sampling and levels (bubble darkness 0–15), decisions
(value and flags per key), barcodes (lithocode, labels, batch codes), record
(the MarkRecord and its JSON form), read (the whole page), cli (``scanscore read``).
"""

from omr.errors import ReadError
from omr.read import ReadOptions, read_file, read_page
from omr.record import CodeRead, KeyRead, MarkRecord, RegistrationQuality

__all__ = ["CodeRead", "KeyRead", "MarkRecord", "ReadError", "ReadOptions",
           "RegistrationQuality", "read_file", "read_page"]
