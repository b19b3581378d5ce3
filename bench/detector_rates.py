"""Measure the face detector (``proctoring.faces.read_frame``) on every face image the repository can
lawfully ship, and print its miss and false-flag rates as Markdown.

    .venv/bin/python bench/detector_rates.py [--with-lfw] [--json]

The images: scikit-image's bundled samples whose licence allows it (public domain or CC0, each cited
in tests/data/faces/README.md), frames derived from them here at run time (scaled, darkened,
cropped, rotated, placed side by side, placed small in a larger scene), frames made from nothing
(blank, noise, a covered lens), and Chromium's default fake-camera frame, captured by
tests/browser/test_fake_camera_faces.py and kept in tests/data/faces/. Every image is labelled with
the truth (how many faces a person would count, and whether the frame is dark or covered).

``--with-lfw`` adds a supplementary run on the 100 face and 100 non-face crops of the Labeled Faces
in the Wild subset that scikit-image installs (``skimage.data.lfw_subset``). They are not shipped by
this repository (their licence is unclear) and are 25 x 25 pixels, upscaled: a rough check of the
miss rate on more than one person's face, nothing more.

What these numbers cannot tell: the samples show two or three people, so nothing here measures
how the detector does across skin tones, ages, glasses, head coverings or disabilities; see
docs/invigilation-flags.md for what a real validation would need.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import skimage.data as samples  # noqa: E402

from proctoring.faces import encode_jpeg, read_frame  # noqa: E402

FIXTURES = ROOT / "tests" / "data" / "faces"
WEBCAM = (320, 240)  # the player's snapshot size


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    image: np.ndarray
    faces: int            # the truth: faces a person would count
    dark: bool = False    # the truth: too dark to see, or covered
    note: str = ""


def rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif image.dtype != np.uint8:
        image = np.clip(image * (255 if image.max() <= 1 else 1), 0, 255).astype(np.uint8)
    return np.dstack([image] * 3) if image.ndim == 2 else image[..., :3]


def webcam(image: np.ndarray) -> np.ndarray:
    """A 4:3 frame of the image at the player's snapshot size (cropped to 4:3 around the centre)."""
    image = rgb(image)
    h, w = image.shape[:2]
    if w / h > 4 / 3:
        cut = int(h * 4 / 3)
        image = image[:, (w - cut) // 2:(w - cut) // 2 + cut]
    else:
        cut = int(w * 3 / 4)
        image = image[(h - cut) // 2:(h - cut) // 2 + cut]
    return cv2.resize(image, WEBCAM, interpolation=cv2.INTER_AREA)


def astronaut_frame() -> np.ndarray:
    """Eileen Collins framed as a webcam would: head and shoulders, 4:3 (rows 0-384 of the photo)."""
    return cv2.resize(samples.astronaut()[0:384, 0:512], WEBCAM, interpolation=cv2.INTER_AREA)


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def small_in_scene(image: np.ndarray, width: int) -> np.ndarray:
    """The image shrunk to ``width`` px and placed in a room-like background (the brick sample)."""
    scene = webcam(samples.brick())
    h = int(image.shape[0] * width / image.shape[1])
    small = cv2.resize(rgb(image), (width, h), interpolation=cv2.INTER_AREA)
    y, x = (WEBCAM[1] - h) // 2, (WEBCAM[0] - width) // 2
    scene[y:y + h, x:x + width] = small
    return scene


def cases() -> list[Case]:
    astronaut = samples.astronaut()
    cameraman = rgb(samples.camera())
    frame = astronaut_frame()
    rng = np.random.default_rng(20261206)
    found: list[Case] = []

    # No one there: sample photographs without a person, textures, blank and noise.
    for name in ("coffee", "chelsea", "rocket", "coins", "horse", "hubble_deep_field", "text", "brick", "grass",
                 "gravel", "clock", "immunohistochemistry", "retina", "cell"):
        found.append(Case("none", name, webcam(getattr(samples, name)()), 0))
    found.append(Case("none", "mid grey", np.full((240, 320, 3), 128, np.uint8), 0, dark=True,
                      note="blank: near-uniform, so 'covered' is the right reading"))
    found.append(Case("none", "noise", rng.integers(0, 256, (240, 320, 3), dtype=np.uint8), 0))
    found.append(Case("none", "noise, smoothed", cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8),
                                                                  (9, 9), 3), 0))
    fake = FIXTURES / "chromium-default-fake-camera.jpg"
    if fake.exists():
        found.append(Case("none", "Chromium's default fake camera",
                          cv2.cvtColor(cv2.imread(str(fake)), cv2.COLOR_BGR2RGB), 0))

    # One face.
    found += [Case("one", "astronaut (512 x 512)", astronaut, 1),
              Case("one", "astronaut, webcam frame", frame, 1),
              Case("one", "astronaut, mirrored", frame[:, ::-1].copy(), 1),
              Case("one", "astronaut, grey", rgb(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)), 1),
              Case("one", "astronaut, JPEG quality 30", cv2.cvtColor(cv2.imdecode(np.frombuffer(
                  encode_jpeg(frame, 30), np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB), 1),
              Case("one", "astronaut, blurred", cv2.GaussianBlur(frame, (7, 7), 2), 1),
              Case("one", "astronaut, sensor noise", np.clip(frame + rng.normal(0, 12, frame.shape), 0, 255)
                   .astype(np.uint8), 1),
              Case("one", "cameraman (512 x 512)", cameraman, 1, note="three-quarter view, looking into a camera"),
              Case("one", "cameraman, webcam frame", webcam(cameraman), 1)]

    # Two faces: two different samples side by side, and the astronaut with her mirror image.
    pair = np.hstack([cv2.resize(astronaut[0:384, 64:448], (192, 192)), cv2.resize(cameraman[40:424, 100:484],
                                                                                  (192, 192))])
    found += [Case("two", "astronaut and cameraman", cv2.resize(pair, (384, 192)), 2),
              Case("two", "astronaut and her mirror image", np.hstack([astronaut, astronaut[:, ::-1]]), 2),
              Case("two", "astronaut and her mirror image, webcam frame",
                   np.hstack([frame[:, 60:220], frame[:, 60:220][:, ::-1]]), 2)]

    # Dark: brightness scaled down (a dim room); the face is still there.
    for factor in (0.3, 0.15, 0.08):
        found.append(Case("dark", f"astronaut x {factor}", (frame * factor).astype(np.uint8), 1, dark=True))
        found.append(Case("dark", f"cameraman x {factor}", (webcam(cameraman) * factor).astype(np.uint8), 1, dark=True))

    # Covered: a hand, tape or a finger over the lens: near-uniform, usually dark.
    found += [Case("covered", "black", np.zeros((240, 320, 3), np.uint8), 0, dark=True),
              Case("covered", "dark brown, faint noise", np.clip(np.array([40, 28, 20]) + rng.normal(0, 3, (240, 320, 3)),
                                                                 0, 255).astype(np.uint8), 0, dark=True),
              Case("covered", "skin tone, blurred (a finger)", cv2.GaussianBlur(np.clip(
                  np.array([150, 110, 90]) + rng.normal(0, 6, (240, 320, 3)), 0, 255).astype(np.uint8), (31, 31), 10),
                  0, dark=True),
              Case("covered", "astronaut behind frosted tape", cv2.GaussianBlur(frame, (0, 0), 25), 0, dark=True,
                   note="a shape is visible, no face")]

    # Turned away or partly out of frame: a person is there, the face is not (all) visible.
    found += [Case("turned or cropped", "astronaut, left half of the face out of frame",
                   cv2.resize(frame[:, 130:], WEBCAM), 1),
              Case("turned or cropped", "astronaut, face cut at the eyes", cv2.resize(frame[60:, :], WEBCAM), 1),
              Case("turned or cropped", "astronaut, top of the head only", cv2.resize(frame[:70, :], WEBCAM), 1),
              Case("turned or cropped", "cameraman, cropped to his profile", webcam(cameraman[40:300, 180:420]), 1)]

    # Small or far away: the whole frame shrunk into a room.
    for width in (200, 140, 100, 70):
        found.append(Case("small", f"astronaut frame {width} px wide in a 320 px scene", small_in_scene(frame, width), 1))

    # Rotated head (the frame turned: a tilted head).
    for degrees in (10, -15, 25, -30, 45):
        found.append(Case("rotated", f"astronaut tilted {degrees} degrees", rotate(frame, degrees), 1))
    return found


def lfw_cases() -> list[Case]:
    images = (samples.lfw_subset() * 255).astype(np.uint8)  # floats in 0..1 as installed
    found = []
    for index, image in enumerate(images):
        big = cv2.resize(image, (100, 100), interpolation=cv2.INTER_CUBIC)
        scene = np.full((240, 320), 110, np.uint8)
        scene[70:170, 110:210] = big
        found.append(Case("lfw faces" if index < 100 else "lfw non-faces", f"lfw {index}", rgb(scene),
                          1 if index < 100 else 0))
    return found


@dataclass(frozen=True)
class Result:
    case: Case
    faces: int
    dark_or_covered: bool
    seconds: float


def measure(all_cases: list[Case]) -> list[Result]:
    read_frame(encode_jpeg(samples.astronaut()))  # load the cascades before timing
    results = []
    for case in all_cases:
        data = encode_jpeg(case.image)
        started = time.perf_counter()
        reading = read_frame(data)
        results.append(Result(case, reading.faces, reading.is_dark or reading.is_uniform,
                              time.perf_counter() - started))
    return results


def rates(results: list[Result]) -> dict:
    present = [r for r in results if r.case.faces >= 1]
    at_most_one = [r for r in results if r.case.faces <= 1]
    dark = [r for r in results if r.case.dark]
    not_dark = [r for r in results if not r.case.dark]
    return {
        "images": len(results),
        "exact": sum(r.faces == r.case.faces for r in results),
        "face_present": len(present),
        "missed": sum(r.faces == 0 for r in present),
        # The policy would read as "no face" a frame that is readable, not dark or covered, with 0 faces.
        "false_no_face": sum(r.faces == 0 and not r.dark_or_covered for r in present),
        "at_most_one": len(at_most_one),
        "false_several": sum(r.faces >= 2 for r in at_most_one),
        "dark_truth": len(dark),
        "dark_found": sum(r.dark_or_covered for r in dark),
        "not_dark_truth": len(not_dark),
        "false_dark": sum(r.dark_or_covered for r in not_dark),
        "ms_median": round(1000 * float(np.median([r.seconds for r in results])), 1) if results else 0.0,
    }


def _fraction(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f} %)" if d else "–"


