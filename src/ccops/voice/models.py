"""Tables of two-way communication: anonymous staff surveys, the suggestion box, huddles.

Anonymity of staff surveys is built into these tables, not promised by the code that reads them:

* a ballot (``staff_survey_ballot``) holds the answers of one respondent with the coarse groups
  they are reported in (site, team, tenure band) and nothing else: no person, user, session,
  address or time (the round's dates are the only dates);
* ballots are created blank, in a shuffled batch, when a round opens (more when the audience
  grows), and a respondent fills a blank one picked at random, so neither the row order nor the
  key says in which order people answered; the key is random (no autoincrement), and on SQLite
  the table has no rowid (``WITHOUT ROWID``), so its storage is ordered by that random key;
* who has answered (``staff_survey_respondent``) is a separate set of (round, person) with no
  reference to a ballot, no time and, on SQLite, no rowid either.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class StaffSurvey(Base):
    """A staff survey (engagement, rating one's team leader, ...) and its disclosure limits."""

    __tablename__ = "staff_survey"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="engagement")
    """``engagement`` or ``leader`` (questions about the respondent's own team leader)."""
    description: Mapped[str] = mapped_column(Text, default="")
    min_respondents: Mapped[int] = mapped_column(Integer, default=5)
    min_comments: Mapped[int] = mapped_column(Integer, default=10)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaffSurveyQuestion(Base):
    """A question: a 1-5 rating, one choice among options, or free text (a comment)."""

    __tablename__ = "staff_survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("staff_survey.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    """``rating`` (1-5), ``choice`` or ``text``."""
    choices: Mapped[str] = mapped_column(Text, default="")
    """The options of a choice question, one per line."""


class StaffSurveyRound(Base):
    """One run of a survey for an audience, open from ``opens_on`` until it is closed."""

    __tablename__ = "staff_survey_round"
    __table_args__ = (UniqueConstraint("survey_id", "label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("staff_survey.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_by: Mapped[str] = mapped_column(String(100))


class StaffSurveyAudience(Base):
    """A site or a team invited to a round (a round without any invites everyone)."""

    __tablename__ = "staff_survey_audience"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("staff_survey_round.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))


class StaffSurveyRespondent(Base):
    """That a person has answered a round: nothing else (no time, no ballot)."""

    __tablename__ = "staff_survey_respondent"
    __table_args__ = {"sqlite_with_rowid": False}
    round_id: Mapped[int] = mapped_column(ForeignKey("staff_survey_round.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)


class StaffSurveyBallot(Base):
    """One respondent's answers (blank until used) and the groups they are reported in."""

    __tablename__ = "staff_survey_ballot"
    __table_args__ = {"sqlite_with_rowid": False}
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    """32 random hex digits (``secrets.token_hex``)."""
    round_id: Mapped[int] = mapped_column(ForeignKey("staff_survey_round.id"), index=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    tenure_band: Mapped[str | None] = mapped_column(String(8))
    answers: Mapped[str] = mapped_column(Text, default="")
    """JSON object: question key -> rating (int), choice (str) or comment (str)."""


class Suggestion(Base):
    """An idea from staff: assessed by an owner with a decision and a reason before ``due_on``.

    An anonymous suggestion has no author and only a date; its author follows it with a receipt
    code, of which only a hash is kept.
    """

    __tablename__ = "voice_suggestion"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    submitted_on: Mapped[date]
    due_on: Mapped[date]
    owner: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    """``submitted``, ``in_review``, ``adopted``, ``declined`` or ``implemented``."""
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    reward: Mapped[str] = mapped_column(Text, default="")
    recognition_id: Mapped[int | None] = mapped_column(ForeignKey("perf_recognition.id"))


class Huddle(Base):
    """A floor check, daily huddle or weekly meeting of a team, with its notes."""

    __tablename__ = "voice_huddle"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``floor_check`` (hourly), ``huddle`` (daily) or ``meeting`` (weekly)."""
    held_on: Mapped[date] = mapped_column(index=True)
    held_at: Mapped[time | None] = mapped_column(Time())
    """Local time of day at the team's site it began (unknown for huddles recorded before)."""
    led_by: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HuddleAttendance(Base):
    """Who was at a huddle."""

    __tablename__ = "voice_huddle_attendance"
    __table_args__ = (UniqueConstraint("huddle_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    huddle_id: Mapped[int] = mapped_column(ForeignKey("voice_huddle.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))


class HuddleAction(Base):
    """An action agreed at a huddle: an owner and a due date, open until marked done."""

    __tablename__ = "voice_huddle_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    huddle_id: Mapped[int] = mapped_column(ForeignKey("voice_huddle.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    done_by: Mapped[str | None] = mapped_column(String(100))
