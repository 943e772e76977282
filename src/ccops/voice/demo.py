"""Demo voice of staff: a past engagement survey, a team-leader rating round in which one team has
fewer than 5 respondents (its result is suppressed), an engagement round open now, suggestions
in every state, huddles with notes and actions."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org.models import Person, Team
from ccops.voice import huddles, schemas, suggestions, surveys

SEED = 18
ENGAGEMENT = "Engagement"
LEADER = "Team leader rating"
COMMENTS = (
    "More time for coaching, please.",
    "The launch week was hard; the huddles helped.",
    "Break rooms are too small.",
    "I like the new standard answers.",
    "Schedules come out late.",
    "My team leader listens.",
    "Training on the new product came after the launch.",
)


def _agents_by_team(session: Session) -> dict[str, list[Person]]:
    out: dict[str, list[Person]] = {}
    rows = session.execute(
        select(Team.name, Person)
        .join(Person, Person.team_id == Team.id)
        .where(Person.role == Role.agent, Person.termination_date.is_(None))
        .order_by(Team.name, Person.id)
    )
    for team, person in rows:
        out.setdefault(team, []).append(person)
    return out


def _survey(session: Session, name: str, kind: str) -> None:
    if kind == "leader":
        questions = [
            schemas.QuestionIn(key="listens", text="My team leader listens to me"),
            schemas.QuestionIn(key="coaching", text="My team leader's coaching helps me improve"),
            schemas.QuestionIn(key="fair", text="My team leader treats everyone fairly"),
            schemas.QuestionIn(
                key="comment", text="What should your team leader keep or change?", kind="text"
            ),
        ]
    else:
        questions = [
            schemas.QuestionIn(key="proud", text="I am proud to work here"),
            schemas.QuestionIn(
                key="recommend", text="I would recommend this centre as a place to work"
            ),
            schemas.QuestionIn(key="tools", text="I have the tools and answers I need"),
            schemas.QuestionIn(
                key="workload",
                text="My workload is",
                kind="choice",
                choices=["too low", "about right", "too high"],
            ),
            schemas.QuestionIn(key="comment", text="Anything else?", kind="text"),
        ]
    surveys.create_survey(
        session=session,
        data=schemas.SurveyIn(name=name, kind=kind, questions=questions),
        by="manager",
    )


def _answers(rng: random.Random, kind: str, mood: float) -> schemas.AnswerIn:
    def rating() -> int:
        return max(1, min(5, round(rng.gauss(mood, 0.9))))

    if kind == "leader":
        got: dict[str, int | str] = {"listens": rating(), "coaching": rating(), "fair": rating()}
    else:
        got = {
            "proud": rating(),
            "recommend": rating(),
            "tools": rating(),
            "workload": rng.choice(["about right", "about right", "too high", "too low"]),
        }
    if rng.random() < 0.6:
        got["comment"] = rng.choice(COMMENTS)
    return schemas.AnswerIn(answers=got)


def _run_round(
    session: Session,
    rng: random.Random,
    survey: str,
    kind: str,
    label: str,
    opens: date,
    teams: dict[str, list[Person]],
    share: dict[str, float],
    close: bool,
) -> None:
    r = surveys.open_round(
        session=session,
        survey=survey,
        data=schemas.RoundIn(label=label, opens_on=opens, closes_on=opens + timedelta(days=13)),
        by="manager",
    )
    for team, people in teams.items():
        mood = 3.2 + rng.random() * 1.2
        n = round(len(people) * share.get(team, 0.8))
        for p in rng.sample(people, n):
            surveys.answer(
                session=session,
                round_id=r.id,
                person_id=p.id,
                data=_answers(rng, kind, mood),
                today=opens + timedelta(days=2),
            )
    if close:
        surveys.close_round(session=session, round_id=r.id)


def seed_demo(session: Session, *, end: date, launch: date) -> None:
    """Surveys, suggestions and huddles relative to the demo's last day ``end``."""
    rng = random.Random(SEED)
    teams = _agents_by_team(session)
    names = sorted(teams)
    _survey(session, ENGAGEMENT, "engagement")
    _survey(session, LEADER, "leader")
    past = end - timedelta(days=49)
    _run_round(
        session, rng, ENGAGEMENT, "engagement", past.strftime("%Y-%m"), past, teams, {}, True
    )
    # the leader round: the first team has only 3 respondents (its result is suppressed)
    few = {names[0]: 3 / max(len(teams[names[0]]), 3)}
    leader_opens = end - timedelta(days=28)
    _run_round(
        session,
        rng,
        LEADER,
        "leader",
        leader_opens.strftime("%Y-%m"),
        leader_opens,
        teams,
        few,
        True,
    )
    # an engagement round open now, answered by part of the centre
    now = end - timedelta(days=3)
    half = dict.fromkeys(names, 0.4)
    _run_round(
        session, rng, ENGAGEMENT, "engagement", now.strftime("%Y-%m"), now, teams, half, False
    )
    _suggestions(session, teams, names, end, launch)
    _huddles(session, teams, names, end, launch)