def table(groups: dict[str, list[Result]]) -> str:
    lines = ["| category | images | counted right | miss (face there, 0 counted) | false \"no face\" | "
             "false \"several faces\" | dark/covered found | false dark/covered | median ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, results in groups.items():
        r = rates(results)
        lines.append(f"| {name} | {r['images']} | {_fraction(r['exact'], r['images'])} | "
                     f"{_fraction(r['missed'], r['face_present'])} | {_fraction(r['false_no_face'], r['face_present'])} | "
                     f"{_fraction(r['false_several'], r['at_most_one'])} | {_fraction(r['dark_found'], r['dark_truth'])} | "
                     f"{_fraction(r['false_dark'], r['not_dark_truth'])} | {r['ms_median']} |")
    return "\n".join(lines)


def detail(results: list[Result]) -> str:
    lines = ["| category | image | truth | counted | dark/covered (truth → read) |", "|---|---|---|---|---|"]
    for r in results:
        mark = "" if r.faces == r.case.faces else " ✗"
        lines.append(f"| {r.case.category} | {r.case.name} | {r.case.faces} | {r.faces}{mark} | "
                     f"{'yes' if r.case.dark else 'no'} → {'yes' if r.dark_or_covered else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-lfw", action="store_true", help="add the supplementary LFW-subset run")
    parser.add_argument("--json", action="store_true", help="print the rates as JSON instead of Markdown")
    args = parser.parse_args()
    results = measure(cases())
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.case.category, []).append(result)
    groups["all shipped images"] = results
    extra: dict[str, list[Result]] = {}
    if args.with_lfw:
        for result in measure(lfw_cases()):
            extra.setdefault(result.case.category, []).append(result)
    if args.json:
        print(json.dumps({name: rates(rs) for name, rs in {**groups, **extra}.items()}, indent=2))
        return
    print(table(groups))
    print()
    print(detail(results))
    if extra:
        print("\nSupplementary (not shipped; 25 x 25 crops upscaled):\n")
        print(table(extra))


if __name__ == "__main__":
    main()
