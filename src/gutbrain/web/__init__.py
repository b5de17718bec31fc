"""The web face: a FastAPI REST API and the explorer page (``gutbrain serve``).

Nothing below the faces imports this package; it only calls the library."""

from gutbrain.web.app import create_app
from gutbrain.web.limits import Limits

__all__ = ["Limits", "create_app"]
