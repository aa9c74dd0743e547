"""AWS error responses, as Rekognition names and words them.

Each class is a moto ``ServiceException`` (a ``code`` and a ``message``);
``rekmock.service.responses`` writes the JSON error body (``__type``, ``Code``, ``Logref``,
``Message``) with the model's HTTP status.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class RekognitionError(ServiceException):
    """Base for every error rekmock raises. The model gives no HTTP status for Rekognition's
    errors; the service answers 400 for client errors, 500 for its own failures."""

    status = 400


class ValidationException(RekognitionError):
    """A request member broke a modelled constraint (not in the model's error list)."""

    code = "ValidationException"


class SerializationException(RekognitionError):
    """A request member has the wrong JSON type, or the body is not JSON at all."""

    code = "SerializationException"


class UnknownOperationException(RekognitionError):
    """``X-Amz-Target`` names no operation of the service (or is missing)."""

    code = "UnknownOperationException"
    message = "Unknown operation"


class RequestEntityTooLarge(RekognitionError):
    """A request body (after gzip inflation) over rekmock's limit, refused before it is read."""

    code = "RequestEntityTooLargeException"
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body exceeds the limit of {limit} bytes")


class InvalidParameterException(RekognitionError):
    code = "InvalidParameterException"
    message = "Request has invalid parameters"


class InvalidImageFormatException(RekognitionError):
    code = "InvalidImageFormatException"
    message = "Request has invalid image format"


class ImageTooLargeException(RekognitionError):
    code = "ImageTooLargeException"
    message = "Image size is too large."


class InvalidS3ObjectException(RekognitionError):
    code = "InvalidS3ObjectException"
    message = (
        "Unable to get object metadata from S3. Check object key, region and/or access permissions."
    )


class ResourceNotFoundException(RekognitionError):
    code = "ResourceNotFoundException"
    message = "The resource specified in the request cannot be found."


class ResourceAlreadyExistsException(RekognitionError):
    code = "ResourceAlreadyExistsException"
    message = "The resource already exists."


class InvalidPaginationTokenException(RekognitionError):
    code = "InvalidPaginationTokenException"
    message = "Invalid Token"


class IdempotentParameterMismatchException(RekognitionError):
    code = "IdempotentParameterMismatchException"
    message = (
        "A ClientRequestToken input parameter was reused with an operation, "
        "but at least one of the other input parameters is different from the previous call "
        "to the operation."
    )


class ServiceQuotaExceededException(RekognitionError):
    code = "ServiceQuotaExceededException"
    message = "The size of the collection or the number of faces for the user exceeds the limit."


class ConflictException(RekognitionError):
    code = "ConflictException"
    message = (
        "A User with the same Id already exists within the collection, or the update or "
        "deletion of the User caused an inconsistent state."
    )


class UnknownRegion(RekognitionError):
    """Rekognition is not offered in the client's region (the real client could not even
    connect); moto's MOTO_ALLOW_NONEXISTENT_REGION=true lifts the check."""

    code = "UnknownRegion"

    def __init__(self, region: str) -> None:
        super().__init__(
            f"Rekognition is not offered in region '{region}' (botocore lists no endpoint "
            "there); set MOTO_ALLOW_NONEXISTENT_REGION=true to mock it anyway"
        )


class InternalServerError(RekognitionError):
    """Last resort: a bug in rekmock, reported as the service reports its own failures."""

    code = "InternalServerError"
    status = 500  # so SDKs retry it, as they retry the service's own
    message = "Amazon Rekognition experienced a service issue. Try your call again."


# -- Custom Labels (projects, datasets, model versions, project policies) ----------------------
# The service's wording for these cases is not published; each message is the model's own
# description of the error.


class ResourceInUseException(RekognitionError):
    code = "ResourceInUseException"
    message = "The specified resource is already being used."


class ResourceNotReadyException(RekognitionError):
    code = "ResourceNotReadyException"
    message = "The requested resource isn't ready."


class LimitExceededException(RekognitionError):
    code = "LimitExceededException"
    message = "An Amazon Rekognition service limit was exceeded."


class AccessDeniedException(RekognitionError):
    code = "AccessDeniedException"
    message = "You are not authorized to perform the action."


class InvalidPolicyRevisionIdException(RekognitionError):
    code = "InvalidPolicyRevisionIdException"
    message = "The supplied revision id for the project policy is invalid."


class MalformedPolicyDocumentException(RekognitionError):
    code = "MalformedPolicyDocumentException"
    message = (
        "The format of the project policy document that you supplied to PutProjectPolicy is "
        "incorrect."
    )


class UpstreamUnavailable(RekognitionError):
    """A recording run could not reach the service (or the proxy) it forwards to: nothing is
    recorded, and the caller learns why."""

    code = "ServiceUnavailableException"
    status = 503

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"rekmock could not reach the upstream {url}: {reason}")


class InvalidManifestException(RekognitionError):
    """StartMediaAnalysisJob's input manifest holds no line (the wording is rekmock's)."""

    code = "InvalidManifestException"
    message = "The input manifest file is empty."
