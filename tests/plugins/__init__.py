"""pytest plugins of the suite, registered by ``pytest_plugins`` in ``tests/conftest.py``.

Fixtures that several folders use live here (databases, the demo centre, the two-site world,
the browser, the data outside the repository); builders that tests call live in
``tests/factories``. Nothing imports from a conftest file.
"""
