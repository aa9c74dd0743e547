"""Make the test video clips from the committed test photos (run once; the clips are committed).

Needs PyAV (``pip install av``), which is not a rekmock dependency: OpenCV's wheels decode H.264
but cannot encode it. Run from the repository root: ``python tests/data/make_clips.py``.

* ``two_people.mp4`` H.264, 640x480, 10 fps, 5 s: Obama enters at 0.5 s and leaves at 3.5 s;
  Biden enters at 1.5 s and leaves at 4.5 s. Each slides in over three frames.
* ``no_face.mp4`` H.264, 640x480, 10 fps, 2 s: the coffee photo.
* ``mpeg4_part2.mp4`` MPEG-4 Part 2 (not H.264), 640x480, 10 fps, 1 s: Obama. The service
  refuses the codec.
* ``shots.mp4`` H.264, 640x480, 10 fps, 3.5 s, four shots joined by hard cuts: Obama (frames
  0-9), the coffee cup (10-19), black (20-24), Biden (25-34); a mono 16 kHz AAC tone beside it.

``python tests/data/make_clips.py shots.mp4`` writes one clip only (the others are committed and
need not be rewritten).
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

DATA = Path(__file__).resolve().parent
SIZE = (640, 480)
FPS = 10
GREY = (128, 128, 128)
AUDIO_RATE = 16_000


def _fit(name: str, height: int) -> Image.Image:
    im = Image.open(DATA / name).convert("RGB")
    return im.resize((round(im.width * height / im.height), height), Image.LANCZOS)


def _write(name: str, frames: list[np.ndarray], codec: str, audio: bool = False) -> None:
    with av.open(str(DATA / name), "w") as out:
        stream = out.add_stream(codec, rate=FPS)
        sound = out.add_stream("aac", rate=AUDIO_RATE, layout="mono") if audio else None
        if sound is not None:
            sound.bit_rate = 16_000
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        if codec == "libx264":
            stream.options = {"crf": "30", "preset": "veryslow"}
        else:
            stream.bit_rate = 400_000
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
        if sound is not None:
            _tone(out, sound, len(frames) / FPS)


def _tone(out: Any, sound: Any, seconds: float) -> None:
    """A quiet 440 Hz tone lasting ``seconds``, in frames of 1024 samples."""
    total = round(seconds * AUDIO_RATE)
    t = np.arange(total) / AUDIO_RATE
    wave = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    for start in range(0, total, 1024):
        chunk = wave[start:start + 1024].reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        for packet in sound.encode(frame):
            out.mux(packet)
    for packet in sound.encode():
        out.mux(packet)


def _slide(t: float, enter: float, leave: float, x: int, width: int, from_left: bool) -> int | None:
    """The person's left edge at time ``t``, or None when out of view."""
    if not enter <= t < leave:
        return None
    step = 1.0 / FPS
    for k, edge in ((0, enter), (1, enter + step), (2, enter + 2 * step)):
        if t < edge + step / 2 and k < 3:
            shift = (3 - k) * width // 4
            return x - shift if from_left else x + shift
    return x


def two_people() -> list[np.ndarray]:
    obama, biden = _fit("obama.jpg", 400), _fit("biden.jpg", 400)
    frames = []
    for i in range(5 * FPS):
        t = i / FPS
        canvas = Image.new("RGB", SIZE, GREY)
        left = _slide(t, 0.5, 3.5, 20, obama.width, True)
        if left is not None:
            canvas.paste(obama, (left, 60))
        right = _slide(t, 1.5, 4.5, 430, biden.width, False)
        if right is not None:
            canvas.paste(biden, (right, 60))
        frames.append(np.asarray(canvas))
    return frames


def still(name: str, seconds: int) -> list[np.ndarray]:
    canvas = Image.new("RGB", SIZE, GREY)
    im = _fit(name, 400)
    canvas.paste(im, ((SIZE[0] - im.width) // 2, 40))
    return [np.asarray(canvas)] * (seconds * FPS)


def shots() -> list[np.ndarray]:
    black = np.zeros((SIZE[1], SIZE[0], 3), dtype=np.uint8)
    return (still("obama.jpg", 1) + still("coffee.jpg", 1) + [black] * (FPS // 2)
            + still("biden.jpg", 1))


CLIPS = {
    "two_people.mp4": lambda: _write("two_people.mp4", two_people(), "libx264"),
    "no_face.mp4": lambda: _write("no_face.mp4", still("coffee.jpg", 2), "libx264"),
    "mpeg4_part2.mp4": lambda: _write("mpeg4_part2.mp4", still("obama.jpg", 1), "mpeg4"),
    "shots.mp4": lambda: _write("shots.mp4", shots(), "libx264", audio=True),
}


if __name__ == "__main__":
    for clip in sys.argv[1:] or list(CLIPS):
        CLIPS[clip]()
