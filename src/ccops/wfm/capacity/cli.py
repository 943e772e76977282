"""`ccops capacity plan|list|show`: capacity (hiring) plans from a forecast's workload."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.errors import Invalid, Problem
from ccops.wfm.capacity import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

capacity_app = typer.Typer(help="Capacity (hiring) plans.", no_args_is_help=True)


@capacity_app.command("plan")
@handle_errors
def plan(
    forecast_id: Annotated[int, typer.Option("--forecast", help="Forecast id")],
    current_fte: Annotated[float, typer.Option(help="Productive FTE today")],
    attrition_weekly: Annotated[float, typer.Option(help="Share leaving per week")] = 0.005,
    lead_time_weeks: Annotated[int, typer.Option(help="Weeks from requisition to start")] = 4,
    training_weeks: Annotated[int, typer.Option(help="Weeks from start to go-live")] = 4,
    ramp: Annotated[
        str, typer.Option(help="Productivity per week after go-live, comma-separated")
    ] = "0.5,0.75,0.9",
    occupancy: Annotated[float, typer.Option(help="Planned occupancy")] = 0.85,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the queue")] = 0.3,
    hours_per_fte_week: Annotated[float, typer.Option(help="Paid hours per FTE-week")] = 40.0,
    weeks: Annotated[int, typer.Option(help="Weeks to plan")] = 26,
    as_json: JsonOpt = False,
) -> None:
    """Plan hires week by week: required FTE, available FTE, people to start, gap."""
    try:
        ramp_values = [float(x) for x in ramp.split(",") if x.strip()]
    except ValueError:
        raise Invalid(
            f"ramp: not a comma-separated list of numbers: {ramp!r}",
            [Problem("not numbers", field="ramp")],
        ) from None
    data = schemas.CapacityPlanIn(
        forecast_id=forecast_id,
        current_fte=current_fte,
        attrition_weekly=attrition_weekly,
        lead_time_weeks=lead_time_weeks,
        training_weeks=training_weeks,
        ramp=ramp_values,
        occupancy=occupancy,
        shrinkage=shrinkage,
        hours_per_fte_week=hours_per_fte_week,
        weeks=weeks,
    )
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import service as capacity_service

    with unit_of_work() as s:
        out = capacity_service.capacity_plan(session=s, data=data, created_by=who())
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    _print_plan(out)


def _print_plan(out: schemas.CapacityPlanOut) -> None:
    print_table(
        f"Capacity plan {out.id} ({out.queue}): {out.total_hires} hires",
        [
            {
                "week": w.week_index + 1,
                "starts": w.week_start,
                "workload h": f"{w.workload_h:.0f}" + ("" if w.from_forecast else "*"),
                "required FTE": f"{w.required_fte:.1f}",
                "available FTE": f"{w.available_fte:.1f}",
                "hires to start": w.hires_start or "",
                "gap FTE": f"{w.gap_fte:.1f}",
            }
            for w in out.weeks
        ],
        [
            "week",
            "starts",
            "workload h",
            "required FTE",
            "available FTE",
            "hires to start",
            "gap FTE",
        ],
    )
    if out.notes:
        console.print(out.notes, highlight=False)


@capacity_app.command("list")
@handle_errors
def list_plans(
    forecast_id: Annotated[
        int | None, typer.Option("--forecast", help="Only this forecast")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored capacity plans, newest first."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import service as capacity_service

    with unit_of_work() as s:
        rows = capacity_service.list_capacity_plans(session=s, forecast_id=forecast_id)
    if as_json:
        print_json([r.model_dump(mode="json", exclude={"weeks"}) for r in rows])
        return
    print_table(
        "Capacity plans",
        [
            {
                "id": r.id,
                "forecast": r.forecast_id,
                "queue": r.queue,
                "first week": r.first_week,
                "weeks": len(r.weeks),
                "current FTE": f"{r.current_fte:g}",
                "hires": r.total_hires,
                "by": r.created_by,
            }
            for r in rows
        ],
        ["id", "forecast", "queue", "first week", "weeks", "current FTE", "hires", "by"],
    )


@capacity_app.command("show")
@handle_errors
def show(
    plan_id: Annotated[int, typer.Argument(help="Capacity plan id")], as_json: JsonOpt = False
) -> None:
    """Show a capacity plan week by week."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import service as capacity_service

    with unit_of_work() as s:
        out = capacity_service.get_capacity_plan(session=s, plan_id=plan_id)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    _print_plan(out)


