"""Custom Labels as a state machine (issue 22), through boto3: projects, datasets made from Ground
Truth manifests in moto's S3, model versions trained after held polls, started, asked for labels,
stopped and deleted; project policies and copies across accounts; the errors of each wrong step.

The manifests are written here for the photos in tests/data; labels name what is in them.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from PIL import Image

from rekmock import RekognitionState

from .helpers import error_code, photo, strict_client

BUCKET = "custom-labels"
OTHER_ACCOUNT = "111122223333"
PHOTOS = {"obama.jpg": "person", "biden.jpg": "person", "hopper.jpg": "person",
          "astronaut.png": "person", "coffee.jpg": "cup"}
IN_USE = ("ResourceInUseException", "The specified resource is already being used.")
NOT_FOUND = ("ResourceNotFoundException", "The resource specified in the request cannot be found.")
NOT_READY = ("ResourceNotReadyException", "The requested resource isn't ready.")
INVALID = ("InvalidParameterException", "Request has invalid parameters")
ARN = r"arn:aws:rekognition:us-east-1:123456789012:project/{}/{}\d{{13}}"


def classified(name: str, label: str) -> dict[str, Any]:
    """A Ground Truth image-classification line (the guide's format)."""
    return {"source-ref": f"s3://{BUCKET}/images/{name}", "what": 1,
            "what-metadata": {"confidence": 1, "job-name": "labeling-job/what",
                              "class-name": label, "human-annotated": "yes",
                              "creation-date": "2024-05-01T10:00:00",
                              "type": "groundtruth/image-classification"}}


def located(name: str, boxes: list[tuple[str, int, int, int, int]]) -> dict[str, Any]:
    """A Ground Truth object-detection line: (label, left, top, width, height) boxes."""
    names = sorted({b[0] for b in boxes})
    return {"source-ref": f"s3://{BUCKET}/images/{name}",
            "bounding-box": {"image_size": [{"width": 640, "height": 480, "depth": 3}],
                             "annotations": [{"class_id": names.index(b[0]), "left": b[1],
                                              "top": b[2], "width": b[3], "height": b[4]}
                                             for b in boxes]},
            "bounding-box-metadata": {"objects": [{"confidence": 1} for _ in boxes],
                                      "class-map": {str(i): n for i, n in enumerate(names)},
                                      "type": "groundtruth/object-detection",
                                      "human-annotated": "yes",
                                      "creation-date": "2024-05-01T10:00:00",
                                      "job-name": "labeling-job/boxes"}}


def manifest(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.fixture
def bucket(s3: Any) -> Any:
    """The bucket with the photos under images/ and a training and a test manifest."""
    s3.create_bucket(Bucket=BUCKET)
    for name in PHOTOS:
        s3.put_object(Bucket=BUCKET, Key=f"images/{name}", Body=photo(name))
    train = [classified(n, label) for n, label in PHOTOS.items() if n != "hopper.jpg"]
    s3.put_object(Bucket=BUCKET, Key="train.manifest", Body=manifest(train))
    s3.put_object(Bucket=BUCKET, Key="test.manifest",
                  Body=manifest([classified("hopper.jpg", "person"),
                                 classified("coffee.jpg", "cup")]))
    return s3


def source(key: str) -> dict[str, Any]:
    return {"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": key}}}


def fails(call: Any, expected: tuple[str, str], **params: Any) -> None:
    with pytest.raises(ClientError) as exc:
        call(**params)
    assert (error_code(exc), exc.value.response["Error"]["Message"]) == expected


def statuses(client: Any, project: str) -> list[str]:
    return [v["Status"] for v in
            client.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]]


def s3_json(s3: Any, where: dict[str, Any]) -> Any:
    return json.loads(s3.get_object(Bucket=where["Bucket"], Key=where["Name"])["Body"].read())


def s3_lines(s3: Any, where: dict[str, Any]) -> list[dict[str, Any]]:
    body = s3.get_object(Bucket=where["Bucket"], Key=where["Name"])["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def trained(client: Any, name: str = "shop", version: str = "v1") -> tuple[str, str]:
    """A project trained on the bucket's manifests: (project ARN, model version ARN)."""
    project = client.create_project(ProjectName=name)["ProjectArn"]
    for kind, key in (("TRAIN", "train.manifest"), ("TEST", "test.manifest")):
        client.create_dataset(ProjectArn=project, DatasetType=kind, DatasetSource=source(key))
    model = client.create_project_version(
        ProjectArn=project, VersionName=version,
        OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "output/"})["ProjectVersionArn"]
    return project, model


