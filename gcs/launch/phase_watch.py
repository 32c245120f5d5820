"""Watches the vehicle's reported phase: journals every change and alerts on an on-board abort.

The flight software decides aborts by itself (its own red lines, a failed ignition, a commanded
termination); the ground learns of them from the phase in the heartbeat. This watch turns a change
into a ``PhaseChanged`` for the journal and an ABORT or FLIGHT_TERMINATION into an emergency alert.
Knows nothing of heartbeats or of why the vehicle aborted.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcs.domain.phases import ABORT_PHASES, FlightPhase
from gcs.launch.actions import Action, RecordKind
from gcs.launch.alerts import AlertCondition, Severity

ABORT_ALERT_KEY = "vehicle:abort"


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseChanged(Action):
    from_phase: FlightPhase | None
    to_phase: FlightPhase

    @property
    def record(self) -> RecordKind:
        return RecordKind.PHASE_CHANGE


@dataclass(frozen=True, slots=True, kw_only=True)
class OnboardAbort(Action):
    """The vehicle reports ABORT or FLIGHT_TERMINATION."""

    phase: FlightPhase
    from_phase: FlightPhase | None

    @property
    def record(self) -> RecordKind:
        return RecordKind.ABORT


class PhaseWatch:
    def __init__(self) -> None:
        self.phase: FlightPhase | None = None

    def observe(self, phase: FlightPhase, now_s: float) -> tuple[list[Action], list[AlertCondition]]:
        previous = self.phase
        if phase == previous:
            return [], []
        self.phase = phase
        was = previous.name if previous is not None else "unknown"
        actions: list[Action] = [
            PhaseChanged(at_s=now_s, reason=f"{was} -> {phase.name}", from_phase=previous, to_phase=phase)
        ]
        conditions: list[AlertCondition] = []
        if phase in ABORT_PHASES:
            reason = f"vehicle reports {phase.name} (was {was})"
            actions.append(OnboardAbort(at_s=now_s, reason=reason, phase=phase, from_phase=previous))
            conditions.append(AlertCondition(ABORT_ALERT_KEY, Severity.EMERGENCY, reason, "vehicle"))
        elif previous in ABORT_PHASES:
            conditions.append(AlertCondition.cleared(ABORT_ALERT_KEY, f"vehicle now {phase.name}", "vehicle"))
        return actions, conditions