@capacity_app.command("site")
@handle_errors
def site(
    file: Annotated[
        Path, typer.Argument(help="JSON: site, first_week, waves (see the planner's docs)")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Plan a site's capacity over all its queues, without and with each hiring wave."""
    import json

    from ccops.errors import no_such_file
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import site as capacity_site

    if not file.exists():
        raise no_such_file(file)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise Invalid(f"{file}: not JSON ({exc})", [Problem(str(exc), file=str(file))]) from None
    data = schemas.SitePlanIn.model_validate(raw)
    with unit_of_work() as s:
        out = capacity_site.site_plan(session=s, data=data, scope=EVERYTHING)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = [
        {
            "week": w.week_index + 1,
            "starts": w.week_start.isoformat(),
            "required FTE": f"{sum(w.required_fte.values()):.1f}",
            "on hand": f"{sum(w.on_hand.values()):.1f}",
            "promoted out": f"{w.promoted_out:.1f}",
            "gap, no wave": f"{sum(w.gap_without_waves.values()):.1f}",
            **{f"gap, only {k}": f"{v:.1f}" for k, v in w.gap_with_each_wave.items()},
            "gap, all waves": f"{sum(w.gap_with_waves.values()):.1f}",
        }
        for w in out.weeks
    ]
    print_table(f"{out.site} from {out.first_week}", rows, list(rows[0]) if rows else ["week"])
    for p in out.promotions:
        console.print(
            f"ready for promotion ({p.status}): {p.person} ({', '.join(p.skills)}) leaves the "
            f"pool on {p.leaves_on}"
        )
    for note in out.notes:
        console.print(note)


@capacity_app.command("wave-add")
@handle_errors
def wave_add(
    file: Annotated[Path, typer.Argument(help="JSON: one wave with its site")],
    as_json: JsonOpt = False,
) -> None:
    """Keep a hiring wave of a site; its site plans then include it."""
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import site as capacity_site

    data = _wave_file(file)
    with unit_of_work() as s:
        out = capacity_site.add_wave(session=s, data=data, by=who(), scope=EVERYTHING)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"wave {out.name!r} of {out.site} kept ({out.state})")


def _wave_file(file: Path) -> schemas.StoredWaveIn:
    """The wave a JSON file describes, or the refusal naming the file."""
    import json

    from ccops.errors import no_such_file

    if not file.exists():
        raise no_such_file(file)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise Invalid(f"{file}: not JSON ({exc})", [Problem(str(exc), file=str(file))]) from None
    return schemas.StoredWaveIn.model_validate(raw)


@capacity_app.command("wave-edit")
@handle_errors
def wave_edit(
    wave_id: Annotated[int, typer.Argument(help="The wave's id (see `waves`)")],
    file: Annotated[Path, typer.Argument(help="JSON: the whole wave as it should be")],
    as_json: JsonOpt = False,
) -> None:
    """Change a stored hiring wave; checked as a new wave is, its site kept."""
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import site as capacity_site

    data = _wave_file(file)
    with unit_of_work() as s:
        out = capacity_site.update_wave(session=s, wave_id=wave_id, data=data, scope=EVERYTHING)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"wave {out.name!r} of {out.site} changed ({out.state})")


@capacity_app.command("wave-remove")
@handle_errors
def wave_remove(
    wave_id: Annotated[int, typer.Argument(help="The wave's id (see `waves`)")],
    as_json: JsonOpt = False,
) -> None:
    """Remove a stored hiring wave (a cancelled requisition)."""
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import site as capacity_site

    with unit_of_work() as s:
        out = capacity_site.remove_wave(session=s, wave_id=wave_id, scope=EVERYTHING)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"wave {out.name!r} of {out.site} removed")


@capacity_app.command("waves")
@handle_errors
def waves(
    site: Annotated[str, typer.Option(help="Site name")],
    as_json: JsonOpt = False,
) -> None:
    """List a site's hiring waves by class start, with where each stands today."""
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import site as capacity_site

    with unit_of_work() as s:
        out = capacity_site.list_waves(session=s, site=site, scope=EVERYTHING)
    if as_json:
        print_json([w.model_dump(mode="json") for w in out])
        return
    rows = [
        {
            "id": w.id,
            "wave": w.name,
            "hires": w.hires,
            "queue": w.queue,
            "skills": ", ".join(w.skills),
            "class": f"{w.class_start} – {w.class_end}",
            "go-live": w.go_live.isoformat(),
            "state": w.state,
        }
        for w in out
    ]
    print_table(f"hiring waves of {site}", rows, list(rows[0]) if rows else ["wave"])


site_plan_app = typer.Typer(help="Site plans kept under a name.", no_args_is_help=True)
capacity_app.add_typer(site_plan_app, name="site-plan")