def test_custom_labels_end_to_end(client: Any, bucket: Any, rek: RekognitionState) -> None:
    project = client.create_project(ProjectName="shop")["ProjectArn"]
    assert re.fullmatch(ARN.format("shop", ""), project)
    described = client.describe_projects()["ProjectDescriptions"]
    assert [(p["ProjectArn"], p["Status"], p["Feature"], p["Datasets"]) for p in described] == [
        (project, "CREATED", "CUSTOM_LABELS", [])]

    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN",
                                  DatasetSource=source("train.manifest"))["DatasetArn"]
    test = client.create_dataset(ProjectArn=project, DatasetType="TEST",
                                 DatasetSource=source("test.manifest"))["DatasetArn"]
    assert re.fullmatch(ARN.format("shop", "dataset/train/"), train)
    assert re.fullmatch(ARN.format("shop", "dataset/test/"), test)
    desc = client.describe_dataset(DatasetArn=train)["DatasetDescription"]
    assert (desc["Status"], desc["StatusMessageCode"]) == ("CREATE_COMPLETE", "SUCCESS")
    assert desc["DatasetStats"] == {"LabeledEntries": 4, "TotalEntries": 4, "TotalLabels": 2,
                                    "ErrorEntries": 0}
    entries = client.list_dataset_entries(DatasetArn=train)["DatasetEntries"]
    assert [json.loads(e) for e in entries] == [
        classified(n, label) for n, label in PHOTOS.items() if n != "hopper.jpg"]
    cups = client.list_dataset_entries(DatasetArn=train, ContainsLabels=["cup"])
    assert [json.loads(e)["source-ref"] for e in cups["DatasetEntries"]] == [
        f"s3://{BUCKET}/images/coffee.jpg"]
    labels = client.list_dataset_labels(DatasetArn=train)["DatasetLabelDescriptions"]
    assert labels == [
        {"LabelName": "cup", "LabelStats": {"EntryCount": 1, "BoundingBoxCount": 0}},
        {"LabelName": "person", "LabelStats": {"EntryCount": 3, "BoundingBoxCount": 0}}]

    # Training is held for two polls of DescribeProjectVersions, then completes.
    rek.hold_training(2)
    model = client.create_project_version(
        ProjectArn=project, VersionName="v1", VersionDescription="first model",
        OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "output/"},
        Tags={"team": "vision"})["ProjectVersionArn"]
    assert re.fullmatch(ARN.format("shop", "version/v1/"), model)
    assert statuses(client, project) == ["TRAINING_IN_PROGRESS"]
    fails(client.start_project_version, IN_USE, ProjectVersionArn=model, MinInferenceUnits=1)
    fails(client.delete_project_version, IN_USE, ProjectVersionArn=model)
    fails(client.detect_custom_labels, NOT_READY, ProjectVersionArn=model,
          Image={"Bytes": photo("coffee.jpg")})
    assert statuses(client, project) == ["TRAINING_IN_PROGRESS"]
    done = client.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0]
    assert done["Status"] == "TRAINING_COMPLETED" and "StatusMessage" not in done
    assert done["VersionDescription"] == "first model"
    assert done["OutputConfig"] == {"S3Bucket": BUCKET, "S3KeyPrefix": "output/"}
    assert done["TrainingDataResult"]["Input"] == {} and done["TestingDataResult"]["Input"] == {}
    used = s3_lines(bucket, done["TrainingDataResult"]["Output"]["Assets"][0]
                    ["GroundTruthManifest"]["S3Object"])
    assert used == [json.loads(e) for e in entries]
    summary = s3_json(bucket, done["ManifestSummary"]["S3Object"])
    assert summary["statistics"]["testing"]["total_json_lines"] == 2
    assert summary["statistics"]["training"]["use_case"] == "IMAGE_LEVEL_LABELS"
    assert "F1Score" not in done["EvaluationResult"]  # nothing trained, nothing scripted
    evaluation = s3_json(bucket, done["EvaluationResult"]["Summary"]["S3Object"])
    assert evaluation["EvaluationDetails"] == {
        "ProjectVersionArn": model, "EvaluationEndTimestamp":
            evaluation["EvaluationDetails"]["EvaluationEndTimestamp"],
        "Labels": ["cup", "person"], "NumberOfTrainingImages": 4, "NumberOfTestingImages": 2}
    assert client.list_tags_for_resource(ResourceArn=model)["Tags"] == {"team": "vision"}

    # A trained model runs, answers what the test scripted, stops and is deleted.
    assert client.start_project_version(ProjectVersionArn=model, MinInferenceUnits=1,
                                        MaxInferenceUnits=2)["Status"] == "STARTING"
    running = client.describe_project_versions(ProjectArn=project, VersionNames=["v1"])
    assert {k: running["ProjectVersionDescriptions"][0][k] for k in (
        "Status", "MinInferenceUnits", "MaxInferenceUnits")} == {
        "Status": "RUNNING", "MinInferenceUnits": 1, "MaxInferenceUnits": 2}
    box = {"Width": 0.4, "Height": 0.5, "Left": 0.3, "Top": 0.2}
    rek.set_custom_labels(model, photo("coffee.jpg"), [
        {"Name": "person", "Confidence": 41.0},
        {"Name": "cup", "Confidence": 97.25, "Geometry": {"BoundingBox": box}}])
    found = client.detect_custom_labels(ProjectVersionArn=model,
                                        Image={"Bytes": photo("coffee.jpg")})["CustomLabels"]
    assert found == [{"Name": "cup", "Confidence": 97.25, "Geometry": {"BoundingBox": box}},
                     {"Name": "person", "Confidence": 41.0}]
    in_s3 = {"S3Object": {"Bucket": BUCKET, "Name": "images/coffee.jpg"}}
    assert [x["Name"] for x in client.detect_custom_labels(
        ProjectVersionArn=model, Image=in_s3, MinConfidence=50)["CustomLabels"]] == ["cup"]
    assert [x["Name"] for x in client.detect_custom_labels(
        ProjectVersionArn=model, Image=in_s3, MaxResults=1)["CustomLabels"]] == ["cup"]
    assert client.detect_custom_labels(ProjectVersionArn=model, Image={
        "Bytes": photo("obama.jpg")})["CustomLabels"] == []
    fails(client.delete_project_version, IN_USE, ProjectVersionArn=model)
    fails(client.delete_project, IN_USE, ProjectArn=project)
    assert client.stop_project_version(ProjectVersionArn=model)["Status"] == "STOPPING"
    assert statuses(client, project) == ["STOPPED"]
    fails(client.detect_custom_labels, NOT_READY, ProjectVersionArn=model,
          Image={"Bytes": photo("coffee.jpg")})
    assert client.delete_project_version(ProjectVersionArn=model)["Status"] == "DELETING"
    assert statuses(client, project) == []
    fails(client.detect_custom_labels, NOT_FOUND, ProjectVersionArn=model,
          Image={"Bytes": photo("coffee.jpg")})

    # Datasets go before the project; deleting the project empties DescribeProjects.
    fails(client.delete_project, IN_USE, ProjectArn=project)
    client.delete_dataset(DatasetArn=train)
    client.delete_dataset(DatasetArn=test)
    fails(client.describe_dataset, NOT_FOUND, DatasetArn=train)
    assert client.delete_project(ProjectArn=project)["Status"] == "DELETING"
    assert client.describe_projects()["ProjectDescriptions"] == []
    fails(client.describe_project_versions, NOT_FOUND, ProjectArn=project)


