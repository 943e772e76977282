"""The suite's fixtures come from plugin modules (tests/plugins/), builders from tests/factories/.

Every database fixture runs on SQLite and PostgreSQL (see tests/plugins/databases.py). Nothing
imports from a conftest file: a helper that tests call belongs in tests/factories/, a fixture
that several folders use in a plugin listed here.
"""

pytest_plugins = [
    "tests.plugins.connections",
    "tests.plugins.databases",
    "tests.plugins.demo",
    "tests.plugins.world",
    "tests.plugins.browser",
]