def _site_plan_file(file: Path) -> dict[str, object]:
    import json

    from ccops.errors import no_such_file

    if not file.exists():
        raise no_such_file(file)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise Invalid(f"{file}: not JSON ({exc})", [Problem(str(exc), file=str(file))]) from None
    if not isinstance(raw, dict):
        raise Invalid(f"{file}: not a JSON object", [Problem("not an object", file=str(file))])
    return raw


@site_plan_app.command("save")
@handle_errors
def site_plan_save(
    file: Annotated[
        Path, typer.Argument(help="JSON: site, first_week, waves (as for `capacity site`)")
    ],
    name: Annotated[str, typer.Option(help="The name to keep the plan under")],
    as_json: JsonOpt = False,
) -> None:
    """Compute a site plan and keep it under a name with its inputs and weekly results."""
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import saved as capacity_saved

    data = schemas.SavedSitePlanIn.model_validate(_site_plan_file(file) | {"name": name})
    with unit_of_work() as s:
        out = capacity_saved.save_site_plan(session=s, data=data, by=who(), scope=EVERYTHING)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(
        f"site plan {out.id} {out.name!r} of {out.site} kept: peak gap "
        f"{out.peak_gap_without_waves:.1f} FTE without the waves, "
        f"{out.peak_gap_with_waves:.1f} with every wave"
    )


@site_plan_app.command("list")
@handle_errors
def site_plan_list(
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the kept site plans, newest first."""
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import saved as capacity_saved

    with unit_of_work() as s:
        rows = capacity_saved.list_site_plans(session=s, scope=EVERYTHING, site=site)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Kept site plans",
        [
            {
                "id": r.id,
                "name": r.name,
                "site": r.site,
                "first week": r.first_week.isoformat(),
                "weeks": r.weeks,
                "peak gap, no wave": f"{r.peak_gap_without_waves:.1f}",
                "peak gap, all waves": f"{r.peak_gap_with_waves:.1f}",
                "by": r.created_by,
            }
            for r in rows
        ],
        [
            "id",
            "name",
            "site",
            "first week",
            "weeks",
            "peak gap, no wave",
            "peak gap, all waves",
            "by",
        ],
    )


@site_plan_app.command("show")
@handle_errors
def site_plan_show(
    saved_id: Annotated[int, typer.Argument(help="The kept plan's id (see `site-plan list`)")],
    compare: Annotated[
        bool, typer.Option("--compare", help="Beside the same inputs computed again today")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show a kept site plan week by week (with --compare: as kept and as computed today)."""
    from ccops.org.service import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.wfm.capacity import saved as capacity_saved

    if compare:
        with unit_of_work() as s:
            cmp = capacity_saved.compare_site_plan(session=s, saved_id=saved_id, scope=EVERYTHING)
        if as_json:
            print_json(cmp.model_dump(mode="json"))
            return
        print_table(
            f"{cmp.saved.name} ({cmp.saved.site}): as kept and now",
            [
                {
                    "week": w.week_index + 1,
                    "starts": w.week_start.isoformat(),
                    "required kept": f"{w.required_saved:.1f}",
                    "required now": f"{w.required_now:.1f}",
                    "gap kept": f"{w.gap_with_waves_saved:.1f}",
                    "gap now": f"{w.gap_with_waves_now:.1f}",
                    "change": f"{w.change_gap_with_waves:+.1f}",
                }
                for w in cmp.weeks
            ],
            ["week", "starts", "required kept", "required now", "gap kept", "gap now", "change"],
        )
        for label, names in (
            ("waves added", cmp.waves_added),
            ("waves removed", cmp.waves_removed),
            ("waves changed", cmp.waves_changed),
            ("newly leaving for a promotion", cmp.promotions_added),
            ("no longer leaving for a promotion", cmp.promotions_removed),
        ):
            if names:
                console.print(f"{label}: {', '.join(names)}")
        return
    with unit_of_work() as s:
        out = capacity_saved.get_site_plan(session=s, saved_id=saved_id, scope=EVERYTHING)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_table(
        f"{out.name} ({out.site}), kept by {out.created_by} on {out.created_at:%Y-%m-%d %H:%M}",
        [
            {
                "week": w.week_index + 1,
                "starts": w.week_start.isoformat(),
                "required FTE": f"{sum(w.required_fte.values()):.1f}",
                "on hand": f"{sum(w.on_hand.values()):.1f}",
                "gap, no wave": f"{sum(w.gap_without_waves.values()):.1f}",
                "gap, all waves": f"{sum(w.gap_with_waves.values()):.1f}",
            }
            for w in out.plan.weeks
        ],
        ["week", "starts", "required FTE", "on hand", "gap, no wave", "gap, all waves"],
    )
