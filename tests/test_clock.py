"""The injected clock: the real one changes nothing; the fake one is virtual time that moves by
``advance`` or, when every participant waits for it, by itself to the next deadline."""

from __future__ import annotations

import threading

import pytest

from ptsync import clock as clock_module
from ptsync.clock import SYSTEM, ClockStalled, FakeClock


def _thread(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def test_the_fake_clock_reads_virtual_time_from_a_whole_second():
    clock = FakeClock(start=1_700_000_000.25)
    assert clock.time() == 1_700_000_000.25 and clock.elapsed == 0
    before = clock.monotonic()
    clock.advance(2.5)
    assert clock.monotonic() - before == 2.5 and clock.time() == 1_700_000_002.75
    assert FakeClock().time() % 1 == 0
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_auto_sleep_moves_time_to_the_deadline_at_once():
    clock = FakeClock()
    clock.sleep(3600)
    assert clock.elapsed == 3600
    clock.sleep(0)
    clock.sleep(-1)
    assert clock.elapsed == 3600


def test_sleepers_wake_in_deadline_order_each_at_its_own_time():
    clock = FakeClock(auto=False)
    woke: list[tuple[str, float]] = []

    def sleeper(name: str, seconds: float) -> None:
        with clock.busy():
            clock.sleep(seconds)
            woke.append((name, clock.elapsed))

    threads = [_thread(sleeper, name, s) for name, s in (("late", 3.0), ("early", 1.0))]
    clock.wait_for_sleepers(2)
    clock.advance(0.5)
    assert woke == []
    clock.advance(10)
    for thread in threads:
        thread.join(5)
    assert woke == [("early", 1.0), ("late", 3.0)]
    assert clock.elapsed == 10.5


def test_advance_returns_once_what_it_woke_has_run():
    clock = FakeClock(auto=False)
    done = []

    def job() -> None:
        with clock.busy():
            clock.sleep(1.0)
            done.append(clock.elapsed)  # work after the timer, before the scope ends

    _thread(job)
    clock.wait_for_sleepers(1)
    clock.advance(1.0)
    assert done == [1.0]


def test_auto_time_waits_for_a_busy_thread():
    """A worker that runs (not waiting on the clock) holds time back: a sleeper's deadline
    is not reached until the worker waits too."""
    clock = FakeClock()
    release = threading.Event()
    readings = []

    def worker() -> None:
        with clock.busy():
            with clock.idle():
                release.wait(10)  # waiting for the test, not for time: time may move
            readings.append(clock.elapsed)
            release.clear()
            clock.sleep(5)
            readings.append(clock.elapsed)

    thread = _thread(worker)
    clock.advance(2)  # the worker is idle: nothing holds time back
    assert clock.elapsed == 2
    release.set()
    thread.join(5)
    assert readings == [2, 7]


def test_a_parked_server_wait_lets_time_move_for_the_request_it_serves():
    """A client thread in an exchange holds time back, unless the handler serving it waits on
    the clock parked (a create that takes seconds): then its timer runs out at once."""
    clock = FakeClock()
    cond = threading.Condition()
    served: list[float] = []

    def handler() -> None:
        with clock.busy(), clock.parked():
            clock.sleep(3.0)
        served.append(clock.elapsed)
        with cond:
            clock.notify_all(cond)

    with clock.exchange():
        _thread(handler)
        with cond:
            while not served:
                clock.wait(cond, None)
    assert served == [3.0]


def test_an_exchange_holds_time_back_when_the_server_is_not_parked():
    clock = FakeClock()
    answered = threading.Event()
    readings = []

    def sleeper() -> None:
        clock.sleep(1.0)
        readings.append(answered.is_set())

    with clock.exchange():
        thread = _thread(sleeper)
        clock.wait_for_sleepers(1)
        assert clock.elapsed == 0  # a request is with the server: time does not move
        answered.set()
    thread.join(5)
    assert readings == [True] and clock.elapsed == 1.0


def test_wait_on_a_condition_returns_on_notify_or_deadline():
    clock = FakeClock()
    cond = threading.Condition()
    with cond:
        assert clock.wait(cond, 2.0) is False
    assert clock.elapsed == 2.0
    with cond:
        assert clock.wait(cond, 0) is False

    notified = []

    def waiter() -> None:
        with clock.busy(), cond:
            notified.append(clock.wait(cond, None))

    thread = _thread(waiter)
    clock.wait_for_waiting(1)
    with cond:
        clock.notify_all(cond)
    thread.join(5)
    assert notified == [True]


def test_a_manual_clock_nobody_advances_raises_instead_of_hanging():
    clock = FakeClock(auto=False, stall=0.2)
    with pytest.raises(ClockStalled):
        clock.sleep(1.0)


def test_the_system_clock_and_the_default():
    assert clock_module.default() is SYSTEM
    fake = FakeClock()
    with clock_module.using(fake):
        assert clock_module.default() is fake
    assert clock_module.default() is SYSTEM
    cond = threading.Condition()
    with cond:
        assert SYSTEM.wait(cond, 0.001) is False
    with SYSTEM.busy(), SYSTEM.exchange(), SYSTEM.parked(), SYSTEM.idle():
        assert SYSTEM.time() > 1e9
