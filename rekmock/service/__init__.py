"""The Rekognition service as moto sees it: URLs, request parsing and validation, one handler per
operation. Knows HTTP and AWS request shapes; knows nothing of OpenCV."""
