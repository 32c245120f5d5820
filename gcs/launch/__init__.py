"""Launch control: countdown, go/no-go polls, commit criteria, red lines, range safety, landing.

Pure state machines: each is told what happened and the time (``now_s``) and returns its decisions
as ``Action`` values for a runner to carry out and journal. Nothing here reads a clock, awaits,
opens a socket or writes a file, and the vehicle is driven only through the ``CommandVehicle``
intents it returns. Knows nothing of links, MAVLink, the console or the journal's format.

Modules (docs/launch-control.md explains how they work together):
    control       LaunchControl: every core wired together, one handle(event, now_s) for the runner
    actions       Action, Refused, CommandVehicle, RecordKind, RefusalCode, VehicleCommand
    timeline      countdown files: events, holds, recycle points, poll stations
    countdown     the count: holds, resume, recycle, scrub, window, hand-off
    gates         go/no-go verdicts as the count reads them
    poll          the go/no-go poll and go for launch
    criteria      launch commit criteria
    persistence   how long a breach has lasted
    redlines      yellow and red limits in flight
    alerts        alerts latched until acknowledged
    phase_watch   phase changes and on-board aborts
    range_safety  impact point against corridor and destruct lines; data-loss flight time
    fts           two-step flight termination
    landing       landing readiness and divert
    recovery      the recovery checklist after touchdown
"""
