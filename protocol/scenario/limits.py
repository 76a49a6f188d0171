"""The bounds every scenario must respect, in one place.

The loader refuses any value outside these bounds with a
:class:`~accord.protocol.errors.ScenarioError` naming the field. They are chosen so
that no sum the engine or the scoring computes can overflow (the largest is a
seat's worst score: ``MAX_PERIODS`` × (sanctions of ``MAX_ISSUES`` issues +
harm from ``MAX_DELEGATIONS`` seats + ``MAX_CHALLENGE_QUOTA`` inspections), all
of ``MAX_AMOUNT``, about 1.2 × 10⁹), and so that every integer stays below 2⁵³,
which JSON readers in any language hold exactly. ``docs/scenarios.md`` lists
them in its "Limits" table.
"""

from __future__ import annotations

MAX_SAFE_INTEGER = 2**53 - 1
"""No integer in a scenario (or computed from one) may exceed this."""

MAX_DEPTH = 32
"""Levels of nested tables and arrays in a scenario file (a scenario needs about six)."""

MIN_DELEGATIONS = 2
"""Seats at the table, at least."""
MAX_DELEGATIONS = 1000
"""Seats at the table, at most."""

MIN_ISSUES = 1
"""Issues on the agenda, at least."""
MAX_ISSUES = 100
"""Issues on the agenda, at most."""

MIN_OPTIONS = 2
"""Options of one issue, at least."""
MAX_OPTIONS = 1000
"""Options of one issue (listed, or expanded from a ``range``), at most."""

MAX_ID_LENGTH = 64
"""Characters in an id (scenario, issue, option, delegation): ids appear in every frame and log line."""
MAX_NAME_LENGTH = 200
"""Characters in a title, a delegation name, an option label or a unit."""
MAX_TEXT_LENGTH = 20_000
"""Characters in a scenario description or a brief's notes."""

MAX_VOTING_WEIGHT = 1e6
"""A delegation's voting weight lies in (0, MAX_VOTING_WEIGHT]."""

MAX_AMOUNT = 1000.0
"""Costs, gains, harm and sanctions lie in [0, MAX_AMOUNT]."""

MAX_ROUNDS = 1000
"""``rules.max_rounds`` lies in [1, MAX_ROUNDS]."""
MAX_PROPOSALS_PER_ROUND = 100
"""``rules.proposals_per_round`` lies in [1, MAX_PROPOSALS_PER_ROUND]."""
MAX_STATEMENT_LIMIT = 10_000
"""``rules.statement_limit`` (characters) lies in [1, MAX_STATEMENT_LIMIT]."""
MAX_TIME_LIMIT = 86_400.0
"""Every time limit (seconds) lies in (0, MAX_TIME_LIMIT]: at most a day."""

MAX_PERIODS = 1000
"""``implementation.periods`` lies in [1, MAX_PERIODS]."""
MAX_CHALLENGE_QUOTA = 100
"""``implementation.challenge_quota`` lies in [0, MAX_CHALLENGE_QUOTA]."""

MAX_MAGNITUDE = 1e12
"""Numeric options and ``range`` bounds lie in [-MAX_MAGNITUDE, MAX_MAGNITUDE]."""
MAX_STEP = 2 * MAX_MAGNITUDE
"""A ``range`` step lies in (0, MAX_STEP]."""
