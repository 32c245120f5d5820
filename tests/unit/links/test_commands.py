"""The command core as tables: ACKs, retries with ``confirmation``, IN_PROGRESS, typed failures."""

from __future__ import annotations

from typing import Any

import pytest

from gcs.errors import CommandRejectedError, CommandTimeoutError
from gcs.links.commands import CommandExchange, CommandInt, CommandLong, CommandPolicy
from gcs.links.enums import MavResult
from gcs.links.statustext import StatusText
from gcs.protocol.dialect import seaport
from tests.unit.links.support import GCS, PEER, TIMEOUT, drive, says, sent_names

ARM = seaport.MAV_CMD_COMPONENT_ARM_DISARM
POLICY = CommandPolicy(timeout_s=1.0, retries=2, in_progress_timeout_s=5.0)


def ack(result: int, *, command: int = ARM, progress: int = 0, target: int = GCS[0], **kw: Any) -> Any:
    return says(seaport.MAVLink_command_ack_message(command, result, progress, 7, target, GCS[1]), **kw)


def arm() -> CommandExchange:
    return CommandExchange(PEER, CommandLong(ARM, (1.0,)), POLICY)


def confirmations(steps: list[Any]) -> list[int]:
    return [m.confirmation for step in steps for m in step.sent]


def test_accepted_at_once() -> None:
    exchange = arm()
    steps = drive(exchange, [(0.2, ack(seaport.MAV_RESULT_ACCEPTED))])
    (command,) = steps[0].sent
    assert (command.target_system, command.target_component, command.command, command.param1) == (
        1,
        1,
        ARM,
        1.0,
    )
    result = exchange.result()
    assert (result.result, result.attempts, result.elapsed_s, result.result_param2) == (
        MavResult.ACCEPTED,
        1,
        0.2,
        7,
    )


def test_each_retry_increments_confirmation() -> None:
    exchange = arm()
    steps = drive(exchange, [(1.0, TIMEOUT), (2.0, TIMEOUT), (2.5, ack(seaport.MAV_RESULT_ACCEPTED))])
    assert confirmations(steps) == [0, 1, 2]
    assert exchange.result().attempts == 3


def test_no_ack_after_every_retry_is_a_timeout_error_with_the_attempts() -> None:
    exchange = arm()
    steps = drive(exchange, [(1.0, TIMEOUT), (2.0, TIMEOUT), (3.0, TIMEOUT)])
    assert sent_names(steps) == [["COMMAND_LONG"], ["COMMAND_LONG"], ["COMMAND_LONG"], []]
    with pytest.raises(CommandTimeoutError) as failure:
        exchange.result()
    assert (failure.value.attempts, failure.value.waited_s, failure.value.command_name) == (
        3,
        3.0,
        "MAV_CMD_COMPONENT_ARM_DISARM",
    )
    assert exchange.deadline_s is None


def test_in_progress_extends_the_wait_without_spending_a_retry() -> None:
    exchange = arm()
    steps = drive(
        exchange,
        [
            (0.5, ack(seaport.MAV_RESULT_IN_PROGRESS, progress=10)),
            (3.0, ack(seaport.MAV_RESULT_IN_PROGRESS, progress=60)),
            (7.9, ack(seaport.MAV_RESULT_ACCEPTED)),
        ],
    )
    assert confirmations(steps) == [0]
    assert exchange.done
    assert exchange.result().progress == 60


def test_progress_reports_that_stop_lead_to_a_resend() -> None:
    exchange = arm()
    steps = drive(
        exchange,
        [(0.5, ack(seaport.MAV_RESULT_IN_PROGRESS)), (5.5, TIMEOUT), (5.6, ack(seaport.MAV_RESULT_ACCEPTED))],
    )
    assert confirmations(steps) == [0, 1]
    assert exchange.result().attempts == 2


REJECTIONS = [
    (seaport.MAV_RESULT_TEMPORARILY_REJECTED, MavResult.TEMPORARILY_REJECTED),
    (seaport.MAV_RESULT_DENIED, MavResult.DENIED),
    (seaport.MAV_RESULT_UNSUPPORTED, MavResult.UNSUPPORTED),
    (seaport.MAV_RESULT_FAILED, MavResult.FAILED),
    (seaport.MAV_RESULT_COMMAND_LONG_ONLY, MavResult.COMMAND_LONG_ONLY),
    (seaport.MAV_RESULT_COMMAND_INT_ONLY, MavResult.COMMAND_INT_ONLY),
    (42, 42),  # a result from a newer dialect stays a plain int
]


