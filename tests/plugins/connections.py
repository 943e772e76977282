"""Name the code that opened a PostgreSQL connection the garbage collector later finds open.

psycopg warns (``ResourceWarning``) when an open connection is collected; the suite turns
warnings into errors, so the test running at that moment fails although another test leaked
the connection. This plugin records a short stack when each connection is opened and writes
it to stderr when such a connection is collected, so the report points at the culprit.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg._connection_base import BaseConnection

_ORIGIN = "_ccops_opened_at"


@pytest.fixture(scope="session", autouse=True)
def _name_leaked_connections() -> Iterator[None]:
    original_init = BaseConnection.__init__
    original_del = BaseConnection.__del__

    def init(self: BaseConnection[Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        ours = [f for f in traceback.extract_stack()[:-1] if "site-packages" not in f.filename]
        where = f"thread {threading.current_thread().name}\n"
        setattr(self, _ORIGIN, where + "".join(traceback.format_list(ours[-12:])))

    def collected(self: BaseConnection[Any], *args: Any) -> None:
        if hasattr(self, "pgconn") and not self.closed and not hasattr(self, "_pool"):
            origin = getattr(self, _ORIGIN, "(opened before the suite started)")
            sys.stderr.write(
                f"\nccops: an open PostgreSQL connection was collected; opened at:\n{origin}"
            )
        original_del(self, *args)

    BaseConnection.__init__ = init  # type: ignore[method-assign]
    BaseConnection.__del__ = collected  # type: ignore[method-assign]
    yield
    BaseConnection.__init__ = original_init  # type: ignore[method-assign]
    BaseConnection.__del__ = original_del  # type: ignore[method-assign]