def _suggestions(
    session: Session, teams: dict[str, list[Person]], names: list[str], end: date, launch: date
) -> None:
    ideas = (
        ("Publish the login fix as a standard answer on day one", "adopted", False),
        ("A quiet room for breaks", "submitted", True),
        ("Show the queue's wait on the wallboard in minutes", "in_review", False),
        ("Four-day weeks in summer", "declined", False),
        ("Macro for refund status", "implemented", False),
        ("Huddle at 08:50, not 09:00, on launch days", "adopted", True),
    )
    for i, (title, state, anonymous) in enumerate(ideas):
        author = teams[names[i % len(names)]][i]
        day = launch - timedelta(days=10) + timedelta(days=4 * i)
        out = suggestions.submit(
            session=session,
            data=schemas.SuggestionIn(title=title, text=title + ".", anonymous=anonymous),
            author_login=author.login,
            today=min(day, end),
            owner="manager",
        )
        if state == "submitted":
            continue
        steps = {"in_review": ["in_review"], "implemented": ["adopted", "implemented"]}.get(
            state, [state]
        )
        for n, step in enumerate(steps):
            suggestions.decide(
                session=session,
                suggestion_id=out.id,
                data=schemas.DecisionIn(
                    decision=step,
                    reason={
                        "in_review": "Asking the floor managers",
                        "adopted": "Cheap, and it saves a transfer",
                        "declined": "Service level in summer would not hold",
                        "implemented": "Live since the launch week",
                    }[step],
                    reward="Lunch voucher" if step == "adopted" else "",
                ),
                by="manager",
                today=min(out.submitted_on + timedelta(days=5 + 12 * n + i), end),
            )


def _huddles(
    session: Session, teams: dict[str, list[Person]], names: list[str], end: date, launch: date
) -> None:
    team = names[0]
    people = teams[team]
    day = end - timedelta(days=6)
    while day <= end:
        if day.weekday() < 5 and day != end - timedelta(days=2):
            actions = []
            if day == launch or day == end - timedelta(days=6):
                actions = [
                    schemas.ActionIn(
                        text="Read the new login answer before the 09:00 peak",
                        owner=people[0].login,
                        due_on=day + timedelta(days=1),
                    ),
                    schemas.ActionIn(
                        text="Share one customer quote about the launch at the weekly meeting",
                        owner=people[1].login,
                        due_on=day + timedelta(days=4),
                    ),
                ]
            huddles.record(
                session=session,
                data=schemas.HuddleIn(
                    team=team,
                    kind="huddle",
                    held_on=day,
                    notes="Yesterday's handle time and repeat contacts; today's forecast; "
                    "open exceptions; who to thank.",
                    attendees=[p.login for p in people[: max(2, len(people) - 2)]],
                    actions=actions,
                ),
                by="supervisor",
                today=end,
            )
        day += timedelta(days=1)
    friday = end - timedelta(days=(end.weekday() - 4) % 7)
    huddles.record(
        session=session,
        data=schemas.HuddleIn(
            team=team,
            kind="meeting",
            held_on=friday,
            notes="Weekly meeting: launch week review, suggestions answered, survey reminder.",
            attendees=[p.login for p in people],
        ),
        by="supervisor",
        today=end,
    )
