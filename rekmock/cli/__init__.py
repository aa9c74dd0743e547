"""The ``rekmock`` command and the drawings of what the mock sees."""
