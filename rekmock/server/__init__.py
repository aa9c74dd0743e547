"""``rekmock serve``: rekmock's Rekognition, moto's other services and the control API over HTTP."""
