"""Words for a requirement the schedule cannot cover: the intervals and queues short of people."""

from __future__ import annotations

import numpy as np

from ccops.engines.scheduling.grid import (
    _INF,
    BoolArray,
    FloatArray,
    _fmt,
)
from ccops.engines.scheduling.problem import (
    _Compiled,
)


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Half-open index runs where ``mask`` is true."""
    out: list[tuple[int, int]] = []
    i, n = 0, mask.size
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _cover_notes(c: _Compiled) -> list[str]:
    """Intervals whose requirement exceeds the people who could be on shift then."""
    cov_t = c.cov_matrix.T.tocsr()  # intervals x options
    notes: list[str] = []
    if c.people:
        on = np.asarray((cov_t @ c.can_take.T.astype(np.float64)) > 0)  # intervals x people
        cap = np.zeros((len(c.queues), c.n_int))
        for pi, queues in enumerate(c.person_queues):
            for q in queues:
                cap[q] += on[:, pi]
    else:
        covered = np.asarray(cov_t.sum(axis=1)).ravel() > 0
        cap = np.where(covered[None, :], _INF, 0.0).repeat(len(c.queues), axis=0)
    for q, name in enumerate(c.queues):
        short = c.required[q] > cap[q] + 1e-9
        for i, j in _runs(short):
            need = float(c.required[q, i:j].max())
            most = float(cap[q, i:j].min())
            span = c.span_label(i * c.step, j * c.step)
            if most == 0 and not c.people:
                notes.append(f"{span} needs {_fmt(need)} on {name} but no shift covers it")
            elif most == 0:
                notes.append(
                    f"{span} needs {_fmt(need)} on {name} but no one with that skill can be on "
                    "shift then (skills, contract templates, time off, availability and shift "
                    "start times)"
                )
            else:
                notes.append(
                    f"{span} needs {'up to ' if j - i > 1 else ''}{_fmt(need)} on {name} but only "
                    f"{_fmt(most)} people with that skill can be on shift then (skills, contract "
                    "templates, time off, availability and shift start times)"
                )
    return notes


def _shortfall_runs(c: _Compiled, scheduled: FloatArray, who: str) -> list[str]:
    out: list[str] = []
    for q, name in enumerate(c.queues):
        short = c.required[q] > scheduled[q] + 1e-6
        for i, j in _runs(short):
            need = float(c.required[q, i:j].max())
            got = float(scheduled[q, i:j][np.argmax(c.required[q, i:j] - scheduled[q, i:j])])
            out.append(
                f"{c.span_label(i * c.step, j * c.step)} needs {_fmt(need)} on {name}; {who} "
                f"reaches {_fmt(round(got, 2))}"
            )
    return out
