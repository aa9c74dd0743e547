"""The Face Mesh mirror map (``rekmock.vision.mesh_mirror``) against independent facts: the
published iBUG 68-point mirror pairs through the mesh's 68-point correspondence, the mesh's eye
contours and the service's left/right landmark types, and the mesh of a real mirrored photo."""

from __future__ import annotations

import numpy as np
from PIL import Image

from rekmock.vision import detect, facemesh
from rekmock.vision.mesh_mirror import MIRROR
from tests.helpers import DATA

# Mirror of each iBUG 68 point: jaw and brows reversed, nose bridge on the midline, nostrils,
# eyes and lips swapped side for side.
IBUG_MIRROR = (
    *range(16, -1, -1), *range(26, 16, -1), 27, 28, 29, 30, *range(35, 30, -1),
    45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,
    54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65,
)


def test_mirror_is_its_own_inverse() -> None:
    assert sorted(MIRROR) == list(range(468))
    assert all(MIRROR[MIRROR[i]] == i for i in range(468))


def test_mirror_agrees_with_published_pairs() -> None:
    assert all(MIRROR[facemesh.TO_68[i]] == facemesh.TO_68[IBUG_MIRROR[i]] for i in range(68))
    assert {MIRROR[i] for i in facemesh.EYE_LEFT} == set(facemesh.EYE_RIGHT)
    for name, points in facemesh.REKOGNITION.items():
        twin = name.replace("Left", "@").replace("Right", "Left").replace("@", "Right")
        twin = twin.replace("left", "@").replace("right", "left").replace("@", "right")
        assert {MIRROR[i] for i in points} == set(facemesh.REKOGNITION[twin]), name


def test_mesh_of_a_mirrored_photo_mirrors_back() -> None:
    """Fitting the flipped photo and mapping its points back lands on the original's points."""
    rgb = np.asarray(Image.open(DATA / "obama.jpg").convert("RGB"))
    meshes = []
    for image in (rgb, np.ascontiguousarray(rgb[:, ::-1])):
        work, scale = detect.working_copy(image)
        face = detect.detect(work, scale, image.shape[1], image.shape[0])[0]
        meshes.append(facemesh.fit(work, face.box, face.points)[0][:, :2] / scale)
    back = meshes[1][list(MIRROR)]
    back[:, 0] = rgb.shape[1] - back[:, 0]
    iod = np.linalg.norm(meshes[0][list(facemesh.EYE_LEFT)].mean(0)
                         - meshes[0][list(facemesh.EYE_RIGHT)].mean(0))
    assert np.linalg.norm(back - meshes[0], axis=1).mean() < 0.02 * iod
    shuffled = meshes[0][np.roll(np.arange(468), 1)]
    assert np.linalg.norm(shuffled - meshes[0], axis=1).mean() > 0.1 * iod
