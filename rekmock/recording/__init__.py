"""Record once against the real service, replay offline.

* :mod:`.operations`: which operations are forwarded, and which are replayed as recorded.
* :mod:`.requests`: a request with its images named by SHA-256 (what a recording keeps and what
  a replay matches on), and the body sent upstream (S3 images as bytes).
* :mod:`.store`: recordings as diff-friendly JSON files, one per distinct call.
* :mod:`.forward`: the signed call to the upstream, around moto's interception.
* :mod:`.facts`: recorded answers as facts about images (faces, pair similarities).
* :mod:`.modes`: the recorder and the replayer the service's dispatch asks first.

Importing the package imports nothing heavy (the pytest plugin reads options through it).
"""
