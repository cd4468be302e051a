"""Late submissions: a penalty per day late, capped (nbgrader's late-submission plugin mechanism).

nbgrader_config.py selects it (``c.AssignLatePenalties.plugin_class``). A notebook submitted after its
assignment's due date (the gradebook's ``duedate``, see :func:`grader.instructor.set_due_dates`) loses
``percent_per_day`` percent of the points it earned for every started day late, at most
``cap_percent`` percent; a grace period absorbs clock skew and the last-second upload. nbgrader
stores the penalty with the notebook, subtracts it in the score, shows it in formgrader and exports it.
"""
from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 24 * 3600


class PerDayCapped(LateSubmissionPlugin):
    """``percent_per_day`` of the earned points per started day late, at most ``cap_percent``."""

    percent_per_day = Float(10.0, help="Percent of the earned points lost per started day late.").tag(config=True)
    cap_percent = Float(50.0, help="The most a late submission can lose, in percent of its points.").tag(config=True)
    grace_minutes = Float(5.0, help="Minutes after the due date that still count as on time.").tag(config=True)

    def days_late(self, total_seconds_late: float) -> int:
        """Started days late after the grace period (0 when on time)."""
        late = total_seconds_late - 60 * self.grace_minutes
        return 0 if late <= 0 else math.ceil(late / DAY)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        days = self.days_late(total_seconds_late)
        if days == 0 or not score:
            return None
        percent = min(self.cap_percent, self.percent_per_day * days)
        penalty = round(score * percent / 100, 4)
        self.log.info("%s is %d day(s) late: %g%% of %g points, a penalty of %g", student_id, days, percent,
                      score, penalty)
        return penalty
