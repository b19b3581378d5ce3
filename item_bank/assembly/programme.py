"""A small builder for mixed-integer programmes solved with ``scipy.optimize.milp`` (HiGHS).

Rows may belong to a named *group* (a spec constraint such as "theme:C"); ``elastic`` turns the
grouped rows into their elastic form, which is how the diagnosis finds what makes a spec
impossible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array


class SolveOutcome(IntEnum):
    OPTIMAL = 0
    STOPPED_WITH_SOLUTION = 1  # time limit reached; the best solution found is returned
    INFEASIBLE = 2
    STOPPED_WITHOUT_SOLUTION = 3


@dataclass(frozen=True)
class Row:
    coefficients: Mapping[int, float]
    lo: float
    hi: float
    group: str | None
    paper: int | None


@dataclass
class Solution:
    outcome: SolveOutcome
    values: np.ndarray | None
    objective: float | None

    def activity(self, row: Row) -> float:
        assert self.values is not None
        return float(sum(coef * self.values[var] for var, coef in row.coefficients.items()))


@dataclass
class Programme:
    """Variables and rows of a minimisation problem, built up one at a time."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integral: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def variable(
        self, lo: float = 0.0, hi: float = 1.0, *, integral: bool = False, cost: float = 0.0
    ) -> int:
        self.lower.append(lo)
        self.upper.append(hi)
        self.integral.append(1 if integral else 0)
        self.cost.append(cost)
        return len(self.cost) - 1

    def binary(self, cost: float = 0.0) -> int:
        return self.variable(0.0, 1.0, integral=True, cost=cost)

    def row(
        self,
        coefficients: Mapping[int, float],
        lo: float = -np.inf,
        hi: float = np.inf,
        *,
        group: str | None = None,
        paper: int | None = None,
    ) -> Row:
        row = Row({v: c for v, c in coefficients.items() if c != 0}, lo, hi, group, paper)
        self.rows.append(row)
        return row

    def rows_of(self, group: str) -> list[Row]:
        return [row for row in self.rows if row.group == group]

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(row.group for row in self.rows if row.group is not None))

    def solve(self, time_limit_s: float) -> Solution:
        n_rows = len(self.rows)
        constraints = None
        if n_rows:
            data, row_idx, col_idx = [], [], []
            for i, row in enumerate(self.rows):
                for var, coef in row.coefficients.items():
                    data.append(coef)
                    row_idx.append(i)
                    col_idx.append(var)
            matrix = csr_array(
                (np.asarray(data, dtype=float), (np.asarray(row_idx), np.asarray(col_idx))),
                shape=(n_rows, len(self.cost)),
            )
            constraints = LinearConstraint(
                matrix,
                np.array([row.lo for row in self.rows], dtype=float),
                np.array([row.hi for row in self.rows], dtype=float),
            )
        result = milp(
            np.asarray(self.cost, dtype=float),
            integrality=np.asarray(self.integral),
            bounds=Bounds(np.asarray(self.lower, dtype=float), np.asarray(self.upper, dtype=float)),
            constraints=constraints,
            # A zero relative gap: the difficulty terms are weighted far below one unit of
            # coverage, so HiGHS's default 1e-4 gap would let it stop before breaking ties.
            options={"time_limit": max(time_limit_s, 0.01), "mip_rel_gap": 0.0},
        )
        if result.status == 0:
            return Solution(SolveOutcome.OPTIMAL, result.x, result.fun)
        if result.status == 2:
            return Solution(SolveOutcome.INFEASIBLE, None, None)
        if result.x is not None:
            return Solution(SolveOutcome.STOPPED_WITH_SOLUTION, result.x, result.fun)
        return Solution(SolveOutcome.STOPPED_WITHOUT_SOLUTION, None, None)

    def _activity_range(self, row: Row) -> tuple[float, float]:
        low = high = 0.0
        for var, coef in row.coefficients.items():
            ends = (coef * self.lower[var], coef * self.upper[var])
            low += min(ends)
            high += max(ends)
        return low, high

    def elastic(self, relaxable: Iterable[str]) -> tuple[Programme, dict[str, int]]:
        """A copy in which every row of a relaxable group may be violated, at a price.

        Each group g gets a binary switch z_g costing 1; a row of g gets slacks bounded by
        M·z_g, where M is the largest violation the row's variable bounds allow (so z_g = 1
        drops the row exactly and no big-M is guessed). Slack itself costs ε per unit, with ε
        small enough that the total slack cost stays below 1: the solver first minimises how
        many groups are relaxed, then how far — so the relaxed solution is the *nearest* one.
        The original objective is dropped.
        """
        relaxable = set(relaxable)
        elastic = Programme(
            list(self.lower), list(self.upper), list(self.integral), [0.0] * len(self.cost)
        )
        switches = {group: elastic.binary(cost=1.0) for group in self.groups if group in relaxable}
        slacks: list[tuple[int, float]] = []
        for row in self.rows:
            if row.group not in switches:
                elastic.rows.append(row)
                continue
            low, high = self._activity_range(row)
            coefficients = dict(row.coefficients)
            # Below the lower limit: + s_under; above the upper limit: − s_over.
            for sign, room in ((1.0, row.lo - low), (-1.0, high - row.hi)):
                if np.isfinite(room) and room > 0:
                    slack = elastic.variable(0.0, room)
                    slacks.append((slack, room))
                    coefficients[slack] = sign
                    elastic.row({slack: 1.0, switches[row.group]: -room}, hi=0.0)
            elastic.rows.append(Row(coefficients, row.lo, row.hi, row.group, row.paper))
        epsilon = 1.0 / (1.0 + sum(room for _, room in slacks))
        for slack, _ in slacks:
            elastic.cost[slack] = epsilon
        return elastic, switches
