"""Counting faces in a webcam snapshot, offline on the server, with OpenCV's Haar cascades.

This is a detector, not a recogniser: it says how many faces it sees, how bright the frame is and
whether it looks covered, never who anyone is (no template, no embedding, nothing biometric is kept).
Its answer only feeds the policy (``proctoring.policy``), whose findings a person reviews.

``read_frame`` never raises: an image it cannot read gives a reading that says so (``readable`` False,
``problem`` in words), which the policy treats as no evidence either way.

The parameters, and why (measured in ``bench/detector_rates.py``, published in
``docs/invigilation-flags.md``):

* ``MAX_SIDE`` 480: frames are scaled down so that their longer side is at most 480 px before
  detection. Snapshots are small already (the player sends about 320 x 240); a larger upload must
  not cost more time, and Haar features do not need more.
* ``MAX_PIXELS``: an image declaring more than 4096 x 4096 pixels is not decoded at all (a small JPEG
  can declare a huge canvas; decoding it would take the server's memory).
* ``DARK_BELOW`` 40: mean grey level (0-255) under which a frame is "too dark to see". A lit face
  in a room is 80-160; a lens in a dim room with the screen as the only light is 20-40.
* ``UNIFORM_BELOW`` 10: standard deviation of grey under which a frame is near-uniform: a covered
  lens, a blank or frozen black frame. Any real scene, however dull, varies more.
* CLAHE (contrast-limited adaptive histogram equalisation, clip 2.0 on 8 x 8 tiles): each frame is
  searched twice, as taken and equalised. Equalising lifts faces in dim rooms and faces with less
  contrast between skin and shadows (where Haar cascades trained on mostly light-skinned, well-lit
  faces are known to miss more); the clip limit stops it amplifying sensor noise into false faces.
* Cascades: OpenCV's ``haarcascade_frontalface_alt2`` (fewer false detections than ``default`` at
  the same recall) and ``haarcascade_profileface`` on the frame and on its mirror image (the cascade
  knows one side only), so a head turned to read notes or a second monitor still counts.
* ``scaleFactor`` 1.1, ``minNeighbors`` 5: the usual trade; 5 neighbours keeps texture (posters,
  patterned walls) from becoming faces.
* ``MIN_FACE_FRACTION`` 0.08 of the shorter side (at least 24 px, the cascades' own window): a face
  smaller than that is too far away to be the candidate at the desk; a tiny face in a picture on the
  wall behind them should not be "several faces".
* Rotation: if no face is found upright, the frame is searched again rotated by +/-20 degrees (a
  tilted head); only then, so the usual one-face frame costs one pass.
* Overlapping boxes are one face: boxes whose intersection is at least ``MERGE_OVERLAP`` 0.3 of the
  smaller box (the same face found by two cascades, or at two scales) are merged.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

MAX_SIDE = 480
MAX_PIXELS = 4096 * 4096
DARK_BELOW = 40.0
UNIFORM_BELOW = 10.0
MIN_FACE_FRACTION = 0.08
MIN_FACE_PX = 24
SCALE_FACTOR = 1.1
MIN_NEIGHBOURS = 5
MERGE_OVERLAP = 0.3
ROTATIONS = (20.0, -20.0)
DETECTOR_VERSION = "haar-alt2+profile-clahe-1"


@dataclass(frozen=True)
class FrameReading:
    readable: bool
    faces: int = 0
    brightness: float = 0.0     # mean grey level, 0-255
    contrast: float = 0.0       # standard deviation of grey
    is_dark: bool = False
    is_uniform: bool = False    # near-uniform: covered, blank or black
    width: int = 0
    height: int = 0
    boxes: tuple[tuple[int, int, int, int], ...] = field(default=())  # x, y, w, h in the original frame
    problem: str = ""

    def as_payload(self) -> dict:
        """What a ``faces_counted`` log row keeps (no image, no boxes' content, just the counts)."""
        return {"readable": self.readable, "faces": self.faces, "brightness": round(self.brightness, 1),
                "contrast": round(self.contrast, 1), "is_dark": self.is_dark, "is_uniform": self.is_uniform,
                "width": self.width, "height": self.height, "boxes": [list(b) for b in self.boxes],
                "problem": self.problem, "detector": DETECTOR_VERSION}


@lru_cache(maxsize=None)
def _cascade(name: str) -> cv2.CascadeClassifier:
    # From OpenCV 5.0 only the contrib build has the cascades. Without them say so; never count
    # zero faces, which the policy would read as a candidate who left.
    missing = RuntimeError(f"OpenCV's {name} is missing (install opencv-contrib-python-headless 5.x)")
    if not hasattr(cv2, "CascadeClassifier"):
        raise missing
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if cascade.empty():
        raise missing
    return cascade


@lru_cache(maxsize=None)
def _clahe():
    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """The image's size from its header, without decoding its pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a "decompression bomb" warning: the size check below decides
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


PASSES = (("haarcascade_frontalface_alt2.xml", False, False), ("haarcascade_frontalface_alt2.xml", True, False),
          ("haarcascade_profileface.xml", True, False), ("haarcascade_profileface.xml", True, True))
"""(cascade, on the equalised frame?, mirrored?): frontal as taken and equalised, profile both ways
equalised only (it is the slower cascade, and equalising never lost a profile in the bench)."""


def _detect(grey: np.ndarray, min_side: int, passes=PASSES) -> list[tuple[float, float, float, float]]:
    found = []
    equalised = None
    for name, equalise, flip in passes:
        if equalise and equalised is None:
            equalised = _clahe().apply(grey)
        image = equalised if equalise else grey
        source = cv2.flip(image, 1) if flip else image
        boxes = _cascade(name).detectMultiScale(source, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBOURS,
                                                minSize=(min_side, min_side))
        for x, y, w, h in (boxes if len(boxes) else []):
            if flip:
                x = source.shape[1] - x - w
            found.append((float(x), float(y), float(w), float(h)))
    return found


def _rotated(grey: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    h, w = grey.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(grey, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE), cv2.invertAffineTransform(matrix)


def _back(box, inverse: np.ndarray) -> tuple[float, float, float, float]:
    """A box found in a rotated frame, as the upright box around it in the frame as taken."""
    x, y, w, h = box
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]]).T
    moved = inverse @ corners
    left, top = moved[0].min(), moved[1].min()
    return left, top, moved[0].max() - left, moved[1].max() - top


def merge_boxes(boxes) -> list[tuple[float, float, float, float]]:
    """Boxes that overlap by at least ``MERGE_OVERLAP`` of the smaller one are one face (their union)."""
    merged: list[list[float]] = []
    for x, y, w, h in sorted(boxes, key=lambda b: -b[2] * b[3]):
        for other in merged:
            ox, oy, ow, oh = other
            overlap_w = min(x + w, ox + ow) - max(x, ox)
            overlap_h = min(y + h, oy + oh) - max(y, oy)
            if overlap_w > 0 and overlap_h > 0 and overlap_w * overlap_h >= MERGE_OVERLAP * min(w * h, ow * oh):
                left, top = min(x, ox), min(y, oy)
                other[:] = [left, top, max(x + w, ox + ow) - left, max(y + h, oy + oh) - top]
                break
        else:
            merged.append([x, y, w, h])
    return [tuple(b) for b in merged]


def read_frame(data: bytes) -> FrameReading:
    """Count the faces in one image (JPEG, or any format OpenCV reads) and say how dark and how
    uniform it is. Never raises for bad input."""
    if not data:
        return FrameReading(readable=False, problem="The image is empty.")
    size = _declared_size(data)
    if size is None:
        return FrameReading(readable=False, problem="The file is not an image that can be read.")
    if size[0] * size[1] > MAX_PIXELS:
        return FrameReading(readable=False, width=size[0], height=size[1],
                            problem=f"The image is too large to read ({size[0]} x {size[1]} pixels).")
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        return FrameReading(readable=False, problem="The image could not be decoded.")
    height, width = image.shape
    brightness, contrast = float(image.mean()), float(image.std())
    scale = min(1.0, MAX_SIDE / max(width, height))
    grey = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                      interpolation=cv2.INTER_AREA) if scale < 1 else image
    is_uniform = contrast < UNIFORM_BELOW
    boxes: list[tuple[float, float, float, float]] = []
    if not is_uniform and min(grey.shape) >= MIN_FACE_PX:
        min_side = max(MIN_FACE_PX, round(MIN_FACE_FRACTION * min(grey.shape)))
        boxes = merge_boxes(_detect(grey, min_side))
        if not boxes:
            for degrees in ROTATIONS:
                turned, inverse = _rotated(grey, degrees)
                boxes += [_back(b, inverse) for b in _detect(turned, min_side, PASSES[1:2])]
            boxes = merge_boxes(boxes)
    found = tuple(sorted((round(x / scale), round(y / scale), round(w / scale), round(h / scale))
                         for x, y, w, h in boxes))
    return FrameReading(readable=True, faces=len(found), brightness=brightness, contrast=contrast,
                        is_dark=brightness < DARK_BELOW, is_uniform=is_uniform, width=width, height=height,
                        boxes=found)


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """An RGB (or grey) array as JPEG bytes, as a browser's canvas would send it (tests and the bench)."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the image could not be encoded as JPEG")
    return buffer.tobytes()
