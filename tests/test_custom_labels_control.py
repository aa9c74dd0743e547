"""Custom Labels scripted through the control API of ``rekmock serve``, as a test in another
process or language would script it."""

from __future__ import annotations

import pytest

from rekmock.control import Client, ControlError
from tests.test_server import ServerProcess, client, module_server, server, unique  # noqa: F401

from .helpers import photo
from .test_custom_labels import PHOTOS, classified, manifest


def test_control_custom_labels_flow(server: ServerProcess) -> None:  # noqa: F811
    rek, s3, ctl = client(server), client(server, "s3"), Client(server.url)
    bucket = unique("custom-labels")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="coffee.jpg", Body=photo("coffee.jpg"))
    s3.put_object(Bucket=bucket, Key="train.manifest", Body=manifest(
        [classified(n, label) for n, label in PHOTOS.items()]))
    train = {"Assets": [{"GroundTruthManifest": {"S3Object": {"Bucket": bucket,
                                                              "Name": "train.manifest"}}}]}
    project = rek.create_project(ProjectName=unique("p"))["ProjectArn"]

    ctl.fail_training("bad", "The manifest file has too many labels.")
    ctl.set_f1_score("good", 0.5)
    ctl.hold_training(1)
    ctl.hold_custom_labels(1)
    for name in ("bad", "good"):
        rek.create_project_version(ProjectArn=project, VersionName=name, TrainingData=train,
                                   TestingData={"AutoCreate": True},
                                   OutputConfig={"S3Bucket": bucket})

    def described() -> dict[str, dict[str, object]]:
        got = rek.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
        return {v["ProjectVersionArn"].split("/")[3]: v for v in got}

    assert {k: v["Status"] for k, v in described().items()} == {
        "bad": "TRAINING_IN_PROGRESS", "good": "TRAINING_IN_PROGRESS"}
    done = described()
    assert done["bad"]["StatusMessage"] == "The manifest file has too many labels."
    assert done["good"]["EvaluationResult"]["F1Score"] == 0.5  # type: ignore[index]
    model = str(done["good"]["ProjectVersionArn"])
    rek.start_project_version(ProjectVersionArn=model, MinInferenceUnits=1)
    assert described()["good"]["Status"] == "STARTING"
    ctl.set_custom_labels(model, {"Bucket": bucket, "Name": "coffee.jpg"},
                          [{"Name": "cup", "Confidence": 93.0}])
    labels = rek.detect_custom_labels(ProjectVersionArn=model, Image={
        "S3Object": {"Bucket": bucket, "Name": "coffee.jpg"}})["CustomLabels"]
    assert labels == [{"Name": "cup", "Confidence": 93.0}]
    # Scripted for the S3 location: the same photo sent as bytes is another request.
    assert rek.detect_custom_labels(ProjectVersionArn=model, Image={
        "Bytes": photo("coffee.jpg")})["CustomLabels"] == []

    with pytest.raises(ControlError) as exc:
        ctl.set_custom_labels(model, photo("coffee.jpg"), [{"Name": "cup", "Confidence": "x"}])
    assert exc.value.status == 400 and "invalid CustomLabel" in exc.value.message
    with pytest.raises(ControlError) as exc:
        ctl.hold_training(-1)
    assert (exc.value.status, exc.value.message) == (400, "polls must be a non-negative integer")
