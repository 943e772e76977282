"""Imports every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from ccops.contacts import models as contacts_models
from ccops.db import Base
from ccops.metrics import models as metrics_models
from ccops.org import models as org_models
from ccops.wfm import models as wfm_models

__all__ = ["Base", "contacts_models", "metrics_models", "org_models", "wfm_models"]
