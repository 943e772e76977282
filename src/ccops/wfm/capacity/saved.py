"""Site plans kept under a name: a computed plan's inputs and weekly results stored together
(who kept it, when), listed per site, opened as they were, and compared with the same inputs
computed again on today's data (a forecast redone, people gone, a wave moved)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Site
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity import site as capacity_site
from ccops.wfm.capacity.models import SavedSitePlan


def _totals(week: schemas.SiteWeekOut) -> tuple[float, float, float, float]:
    return (
        sum(week.required_fte.values()),
        sum(week.on_hand.values()),
        sum(week.gap_without_waves.values()),
        sum(week.gap_with_waves.values()),
    )


def _summary(
    row: SavedSitePlan, site: str, plan: schemas.SitePlanOut
) -> schemas.SavedSitePlanSummary:
    return schemas.SavedSitePlanSummary(
        id=row.id,
        name=row.name,
        site=site,
        created_by=row.created_by,
        created_at=row.created_at,
        first_week=row.first_week,
        weeks=row.weeks,
        people=sum(plan.staff.values()),
        waves=[w.name for w in plan.waves],
        peak_gap_without_waves=round(
            max((sum(w.gap_without_waves.values()) for w in plan.weeks), default=0.0), 4
        ),
        peak_gap_with_waves=round(
            max((sum(w.gap_with_waves.values()) for w in plan.weeks), default=0.0), 4
        ),
    )


def _out(row: SavedSitePlan, site: str) -> schemas.SavedSitePlanOut:
    plan = schemas.SitePlanOut.model_validate_json(row.result_json)
    return schemas.SavedSitePlanOut(
        **_summary(row, site, plan).model_dump(),
        inputs=schemas.SitePlanIn.model_validate_json(row.inputs_json),
        plan=plan,
    )


def save_site_plan(
    *, session: Session, data: schemas.SavedSitePlanIn, by: str, scope: org_service.Scope
) -> schemas.SavedSitePlanOut:
    """Compute a site plan (as ``site.site_plan``: refused waves keep nothing) and keep it under
    ``data.name`` with its inputs."""
    inputs = schemas.SitePlanIn.model_validate(data.model_dump(exclude={"name"}))
    plan = capacity_site.site_plan(session=session, data=inputs, scope=scope)
    site = org_service.get_site(session=session, name=plan.site)
    row = SavedSitePlan(
        site_id=site.id,
        name=data.name,
        first_week=inputs.first_week,
        weeks=inputs.weeks,
        inputs_json=inputs.model_dump_json(),
        result_json=plan.model_dump_json(),
        created_by=by,
    )
    session.add(row)
    session.flush()
    return _out(row, site.name)


def _row_in_scope(
    session: Session, saved_id: int, scope: org_service.Scope
) -> tuple[SavedSitePlan, str]:
    row = session.get(SavedSitePlan, saved_id)
    if row is None or not scope.allows_site(row.site_id):
        raise NotFound(f"no saved site plan {saved_id}", [Problem("not found", "saved_id")])
    site = session.get(Site, row.site_id)
    assert site is not None  # a foreign key
    return row, site.name


def get_site_plan(
    *, session: Session, saved_id: int, scope: org_service.Scope
) -> schemas.SavedSitePlanOut:
    """A kept site plan of a site in scope, as it was computed."""
    row, site = _row_in_scope(session, saved_id, scope)
    return _out(row, site)


def list_site_plans(
    *, session: Session, scope: org_service.Scope, site: str | None = None
) -> list[schemas.SavedSitePlanSummary]:
    """The kept site plans of the sites in scope (or of one), newest first."""
    query = select(SavedSitePlan, Site.name).join(Site, Site.id == SavedSitePlan.site_id)
    if site is not None:
        site_id = org_service.get_site(session=session, name=site).id
        if not scope.allows_site(site_id):
            raise NotFound(f"no site {site!r} in your scope", [Problem("outside scope", "site")])
        query = query.where(SavedSitePlan.site_id == site_id)
    rows = session.execute(
        query.order_by(SavedSitePlan.created_at.desc(), SavedSitePlan.id.desc())
    ).all()
    return [
        _summary(row, name, schemas.SitePlanOut.model_validate_json(row.result_json))
        for row, name in rows
        if scope.allows_site(row.site_id)
    ]


def compare_site_plan(
    *, session: Session, saved_id: int, scope: org_service.Scope
) -> schemas.SitePlanComparisonOut:
    """A kept plan beside its inputs computed again now: the totals of each week then and now,
    the waves added, removed or changed since, and who is newly or no longer counted as leaving
    for a promotion."""
    saved = get_site_plan(session=session, saved_id=saved_id, scope=scope)
    now = capacity_site.site_plan(session=session, data=saved.inputs, scope=scope)
    weeks = []
    for then_week, now_week in zip(saved.plan.weeks, now.weeks, strict=True):
        r0, h0, g0, w0 = _totals(then_week)
        r1, h1, g1, w1 = _totals(now_week)
        weeks.append(
            schemas.ComparedWeekOut(
                week_index=then_week.week_index,
                week_start=then_week.week_start,
                required_saved=round(r0, 4),
                required_now=round(r1, 4),
                on_hand_saved=round(h0, 4),
                on_hand_now=round(h1, 4),
                gap_without_waves_saved=round(g0, 4),
                gap_without_waves_now=round(g1, 4),
                gap_with_waves_saved=round(w0, 4),
                gap_with_waves_now=round(w1, 4),
                change_gap_with_waves=round(w1 - w0, 4),
            )
        )
    then_waves = {w.name: w for w in saved.plan.waves}
    now_waves = {w.name: w for w in now.waves}
    then_promoted = {p.person for p in saved.plan.promotions}
    now_promoted = {p.person for p in now.promotions}
    return schemas.SitePlanComparisonOut(
        saved=schemas.SavedSitePlanSummary.model_validate(
            saved.model_dump(exclude={"inputs", "plan"})
        ),
        now=now,
        weeks=weeks,
        people_saved=sum(saved.plan.staff.values()),
        people_now=sum(now.staff.values()),
        waves_added=sorted(set(now_waves) - set(then_waves)),
        waves_removed=sorted(set(then_waves) - set(now_waves)),
        waves_changed=sorted(
            n for n in set(now_waves) & set(then_waves) if now_waves[n] != then_waves[n]
        ),
        promotions_added=sorted(now_promoted - then_promoted),
        promotions_removed=sorted(then_promoted - now_promoted),
    )
