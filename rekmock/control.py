"""Public home of the control-API client: ``from rekmock.control import Client``."""

from .server.client import Client, ControlError

__all__ = ["Client", "ControlError"]