def test_held_changes_show_their_progress_and_refuse_what_they_block(
        client: Any, bucket: Any, rek: RekognitionState) -> None:
    rek.hold_custom_labels(1)
    project = client.create_project(ProjectName="held")["ProjectArn"]
    assert client.describe_projects()["ProjectDescriptions"][0]["Status"] == "CREATING"
    assert client.describe_projects()["ProjectDescriptions"][0]["Status"] == "CREATED"
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN",
                                  DatasetSource=source("train.manifest"))["DatasetArn"]
    fails(client.delete_dataset, IN_USE, DatasetArn=train)  # still being created
    fails(client.list_dataset_entries, NOT_READY, DatasetArn=train)
    desc = client.describe_dataset(DatasetArn=train)["DatasetDescription"]
    assert desc["Status"] == "CREATE_IN_PROGRESS" and desc["DatasetStats"]["TotalEntries"] == 0
    assert client.describe_dataset(DatasetArn=train)["DatasetDescription"]["Status"] == (
        "CREATE_COMPLETE")
    model = client.create_project_version(ProjectArn=project, VersionName="v1",
                                          OutputConfig={"S3Bucket": BUCKET})["ProjectVersionArn"]
    client.start_project_version(ProjectVersionArn=model, MinInferenceUnits=1)
    fails(client.detect_custom_labels, NOT_READY, ProjectVersionArn=model,
          Image={"Bytes": photo("coffee.jpg")})
    assert statuses(client, project) == ["STARTING"]
    assert statuses(client, project) == ["RUNNING"]
    client.stop_project_version(ProjectVersionArn=model)
    fails(client.stop_project_version, IN_USE, ProjectVersionArn=model)  # STOPPING
    fails(client.start_project_version, IN_USE, ProjectVersionArn=model, MinInferenceUnits=1)
    assert statuses(client, project) == ["STOPPING"]
    assert statuses(client, project) == ["STOPPED"]
    # The boto3 waiter polls DescribeProjectVersions until the model runs.
    client.start_project_version(ProjectVersionArn=model, MinInferenceUnits=1)
    client.get_waiter("project_version_running").wait(
        ProjectArn=project, VersionNames=["v1"], WaiterConfig={"Delay": 0, "MaxAttempts": 3})
    assert statuses(client, project) == ["RUNNING"]


