import io

import cv2
import numpy as np
import pytest
from PIL import Image

from omr.errors import ReadError
from omr.image_io import decode, probe, read_image_file


def _page(rows=330, cols=255):
    img = np.full((rows, cols), 240, np.uint8)
    img[100:200, 50:150] = 20
    return img


def _encode(ext, img):
    ok, buf = cv2.imencode(ext, img)
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif"])
def test_decodes_each_format_to_gray(ext):
    pages = decode(_encode(ext, _page())).pages
    assert len(pages) == 1 and pages[0].shape == (330, 255) and pages[0].dtype == np.uint8


def test_multipage_g4_tiff_gives_every_page():
    buf = io.BytesIO()
    frames = [Image.fromarray(_page()).convert("1") for _ in range(3)]
    frames[0].save(buf, "TIFF", compression="group4", save_all=True, append_images=frames[1:])
    decoded = decode(buf.getvalue())
    assert len(decoded.pages) == 3 and decoded.pages[2][150, 100] == 0


def test_reduced_jpeg_decode_is_half_size_and_says_so():
    decoded = decode(_encode(".jpg", _page()), reduce=2)
    assert decoded.pages[0].shape == (165, 128) and decoded.scale == 2
    assert decode(_encode(".png", _page()), reduce=2).scale == 1


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"just some text, not an image\n", "not an image: starts with text"),
])
def test_refuses_non_images(data, reason):
    with pytest.raises(ReadError, match=reason):
        decode(data)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif"])
def test_refuses_truncated_files(ext):
    data = _encode(ext, np.random.default_rng(0).integers(0, 255, (330, 255), np.uint8))
    with pytest.raises(ReadError, match="truncated|not a readable"):
        decode(data[: len(data) // 2])


def test_refuses_huge_image_from_its_header_alone():
    buf = io.BytesIO()
    Image.new("1", (20_000, 20_000), 1).save(buf, "PNG")
    with pytest.raises(ReadError, match="too large"):
        probe(buf.getvalue())


def test_missing_file_is_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="cannot open"):
        read_image_file(tmp_path / "nope.png")
