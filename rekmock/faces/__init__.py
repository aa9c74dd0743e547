"""A request's image to faces in the service's words: intake (Bytes or S3, decoding, limits),
analysis (vision results as FaceDetail members, scripted fields applied), QualityFilter."""