def test_training_waits_and_fails_as_the_data_says(client: Any, bucket: Any,
                                                   rek: RekognitionState) -> None:
    project = client.create_project(ProjectName="manifests")["ProjectArn"]
    out = {"S3Bucket": BUCKET, "S3KeyPrefix": "runs"}

    def train(version: str, train_key: str, testing: dict[str, Any] | None = None,
              output: dict[str, Any] = out) -> dict[str, Any]:
        client.create_project_version(
            ProjectArn=project, VersionName=version, OutputConfig=output,
            TrainingData={"Assets": [source(train_key)]},
            TestingData=testing or {"Assets": [source("test.manifest")]})
        found = client.describe_project_versions(ProjectArn=project, VersionNames=[version])
        return dict(found["ProjectVersionDescriptions"][0])

    # Manifests named in the request: the waiter sees training through.
    rek.hold_training(2)
    client.create_project_version(ProjectArn=project, VersionName="ok", OutputConfig=out,
                                  TrainingData={"Assets": [source("train.manifest")]},
                                  TestingData={"AutoCreate": True})
    client.get_waiter("project_version_training_completed").wait(
        ProjectArn=project, VersionNames=["ok"], WaiterConfig={"Delay": 0, "MaxAttempts": 3})
    rek.hold_training(0)
    ok = client.describe_project_versions(ProjectArn=project, VersionNames=["ok"])
    result = ok["ProjectVersionDescriptions"][0]
    assert result["ManifestSummary"]["S3Object"]["Name"] == (
        "runs/manifests/ok/manifest_summary.json")  # the prefix is a folder
    assert result["TestingDataResult"]["Input"] == {"AutoCreate": True}
    assert result["TrainingDataResult"]["Input"] == {"Assets": [source("train.manifest")]}
    tested = s3_lines(bucket, result["TestingDataResult"]["Output"]["Assets"][0]
                      ["GroundTruthManifest"]["S3Object"])
    assert len(tested) == 1  # 20% of the four training lines were split off for testing

    bucket.put_object(Bucket=BUCKET, Key="one-label.manifest",
                      Body=manifest([classified("obama.jpg", "person")]))
    few = train("few", "one-label.manifest")
    assert (few["Status"], few["StatusMessage"]) == (
        "TRAINING_FAILED", "The manifest file has too few labels.")
    assert "EvaluationResult" not in few  # ... but the validation results were written
    summary = s3_json(bucket, few["ManifestSummary"]["S3Object"])
    assert summary["statistics"]["training"]["errors"] == [
        {"code": "ERROR_MANIFEST_TOO_FEW_LABELS",
         "message": "The manifest file has too few labels."}]

    missing = train("missing", "nowhere.manifest")
    assert missing["StatusMessage"] == "The manifest file extension or contents are invalid."
    assert "ManifestSummary" not in missing
    no_output = train("no-output", "train.manifest", output={"S3Bucket": "no-such-bucket"})
    assert no_output["StatusMessage"] == "Unable to write to output S3 bucket."

    broken = [classified("obama.jpg", "person"), classified("coffee.jpg", "cup")]
    bucket.put_object(Bucket=BUCKET, Key="broken.manifest",
                      Body=manifest(broken) + "{not json\n" + json.dumps({"what": 1}) + "\n")
    invalid = train("invalid", "broken.manifest")
    assert invalid["StatusMessage"] == "The manifest file contains too many invalid rows."
    validated = s3_lines(bucket, invalid["TrainingDataResult"]["Validation"]["Assets"][0]
                         ["GroundTruthManifest"]["S3Object"])
    assert [line.get("errors") for line in validated[2:]] == [
        [{"code": "ERROR_INVALID_JSON_LINE", "message": "The JSON Line has an invalid format."}],
        [{"code": "ERROR_MISSING_SOURCE_REF", "message": "The source-ref key is missing."}]]

    rek.fail_training("scripted", "The S3 bucket permissions are incorrect.")
    rek.set_f1_score("scored", 0.875)
    assert train("scripted", "train.manifest")["StatusMessage"] == (
        "The S3 bucket permissions are incorrect.")
    scored = train("scored", "train.manifest")
    assert scored["EvaluationResult"]["F1Score"] == 0.875
    metrics = s3_json(bucket, scored["EvaluationResult"]["Summary"]["S3Object"])
    assert metrics["AggregatedEvaluationResults"] == {"Metrics": {"F1Score": 0.875}}

    # Wrong requests change nothing.
    fails(client.create_project_version, IN_USE, ProjectArn=project, VersionName="ok",
          OutputConfig=out, TrainingData={"Assets": [source("train.manifest")]},
          TestingData={"AutoCreate": True})
    fails(client.create_project_version, INVALID, ProjectArn=project, VersionName="half",
          OutputConfig=out, TrainingData={"Assets": [source("train.manifest")]})
    fails(client.create_project_version, INVALID, ProjectArn=project, VersionName="adapter",
          OutputConfig=out, TrainingData={"Assets": [source("train.manifest")]},
          TestingData={"AutoCreate": True},
          FeatureConfig={"ContentModeration": {"ConfidenceThreshold": 50.0}})
    client.create_dataset(ProjectArn=project, DatasetType="TRAIN",
                          DatasetSource=source("train.manifest"))
    fails(client.create_project_version, INVALID, ProjectArn=project, VersionName="both",
          OutputConfig=out, TrainingData={"Assets": [source("train.manifest")]},
          TestingData={"AutoCreate": True})
    assert len(statuses(client, project)) == 7


