"""Imports every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from ccops.audit import models as audit_models
from ccops.cases import models as cases_models
from ccops.contacts import models as contacts_models
from ccops.db import Base
from ccops.jobs import models as jobs_models
from ccops.knowledge import models as knowledge_models
from ccops.metrics import models as metrics_models
from ccops.notifications import models as notifications_models
from ccops.org import models as org_models
from ccops.performance import models as performance_models
from ccops.quality import models as quality_models
from ccops.value import models as value_models
from ccops.voice import models as voice_models
from ccops.wfm.allowances import models as allowance_models
from ccops.wfm.bidding import models as bidding_models
from ccops.wfm.capacity import models as capacity_models
from ccops.wfm.forecasts import models as forecast_models
from ccops.wfm.frontline import models as frontline_models
from ccops.wfm.intraday import models as intraday_models
from ccops.wfm.overtime import models as overtime_models
from ccops.wfm.requests import models as request_models
from ccops.wfm.schedules import models as schedule_models
from ccops.wfm.staffing import models as staffing_models
from ccops.wfm.swapboard import models as swapboard_models

__all__ = [
    "Base",
    "allowance_models",
    "audit_models",
    "bidding_models",
    "capacity_models",
    "cases_models",
    "contacts_models",
    "forecast_models",
    "intraday_models",
    "jobs_models",
    "knowledge_models",
    "metrics_models",
    "notifications_models",
    "org_models",
    "performance_models",
    "quality_models",
    "request_models",
    "schedule_models",
    "staffing_models",
    "overtime_models",
    "frontline_models",
    "swapboard_models",
    "value_models",
    "voice_models",
]