@pytest.mark.parametrize(("wire", "typed"), REJECTIONS, ids=[str(t) for _, t in REJECTIONS])
def test_every_other_result_is_a_typed_rejection_with_the_latest_reason(
    wire: int, typed: MavResult | int
) -> None:
    exchange = arm()
    drive(
        exchange,
        [
            (0.1, StatusText(1, seaport.MAV_SEVERITY_INFO, "checking")),
            (0.2, StatusText(1, seaport.MAV_SEVERITY_CRITICAL, "PreArm: LOX tank not pressurised")),
            (0.3, ack(wire)),
        ],
    )
    with pytest.raises(CommandRejectedError) as failure:
        exchange.result()
    assert failure.value.result == typed
    assert type(failure.value.result) is type(typed)
    assert failure.value.reason == "PreArm: LOX tank not pressurised"
    assert failure.value.result_param2 == 7
    assert "MAV_CMD_COMPONENT_ARM_DISARM (400)" in str(failure.value)


def test_a_rejection_without_statustext_has_no_reason() -> None:
    exchange = arm()
    drive(exchange, [(0.3, ack(seaport.MAV_RESULT_DENIED))])
    with pytest.raises(CommandRejectedError) as failure:
        exchange.result()
    assert failure.value.reason is None
    assert str(failure.value) == "MAV_CMD_COMPONENT_ARM_DISARM (400): DENIED (2)"


IGNORED = {
    "another command's ACK": ack(seaport.MAV_RESULT_DENIED, command=seaport.MAV_CMD_NAV_TAKEOFF),
    "an ACK for another ground station": ack(seaport.MAV_RESULT_DENIED, target=254),
    "an ACK from another system": ack(seaport.MAV_RESULT_DENIED, sysid=2),
    "not an ACK at all": says(seaport.MAVLink_heartbeat_message(9, 0, 0, 0, 3, 3)),
}


@pytest.mark.parametrize("msg", IGNORED.values(), ids=IGNORED.keys())
def test_answers_that_are_not_ours_are_ignored(msg: Any) -> None:
    exchange = arm()
    drive(exchange, [(0.2, msg)])
    assert not exchange.done
    assert exchange.deadline_s == 1.0


def test_an_ack_addressed_to_system_0_counts_as_older_autopilots_send_it() -> None:
    exchange = arm()
    drive(exchange, [(0.2, ack(seaport.MAV_RESULT_ACCEPTED, target=0))])
    assert exchange.result().result is MavResult.ACCEPTED


def test_command_int_carries_its_position_and_is_resent_unchanged() -> None:
    request = CommandInt(seaport.MAV_CMD_DO_REPOSITION, params=(-1.0,), x=473_000_000, y=85_000_000, z=150.0)
    exchange = CommandExchange(PEER, request, POLICY)
    steps = drive(exchange, [(1.0, TIMEOUT)])
    first, again = steps[0].sent[0], steps[1].sent[0]
    assert first.get_type() == "COMMAND_INT"
    assert (first.x, first.y, first.z, first.param1, first.frame) == (
        473_000_000,
        85_000_000,
        150.0,
        -1.0,
        seaport.MAV_FRAME_GLOBAL_INT,
    )
    assert first.to_dict() == again.to_dict()


def test_confirmation_never_overflows_its_byte() -> None:
    exchange = CommandExchange(PEER, CommandLong(ARM), CommandPolicy(timeout_s=1.0, retries=300))
    now = 0.0
    last: Any = exchange.start(now)[0]
    for _ in range(300):
        now += 1.0
        last = exchange.on_timeout(now)[0]
    assert last.confirmation == 255


@pytest.mark.parametrize(
    "make",
    [
        lambda: CommandLong(ARM, (0.0,) * 8),
        lambda: CommandInt(ARM, params=(0.0,) * 5),
        lambda: CommandLong(70_000),
        lambda: CommandPolicy(timeout_s=0),
        lambda: CommandPolicy(retries=-1),
    ],
)
def test_impossible_requests_and_policies_are_refused(make: Any) -> None:
    with pytest.raises(ValueError):
        make()