def test_dataset_updates_copies_and_distribution(client: Any, bucket: Any) -> None:
    project = client.create_project(ProjectName="data")["ProjectArn"]
    fails(client.create_dataset, ("InvalidS3ObjectException",
          "Unable to get object metadata from S3. Check object key, region and/or access "
          "permissions."), ProjectArn=project, DatasetType="TRAIN",
          DatasetSource=source("nowhere.manifest"))
    bucket.put_object(Bucket=BUCKET, Key="no-extension", Body=manifest([]))
    failed = client.create_dataset(ProjectArn=project, DatasetType="TEST",
                                   DatasetSource=source("no-extension"))["DatasetArn"]
    desc = client.describe_dataset(DatasetArn=failed)["DatasetDescription"]
    assert (desc["Status"], desc["StatusMessageCode"], desc["StatusMessage"]) == (
        "CREATE_FAILED", "CLIENT_ERROR", "The manifest file extension or contents are invalid.")
    fails(client.list_dataset_labels, NOT_READY, DatasetArn=failed)
    client.delete_dataset(DatasetArn=failed)

    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    fails(client.create_dataset, ("ResourceAlreadyExistsException", "The resource already exists."),
          ProjectArn=project, DatasetType="TRAIN")
    assert client.list_dataset_entries(DatasetArn=train)["DatasetEntries"] == []
    boxes = located("coffee.jpg", [("cup", 200, 100, 150, 180), ("spoon", 10, 10, 40, 90),
                                   ("cup", 400, 120, 100, 100)])
    changes = manifest([classified("obama.jpg", "person"), classified("biden.jpg", "person"),
                        boxes]) + "not json\n"
    client.update_dataset_entries(DatasetArn=train, Changes={"GroundTruth": changes.encode()})
    client.update_dataset_entries(DatasetArn=train, Changes={"GroundTruth": manifest(
        [classified("biden.jpg", "politician"), classified("hopper.jpg", "person")]).encode()})
    too_big = 5 * 1024 * 1024 + 1  # the model's limit on Changes.GroundTruth, plus one byte
    fails(client.update_dataset_entries, ("ValidationException", (
        f"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={too_big} "
        f"cap={too_big}]' at 'changes.groundTruth' failed to satisfy constraint: Member must "
        "have length less than or equal to 5242880")),
        DatasetArn=train, Changes={"GroundTruth": b"x" * too_big})
    desc = client.describe_dataset(DatasetArn=train)["DatasetDescription"]
    assert desc["Status"] == "UPDATE_COMPLETE"
    assert desc["DatasetStats"] == {"LabeledEntries": 4, "TotalEntries": 5, "TotalLabels": 4,
                                    "ErrorEntries": 1}
    labels = client.list_dataset_labels(DatasetArn=train)["DatasetLabelDescriptions"]
    assert {x["LabelName"]: tuple(x["LabelStats"].values()) for x in labels} == {
        "cup": (1, 2), "person": (2, 0), "politician": (1, 0), "spoon": (1, 1)}
    errors = client.list_dataset_entries(DatasetArn=train, HasErrors=True)["DatasetEntries"]
    assert [json.loads(e) for e in errors] == [{"errors": [
        {"code": "ERROR_INVALID_JSON_LINE", "message": "The JSON Line has an invalid format."}]}]
    biden = client.list_dataset_entries(DatasetArn=train, SourceRefContains="biden")
    assert [json.loads(e)["what-metadata"]["class-name"] for e in biden["DatasetEntries"]] == [
        "politician"]
    page = client.list_dataset_entries(DatasetArn=train, Labeled=True, MaxResults=3)
    rest = client.list_dataset_entries(DatasetArn=train, Labeled=True, MaxResults=3,
                                       NextToken=page["NextToken"])
    assert len(page["DatasetEntries"]) == 3 and len(rest["DatasetEntries"]) == 1
    assert "NextToken" not in rest

    # A copy of the training dataset, and the 20% split into an empty test dataset.
    other = client.create_project(ProjectName="other")["ProjectArn"]
    copied = client.create_dataset(ProjectArn=other, DatasetType="TRAIN",
                                   DatasetSource={"DatasetArn": train})["DatasetArn"]
    assert client.list_dataset_entries(DatasetArn=copied)["DatasetEntries"] == (
        client.list_dataset_entries(DatasetArn=train)["DatasetEntries"])
    test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    fails(client.distribute_dataset_entries, INVALID,
          Datasets=[{"Arn": copied}, {"Arn": test}])  # not the same project
    client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    sizes = [client.describe_dataset(DatasetArn=d)["DatasetDescription"]["DatasetStats"]
             ["TotalEntries"] for d in (train, test)]
    assert sizes == [4, 1]
    fails(client.distribute_dataset_entries, INVALID,  # the test dataset is no longer empty
          Datasets=[{"Arn": train}, {"Arn": test}])


