"""Default numbers that more than one layer uses, named once.

The service's documented defaults (thresholds) and rekmock's own scripting defaults. Constants
only: every layer may import this module (it sits beside ``errors`` and ``botocore_model``).
"""

from __future__ import annotations

# The service's default similarity bar: CompareFaces SimilarityThreshold, SearchFaces(ByImage)
# FaceMatchThreshold, SearchUsers(ByImage) UserMatchThreshold; rekmock's celebrity match too.
MATCH_THRESHOLD = 80.0
# AssociateFaces' UserMatchThreshold default (a new face against the user's faces).
ASSOCIATE_THRESHOLD = 75.0

# What RekognitionState and the control API use when a test does not say.
SAME_PERSON_SIMILARITY = 99.0
DIFFERENT_PERSON_SIMILARITY = 5.0  # never a match at MATCH_THRESHOLD
CELEBRITY_MATCH_CONFIDENCE = 99.0
