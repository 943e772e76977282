"""Shift bidding: award shift lines to agents by a published rule, never by performance.

Each agent ranks the lines they want (best first). Agents are put in a priority order by the
rule the centre published:

* ``seniority``: earlier hire date first; ties broken by login (alphabetical), so the order is
  total and anyone can check it;
* ``rotating``: the seniority order rotated by ``round_no`` places (the first of round 0 is last
  in round 1, and so on), so the head of the list changes from one bid to the next;
* ``lottery``: a permutation drawn by ``numpy.random.default_rng(seed)`` from the agents in login
  order; the seed is published with the bid, so anyone can re-draw it.

In that order each agent gets the first line of their ranking that is still free and that they
are eligible for (skills and contract); an agent with no such line gets none and is told why.
Every award records the rule and the agent's position, the explanation the agent sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

Rule = Literal["seniority", "rotating", "lottery"]
RULES: tuple[Rule, ...] = ("seniority", "rotating", "lottery")
RULE_LABELS: dict[Rule, str] = {
    "seniority": "seniority (hire date, then login)",
    "rotating": "rotating priority (the seniority order turned each round)",
    "lottery": "a lottery with a published seed",
}


@dataclass(frozen=True)
class Bidder:
    """An agent taking part: their login, hire date (None: counted as hired today, i.e. last)
    and the ids of the lines they ranked, best first."""

    login: str
    hire_date: date | None
    ranking: tuple[int, ...]


@dataclass(frozen=True)
class Award:
    """What one agent got: the line (or None), their position in the rule's order (1 = first)
    and the reason, in words."""

    login: str
    line_id: int | None
    position: int
    choice: int | None
    """Which of their own choices the line was (1 = first choice), None without a line."""
    reason: str


def priority_order(
    bidders: Sequence[Bidder], *, rule: Rule, seed: int = 0, round_no: int = 0
) -> list[str]:
    """The logins in the order the rule serves them."""
    by_login = sorted(bidders, key=lambda b: b.login)
    if rule == "lottery":
        perm = np.random.default_rng(seed).permutation(len(by_login))
        return [by_login[int(i)].login for i in perm]
    senior = sorted(by_login, key=lambda b: (b.hire_date or date.max, b.login))
    logins = [b.login for b in senior]
    if rule == "rotating" and logins:
        k = round_no % len(logins)
        logins = logins[k:] + logins[:k]
    elif rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}: use seniority, rotating or lottery")
    return logins


def award(
    bidders: Sequence[Bidder],
    lines: Sequence[int],
    eligible: Mapping[str, frozenset[int]],
    *,
    rule: Rule,
    seed: int = 0,
    round_no: int = 0,
) -> list[Award]:
    """Award lines in the rule's order; returns one ``Award`` per bidder in that order.

    Args:
        bidders: the agents and their rankings.
        lines: the ids of the lines on offer (each awarded at most once).
        eligible: per login, the lines whose skills and contract the agent meets.
        rule: seniority, rotating or lottery.
        seed: the lottery's published seed.
        round_no: the rotating rule's round (how many places the order turns).
    """
    offered = set(lines)
    taken: set[int] = set()
    ranking = {b.login: b.ranking for b in bidders}
    label = {
        "seniority": "seniority (hire date, then login)",
        "rotating": f"rotating priority (seniority order turned {round_no} place(s))",
        "lottery": f"lottery with seed {seed}",
    }[rule]
    out: list[Award] = []
    order = priority_order(bidders, rule=rule, seed=seed, round_no=round_no)
    for position, login in enumerate(order, start=1):
        can = eligible.get(login, frozenset())
        got: tuple[int, int] | None = None
        skipped_taken = skipped_ineligible = 0
        for choice, line in enumerate(ranking[login], start=1):
            if line not in offered:
                continue
            if line not in can:
                skipped_ineligible += 1
            elif line in taken:
                skipped_taken += 1
            else:
                got = (line, choice)
                break
        where = f"rule: {label}; your position: {position} of {len(order)}"
        if got is not None:
            taken.add(got[0])
            reason = f"line {got[0]}, your choice {got[1]} ({where})"
            if skipped_taken:
                reason += f"; {skipped_taken} better choice(s) went to people before you"
            if skipped_ineligible:
                reason += f"; {skipped_ineligible} choice(s) need skills or a contract you lack"
            out.append(Award(login, got[0], position, got[1], reason))
        else:
            why = (
                "you ranked no line"
                if not ranking[login]
                else (
                    f"your {skipped_taken} eligible choice(s) went to people before you"
                    if skipped_taken
                    else "none of your choices fits your skills and contract"
                )
            )
            out.append(Award(login, None, position, None, f"no line: {why} ({where})"))
    return out