def test_policies_allow_copies_across_accounts(client: Any, bucket: Any,
                                               rek: RekognitionState) -> None:
    project, model = trained(client)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": "rekognition:CopyProjectVersion", "Resource": model}]})
    malformed = ("MalformedPolicyDocumentException", "The format of the project policy "
                 "document that you supplied to PutProjectPolicy is incorrect.")
    for bad in ("{", json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*",
                                                "Action": "rekognition:DetectLabels",
                                                "Resource": "*"}]}),
                json.dumps({"Statement": [{"Effect": "Allow", "NotPrincipal": "*",
                                           "Action": "rekognition:CopyProjectVersion",
                                           "Resource": "*"}]})):
        fails(client.put_project_policy, malformed, ProjectArn=project, PolicyName="bad",
              PolicyDocument=bad)
    revision = client.put_project_policy(ProjectArn=project, PolicyName="share",
                                         PolicyDocument=policy)["PolicyRevisionId"]
    assert re.fullmatch(r"[0-9a-f]{32}", revision)
    fails(client.put_project_policy, ("ResourceAlreadyExistsException",
                                      "The resource already exists."),
          ProjectArn=project, PolicyName="share", PolicyDocument=policy)
    newer = client.put_project_policy(ProjectArn=project, PolicyName="share",
                                      PolicyRevisionId=revision,
                                      PolicyDocument=policy)["PolicyRevisionId"]
    stale = ("InvalidPolicyRevisionIdException",
             "The supplied revision id for the project policy is invalid.")
    fails(client.put_project_policy, stale, ProjectArn=project, PolicyName="share",
          PolicyRevisionId=revision, PolicyDocument=policy)
    fails(client.delete_project_policy, stale, ProjectArn=project, PolicyName="share",
          PolicyRevisionId=revision)
    listed = client.list_project_policies(ProjectArn=project)["ProjectPolicies"]
    assert [(p["PolicyName"], p["PolicyRevisionId"], p["PolicyDocument"]) for p in listed] == [
        ("share", newer, policy)]

    # Another account copies the model its policy allows; a Deny would refuse it.
    other = strict_client()
    other.meta.events.register("before-sign.rekognition.*", _as_account(OTHER_ACCOUNT))
    copies = other.create_project(ProjectName="copies")["ProjectArn"]
    other_s3 = boto3.client("s3", region_name="us-east-1")
    other_s3.meta.events.register("before-sign.s3.*", _as_account(OTHER_ACCOUNT))
    other_s3.create_bucket(Bucket="copied-models")  # the output bucket is in the copier's account
    assert f":{OTHER_ACCOUNT}:project/copies/" in copies
    rek.set_custom_labels(model, photo("coffee.jpg"), [{"Name": "cup", "Confidence": 88.0}])
    RekognitionState(OTHER_ACCOUNT).hold_training(1)
    copy_arn = other.copy_project_version(
        SourceProjectArn=project, SourceProjectVersionArn=model, DestinationProjectArn=copies,
        VersionName="from-shop",
        OutputConfig={"S3Bucket": "copied-models", "S3KeyPrefix": "copies/"},
        Tags={"copied": "yes"})["ProjectVersionArn"]
    assert statuses(other, copies) == ["COPYING_IN_PROGRESS"]
    assert statuses(other, copies) == ["COPYING_COMPLETED"]
    copied = other.describe_project_versions(ProjectArn=copies)["ProjectVersionDescriptions"][0]
    assert copied["SourceProjectVersionArn"] == model
    summary = copied["EvaluationResult"]["Summary"]["S3Object"]
    assert summary["Bucket"] == "copied-models" and summary["Name"].startswith("copies/")
    assert s3_json(other_s3, summary)["EvaluationDetails"]["ProjectVersionArn"] == copy_arn
    assert other.list_tags_for_resource(ResourceArn=copy_arn)["Tags"] == {"copied": "yes"}
    other.start_project_version(ProjectVersionArn=copy_arn, MinInferenceUnits=1)
    assert other.detect_custom_labels(ProjectVersionArn=copy_arn, Image={
        "Bytes": photo("coffee.jpg")})["CustomLabels"] == [{"Name": "cup", "Confidence": 88.0}]

    client.delete_project_policy(ProjectArn=project, PolicyName="share")
    denied = ("AccessDeniedException", "You are not authorized to perform the action.")
    fails(other.copy_project_version, denied, SourceProjectArn=project,
          SourceProjectVersionArn=model, DestinationProjectArn=copies, VersionName="again",
          OutputConfig={"S3Bucket": BUCKET})
    # The same account needs no policy, unless one denies it.
    client.copy_project_version(SourceProjectArn=project, SourceProjectVersionArn=model,
                                DestinationProjectArn=project, VersionName="v2",
                                OutputConfig={"S3Bucket": BUCKET})
    client.put_project_policy(ProjectArn=project, PolicyName="deny", PolicyDocument=json.dumps(
        {"Statement": {"Effect": "Deny", "Principal": "*",
                       "Action": "rekognition:CopyProjectVersion",
                       "Resource": "arn:aws:rekognition:*:*:project/shop/version/*"}}))
    fails(client.copy_project_version, denied, SourceProjectArn=project,
          SourceProjectVersionArn=model, DestinationProjectArn=project, VersionName="v3",
          OutputConfig={"S3Bucket": BUCKET})
    for i in range(4):
        client.put_project_policy(ProjectArn=project, PolicyName=f"p{i}", PolicyDocument=policy)
    fails(client.put_project_policy, ("LimitExceededException",
                                      "An Amazon Rekognition service limit was exceeded."),
          ProjectArn=project, PolicyName="sixth", PolicyDocument=policy)
    page = client.list_project_policies(ProjectArn=project, MaxResults=2)
    assert len(page["ProjectPolicies"]) == 2 and page["NextToken"]


