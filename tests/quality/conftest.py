"""The web tests' organisation (one user per role) for the quality routes."""

from tests.web.conftest import world, world_template

__all__ = ["world", "world_template"]
