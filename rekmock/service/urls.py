"""URL routing for moto: the same endpoints as moto's Rekognition, served by rekmock."""

from .responses import RekognitionResponse

url_bases = [r"https?://rekognition\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": RekognitionResponse.dispatch}