def _as_account(account: str) -> Any:
    def add(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account
    return add


def test_projects_features_and_tags(client: Any, bucket: Any) -> None:
    shop = client.create_project(ProjectName="shop", Tags={"env": "test"})["ProjectArn"]
    fails(client.create_project, IN_USE, ProjectName="shop")
    fails(client.create_project, INVALID, ProjectName="mod", Feature="CONTENT_MODERATION")
    fails(client.create_project, INVALID, ProjectName="auto", AutoUpdate="ENABLED")
    adapter = client.create_project(ProjectName="mod", Feature="CONTENT_MODERATION",
                                    AutoUpdate="DISABLED")["ProjectArn"]
    assert [p["ProjectArn"] for p in client.describe_projects()["ProjectDescriptions"]] == [shop]
    mod = client.describe_projects(Features=["CONTENT_MODERATION"])["ProjectDescriptions"]
    assert [(p["ProjectArn"], p["AutoUpdate"], "Datasets" in p) for p in mod] == [
        (adapter, "DISABLED", False)]
    fails(client.create_dataset, INVALID, ProjectArn=adapter, DatasetType="TRAIN")
    newest = client.describe_projects(Features=["CUSTOM_LABELS", "CONTENT_MODERATION"],
                                      MaxResults=1)
    assert newest["ProjectDescriptions"][0]["ProjectArn"] == adapter and newest["NextToken"]
    assert client.describe_projects(ProjectNames=["nothing"])["ProjectDescriptions"] == []

    assert client.list_tags_for_resource(ResourceArn=shop)["Tags"] == {"env": "test"}
    client.tag_resource(ResourceArn=shop, Tags={"owner": "me"})
    client.untag_resource(ResourceArn=shop, TagKeys=["env"])
    assert client.list_tags_for_resource(ResourceArn=shop)["Tags"] == {"owner": "me"}
    dataset = client.create_dataset(ProjectArn=shop, DatasetType="TRAIN",
                                    Tags={"d": "1"})["DatasetArn"]
    assert client.list_tags_for_resource(ResourceArn=dataset)["Tags"] == {"d": "1"}
    gone = shop[:-1] + ("0" if shop[-1] != "0" else "1")  # another creation time: not this one
    fails(client.list_tags_for_resource, ("ResourceNotFoundException",
                                          f"The resource {gone} does not exist"),
          ResourceArn=gone)
    fails(client.describe_project_versions, NOT_FOUND, ProjectArn=gone)


def _tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 200), "white").save(out, "PNG")
    return out.getvalue()


