"""``Debounced``: a burst of calls runs once, after the last; flush runs a pending call now."""

from __future__ import annotations

import asyncio

from vbn_widgets._debounce import Debounced


def test_a_burst_runs_once_after_the_last_call():
    runs: list[float] = []

    async def main():
        loop = asyncio.get_running_loop()
        d = Debounced(lambda: runs.append(loop.time()), 0.05)
        start = loop.time()
        for _ in range(5):
            d.call()
            await asyncio.sleep(0.01)
        assert runs == [] and d.pending
        await asyncio.sleep(0.15)
        assert len(runs) == 1 and runs[0] - start >= 0.05 + 0.04  # after the last call
        d.call()
        d.flush()  # e.g. before the next cell
        assert len(runs) == 2 and not d.pending
        await asyncio.sleep(0.1)
        assert len(runs) == 2  # the flushed call does not run again
        d.call()
        d.close()
        await asyncio.sleep(0.1)
        assert len(runs) == 2  # closing drops a pending call

    asyncio.run(main())


def test_without_a_loop_or_delay_a_call_runs_at_once():
    runs = []
    Debounced(lambda: runs.append(1), 0.5).call()
    Debounced(lambda: runs.append(2), 0).call()
    assert runs == [1, 2]
    Debounced(lambda: runs.append(3), 0.5).flush()  # nothing pending: nothing runs
    assert runs == [1, 2]


def test_stepwise_runs_a_step_per_loop_turn_and_finishes_on_demand():
    from vbn_widgets._debounce import Stepwise

    done: list[str] = []
    errors: list[Exception] = []

    def fail():
        raise ValueError("step 2")

    async def main():
        steps = Stepwise(
            [lambda: done.append("a"), fail, lambda: done.append("c"), lambda: done.append("d")],
            errors.append,
        )
        steps.start()
        assert done == [] and steps.pending  # nothing ran inside the call
        await asyncio.sleep(0)
        assert done == ["a"]
        await asyncio.sleep(0)
        steps.finish()  # e.g. a method that needs everything
        assert done == ["a", "c", "d"] and not steps.pending
        assert [str(e) for e in errors] == ["step 2"]
        await asyncio.sleep(0.01)
        assert done == ["a", "c", "d"]  # nothing runs twice

    asyncio.run(main())
    again: list[int] = []
    Stepwise([lambda: again.append(1), lambda: again.append(2)], errors.append).start()
    assert again == [1, 2]  # no event loop: all at once


def test_a_closed_stepwise_runs_nothing_more():
    from vbn_widgets._debounce import Stepwise

    done: list[int] = []

    async def main():
        steps = Stepwise([lambda: done.append(1), lambda: done.append(2)], print)
        steps.start()
        steps.close()
        await asyncio.sleep(0.01)
        steps.finish()

    asyncio.run(main())
    assert done == []
