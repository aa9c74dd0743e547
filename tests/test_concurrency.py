"""IndexFaces, SearchFaces and DeleteFaces from 8 threads against one collection: counts add up."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rekmock.backend.collection import Collection
from rekmock.backend.ids import IdFactory
from tests.helpers import photo, strict_client

THREADS = 8
ROUNDS = 6
PHOTOS = ("obama2.jpg", "biden.jpg", "hopper.jpg", "astronaut.png")


def test_threads_index_search_delete(rek, client) -> None:
    client.create_collection(CollectionId="c")
    for name in PHOTOS:  # warm the vision cache so the threads contend on state, not on dlib
        client.detect_faces(Image={"Bytes": photo(name)})
    clients = [strict_client() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def work(t: int) -> tuple[list[tuple[str, str]], list[str]]:
        c = clients[t]
        kept: list[tuple[str, str]] = []
        deleted: list[str] = []
        barrier.wait()
        for r in range(ROUNDS):
            name = PHOTOS[(t + r) % len(PHOTOS)]
            resp = c.index_faces(CollectionId="c", Image={"Bytes": photo(name)},
                                 ExternalImageId=f"t{t}-r{r}", QualityFilter="NONE", MaxFaces=1)
            face_id = resp["FaceRecords"][0]["Face"]["FaceId"]
            found = c.search_faces(CollectionId="c", FaceId=face_id, FaceMatchThreshold=99)
            assert face_id not in [m["Face"]["FaceId"] for m in found["FaceMatches"]]
            if r % 2:
                out = c.delete_faces(CollectionId="c", FaceIds=[face_id])
                assert out["DeletedFaces"] == [face_id]
                deleted.append(face_id)
            else:
                kept.append((face_id, name))
        return kept, deleted

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    kept_from = {f: name for k, _ in results for f, name in k}
    kept = list(kept_from)
    deleted = [f for _, d in results for f in d]
    assert len(set(kept + deleted)) == THREADS * ROUNDS  # never two ids alike
    listed = [f["FaceId"] for f in client.list_faces(CollectionId="c")["Faces"]]
    assert sorted(listed) == sorted(kept)
    assert client.describe_collection(CollectionId="c")["FaceCount"] == len(kept)
    # Every kept face still finds exactly its identical twins (the same photo indexed by other
    # threads and rounds), never itself, never a deleted face.
    for probe, name in kept_from.items():
        found = client.search_faces(CollectionId="c", FaceId=probe, FaceMatchThreshold=99.9)
        twins = {f for f, other in kept_from.items() if other == name} - {probe}
        assert twins and {m["Face"]["FaceId"] for m in found["FaceMatches"]} == twins


def test_collection_state_under_threads() -> None:
    coll = Collection("c", "arn", IdFactory("t"))
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((THREADS, 500, 128)).astype(np.float32)

    def work(t: int) -> list[str]:
        ids = coll.bulk_load(vecs[t])
        coll.delete_faces(ids[::2])
        for i in range(1, 500, 50):
            q = vecs[t, i]
            hits = coll.search(q, (), 0, 99.0, 5, _NoScripts())
            assert hits and hits[0][1]["FaceId"] == ids[i]
        return ids[1::2]

    with ThreadPoolExecutor(THREADS) as pool:
        survivors = [f for ids in pool.map(work, range(THREADS)) for f in ids]
    assert coll.face_count == len(survivors) == THREADS * 250
    assert sorted(coll.faces.index.face_ids) == sorted(survivors)
    for face_id in survivors[::97]:
        assert coll.faces.index.face_ids[coll.faces.index.row_of[face_id]] == face_id


class _NoScripts:
    """Scripts stand-in for state-level tests: nothing scripted."""

    lock = threading.Lock()
    pairs: dict = {}

    def pair_similarity(self, *args: object) -> None:
        return None