def test_detect_custom_labels_checks_model_and_image(client: Any, bucket: Any,
                                                     rek: RekognitionState) -> None:
    project, model = trained(client)
    adapter = client.create_project(ProjectName="mod", Feature="CONTENT_MODERATION",
                                    AutoUpdate="DISABLED")["ProjectArn"]
    adapter_model = client.create_project_version(
        ProjectArn=adapter, VersionName="a1", OutputConfig={"S3Bucket": BUCKET},
        TrainingData={"Assets": [source("train.manifest")]},
        TestingData={"AutoCreate": True})["ProjectVersionArn"]
    fails(client.detect_custom_labels, INVALID, ProjectVersionArn=adapter_model,
          Image={"Bytes": photo("coffee.jpg")})
    fails(client.start_project_version, INVALID, ProjectVersionArn=adapter_model,
          MinInferenceUnits=1)
    fails(client.detect_custom_labels, NOT_FOUND,
          ProjectVersionArn=model.replace("version/v1/", "version/v9/"),
          Image={"Bytes": photo("coffee.jpg")})
    fails(client.start_project_version, INVALID, ProjectVersionArn=model,
          MinInferenceUnits=2, MaxInferenceUnits=1)
    fails(client.stop_project_version, INVALID, ProjectVersionArn=model)  # not running
    client.start_project_version(ProjectVersionArn=model, MinInferenceUnits=1)
    fails(client.detect_custom_labels, INVALID, ProjectVersionArn=model,
          Image={"Bytes": _tiny_png()})  # 50 pixels wide: under 64
    fails(client.detect_custom_labels, ("InvalidImageFormatException",
                                        "Request has invalid image format"),
          ProjectVersionArn=model, Image={"Bytes": b"GIF89a" + b"\0" * 100})
    fails(client.detect_custom_labels, ("ImageTooLargeException", "Image size is too large."),
          ProjectVersionArn=model, Image={"Bytes": b"\xff\xd8\xff" + b"\0" * (4 * 1024**2)})
    fails(client.detect_custom_labels, INVALID, ProjectVersionArn=model, Image={})

    with pytest.raises(ValueError, match="labels\\[0\\] lacks Confidence"):
        rek.set_custom_labels(model, photo("coffee.jpg"), [{"Name": "cup"}])
    with pytest.raises(ValueError, match="less than or equal to 100"):
        rek.set_custom_labels(model, photo("coffee.jpg"), [{"Name": "cup", "Confidence": 101}])
    with pytest.raises(ValueError, match="not a model version ARN"):
        rek.set_custom_labels(project, photo("coffee.jpg"), [])
    rek.set_custom_labels(model, photo("coffee.jpg"), [
        {"Name": f"label{i}", "Confidence": 90.0 - i,
         "Geometry": {"Polygon": [{"X": 0.1, "Y": 0.1}, {"X": 0.5, "Y": 0.2},
                                  {"X": 0.3, "Y": 0.6}]}} for i in range(5)])
    found = client.detect_custom_labels(ProjectVersionArn=model, MaxResults=3, MinConfidence=87,
                                        Image={"Bytes": photo("coffee.jpg")})["CustomLabels"]
    assert [x["Name"] for x in found] == ["label0", "label1", "label2"]


def test_unknown_and_foreign_arns_are_not_found(client: Any) -> None:
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/nothing/1700000000000"
    for call, params in ((client.delete_project, {"ProjectArn": arn}),
                         (client.list_project_policies, {"ProjectArn": arn}),
                         (client.describe_dataset,
                          {"DatasetArn": arn.replace("/1700", "/dataset/train/1700")}),
                         (client.stop_project_version,
                          {"ProjectVersionArn": arn.replace("/1700", "/version/v/1700")})):
        fails(call, NOT_FOUND, **params)
    foreign = boto3.client("rekognition", region_name="us-east-1")
    project = foreign.create_project(ProjectName="here")["ProjectArn"]
    fails(client.describe_project_versions, NOT_FOUND,
          ProjectArn=project.replace("us-east-1", "us-west-2"))
    fails(client.delete_project_policy, NOT_FOUND, ProjectArn=project, PolicyName="none")
