"""The camera -> detector leg with Chromium's fake camera: a Y4M file made at test time from
scikit-image's astronaut (public domain) is the camera; a frame captured from getUserMedia in an app
page, sent back to Python as a JPEG, is one face. Chromium's default fake camera (no file) is none.

(Snapshots going through the player to the log are the player's tests; this is the detector seeing
what a real browser's camera path delivers.)"""
from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest
import skimage.data

from proctoring.faces import read_frame
from tests.browser.conftest import ACTION_TIMEOUT_MS, ARTEFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480


def rgb_to_i420(image: np.ndarray) -> bytes:
    """One RGB frame (even width and height) as planar 4:2:0 YCbCr, ITU-R BT.601 studio range (Y
    16-235, Cb/Cr 16-240), chroma averaged over each 2 x 2 block."""
    r, g, b = (image[..., i].astype(np.float64) for i in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    cb = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    cr = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255

    def quarter(plane):
        return (plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]) / 4

    planes = (y, quarter(cb), quarter(cr))
    return b"".join(np.clip(np.rint(p), 0, 255).astype(np.uint8).tobytes() for p in planes)


def write_y4m(path: Path, image: np.ndarray, frames: int = 10, fps: int = 10) -> Path:
    """A YUV4MPEG2 file of ``frames`` identical 4:2:0 frames of ``image`` (Chromium loops it)."""
    height, width = image.shape[:2]
    frame = rgb_to_i420(image)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(frame)
    return path


def astronaut_webcam_frame() -> np.ndarray:
    """Eileen Collins framed as a webcam would show her: head and shoulders, 4:3, 640 x 480."""
    import cv2

    return cv2.resize(skimage.data.astronaut()[0:384, 0:512], (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)


CAPTURE = """async ([width, height]) => {
  const stream = await navigator.mediaDevices.getUserMedia({video: {width, height}, audio: false});
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  // Wait for real frames (a few callbacks), not for a fixed time.
  for (let i = 0; i < 5; i += 1) {
    await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
  }
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  stream.getTracks().forEach((track) => track.stop());
  return canvas.toDataURL("image/jpeg", 0.85);
}"""


def capture(browser, live_server: str, extra_args: list[str], name: str) -> bytes:
    """Launch Chromium with a fake camera, open an app page, take one frame as a JPEG."""
    fake = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", *extra_args])
    try:
        context = fake.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.goto("/")
        data_url = page.evaluate(CAPTURE, [WIDTH, HEIGHT])
        context.close()
    finally:
        fake.close()
    assert data_url.startswith("data:image/jpeg;base64,")
    jpeg = base64.b64decode(data_url.split(",", 1)[1])
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"fake-camera-{name}.jpg").write_bytes(jpeg)  # to look at, and to refresh the bench's fixture
    return jpeg


def test_the_astronaut_as_the_camera_is_one_face(browser, live_server, tmp_path):
    video = write_y4m(tmp_path / "astronaut.y4m", astronaut_webcam_frame())
    jpeg = capture(browser, live_server, [f"--use-file-for-fake-video-capture={video}"], "astronaut")
    reading = read_frame(jpeg)
    assert reading.readable and (reading.width, reading.height) == (WIDTH, HEIGHT)
    assert reading.faces == 1
    assert not reading.is_dark and not reading.is_uniform


def test_the_default_fake_camera_is_no_face(browser, live_server):
    jpeg = capture(browser, live_server, [], "default")
    reading = read_frame(jpeg)
    assert reading.readable and reading.faces == 0


def test_the_y4m_writer_round_trips_through_opencv(tmp_path):
    """The file is what it claims: OpenCV's own YUV->RGB of our planes gives the picture back."""
    import cv2

    image = astronaut_webcam_frame()
    planes = np.frombuffer(rgb_to_i420(image), dtype=np.uint8).reshape(HEIGHT * 3 // 2, WIDTH)
    back = cv2.cvtColor(planes, cv2.COLOR_YUV2RGB_I420)
    assert np.abs(back.astype(int) - image.astype(int)).mean() < 6
    path = write_y4m(tmp_path / "x.y4m", image, frames=3)
    header, _, rest = path.read_bytes().partition(b"\n")
    assert header == b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg"
    assert len(rest) == 3 * (len(b"FRAME\n") + WIDTH * HEIGHT * 3 // 2)
    assert read_frame(cv2.imencode(".jpg", cv2.cvtColor(back, cv2.COLOR_RGB2BGR))[1].tobytes()).faces == 1
