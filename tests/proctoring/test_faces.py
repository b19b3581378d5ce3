"""Face counting on images the repository may ship: scikit-image's public-domain and CC0 samples,
and frames made from them at test time (see tests/data/faces/README.md)."""
from __future__ import annotations

import numpy as np
import pytest
import skimage.data

from proctoring import faces
from proctoring.faces import encode_jpeg, read_frame


@pytest.fixture(scope="module")
def astronaut():
    return skimage.data.astronaut()


def test_the_astronaut_is_one_face(astronaut):
    reading = read_frame(encode_jpeg(astronaut))
    assert reading.readable and reading.faces == 1
    assert not reading.is_dark and not reading.is_uniform
    assert (reading.width, reading.height) == (512, 512)
    x, y, w, h = reading.boxes[0]
    assert 150 < x < 260 and 30 < y < 140 and 70 < w < 160  # Eileen Collins' face, top centre


def test_two_astronauts_side_by_side_are_two_faces(astronaut):
    assert read_frame(encode_jpeg(np.hstack([astronaut, astronaut[:, ::-1]]))).faces == 2


def test_a_blank_frame_is_no_face_and_uniform():
    reading = read_frame(encode_jpeg(np.full((240, 320, 3), 128, dtype=np.uint8)))
    assert reading.faces == 0 and reading.is_uniform and not reading.is_dark


def test_a_black_frame_is_dark_and_uniform():
    reading = read_frame(encode_jpeg(np.zeros((240, 320, 3), dtype=np.uint8)))
    assert reading.faces == 0 and reading.is_dark and reading.is_uniform and reading.brightness < 1


def test_a_dimmed_astronaut_is_dark_and_her_face_still_found(astronaut):
    reading = read_frame(encode_jpeg((astronaut * 0.15).astype(np.uint8)))
    assert reading.is_dark and not reading.is_uniform and reading.brightness < faces.DARK_BELOW
    assert reading.faces == 1  # the equalised pass finds her


def test_a_cat_and_a_cup_of_coffee_are_no_faces():
    assert read_frame(encode_jpeg(skimage.data.chelsea())).faces == 0
    assert read_frame(encode_jpeg(skimage.data.coffee())).faces == 0


def test_noise_is_no_face():
    noise = np.random.default_rng(12).integers(0, 256, size=(240, 320, 3), dtype=np.uint8)
    assert read_frame(encode_jpeg(noise)).faces == 0


def test_a_grey_image_is_read_too(astronaut):
    grey = (astronaut.mean(axis=2)).astype(np.uint8)
    assert read_frame(encode_jpeg(grey)).faces == 1


def test_a_large_frame_is_scaled_down_and_boxes_given_in_its_own_pixels(astronaut):
    big = np.kron(astronaut, np.ones((3, 3, 1), dtype=np.uint8))  # 1536 x 1536
    reading = read_frame(encode_jpeg(big))
    assert reading.faces == 1 and (reading.width, reading.height) == (1536, 1536)
    assert reading.boxes[0][0] > 400  # in the big frame's coordinates


@pytest.mark.parametrize("data, problem", [
    (b"", "The image is empty."),
    (b"not an image at all", "The file is not an image that can be read."),
    (b"\xff\xd8\xff\xe0" + b"0" * 100 + b"\xff\xd9", "The file is not an image that can be read."),
])
def test_unreadable_input_is_a_reading_that_says_so(data, problem):
    reading = read_frame(data)
    assert not reading.readable and reading.faces == 0 and reading.problem == problem


def test_a_truncated_jpeg_never_raises(astronaut):
    data = encode_jpeg(astronaut)
    reading = read_frame(data[: len(data) // 3])
    assert reading.problem or reading.readable  # read as far as it goes, or refused: never an exception


def test_an_image_declaring_a_huge_canvas_is_not_decoded():
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("L", (5000, 4000)).save(buffer, format="PNG")
    reading = read_frame(buffer.getvalue())
    assert not reading.readable and "too large" in reading.problem


def test_overlapping_boxes_are_one_face_and_separate_boxes_two():
    assert len(faces.merge_boxes([(10, 10, 100, 100), (30, 20, 90, 90)])) == 1
    assert len(faces.merge_boxes([(10, 10, 100, 100), (300, 20, 90, 90)])) == 2
    # A small box inside a big one (the same face at two scales) is one face.
    assert faces.merge_boxes([(10, 10, 100, 100), (40, 40, 20, 20)]) == [(10, 10, 100, 100)]


def test_the_payload_keeps_counts_not_pixels(astronaut):
    payload = read_frame(encode_jpeg(astronaut)).as_payload()
    assert payload["faces"] == 1 and payload["readable"] is True and payload["detector"] == faces.DETECTOR_VERSION
    assert set(payload) == {"readable", "faces", "brightness", "contrast", "is_dark", "is_uniform", "width",
                            "height", "boxes", "problem", "detector"}


@pytest.mark.parametrize("break_opencv", ["no cascade files", "no CascadeClassifier"])
def test_without_the_cascades_reading_a_frame_fails_loudly_and_never_counts_zero_faces(
        astronaut, monkeypatch, tmp_path, break_opencv):
    # The main opencv-python 5.x wheel has neither; counting zero faces would read as absence.
    if break_opencv == "no cascade files":
        monkeypatch.setattr(faces.cv2.data, "haarcascades", str(tmp_path) + "/")
    else:
        monkeypatch.delattr(faces.cv2, "CascadeClassifier")
    faces._cascade.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="install opencv-contrib-python-headless"):
            read_frame(encode_jpeg(astronaut))
    finally:
        faces._cascade.cache_clear()
