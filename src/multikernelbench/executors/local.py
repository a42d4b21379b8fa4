"""Running a run's (task, sample) conversations on this machine, resumably.

Requests to the model and evaluations overlap: up to ``requests`` answers are
being generated while up to ``evaluations`` are being built, checked and timed,
so an answer is evaluated as soon as it arrives. Inside the evaluator, builds
overlap on CPU threads while checking and timing use the device one answer at
a time. Every answer and verdict is stored the moment it exists. A model server
that cannot be reached stops the whole run at its first sign.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from multikernelbench.errors import ClusterLost
from multikernelbench.generation.conversation import Conversation, Outcome
from multikernelbench.generation.llm.base import ServerUnreachable
from multikernelbench.generation.prompts.feedback import needs_another_turn
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.task import Task


@dataclass(frozen=True)
class WorkItem:
    task: Task
    sample: int


OutcomeCallback = Callable[[Outcome], None]


def pending_work(store: Store, run: RunInfo, tasks: list[Task], samples: int, turns: int = 1,
                 target_speedup: float = 1.0) -> list[WorkItem]:
    """The (task, sample) pairs that still have something to do, in task order.

    A pair is finished when it has a verdict at the last turn, or a verdict that
    asks for no further turn (it passed and was fast enough).
    """
    done: set[tuple[str, int]] = set()
    for verdict in store.verdicts(run.name):
        if verdict.turn >= turns or not needs_another_turn(verdict.record, target_speedup):
            done.add((verdict.task, verdict.sample))
    return [WorkItem(t, s) for t in tasks for s in range(samples) if (t.name, s) not in done]


def execute(
    items: list[WorkItem],
    conversation: Conversation,
    workers: int,
    on_outcome: OutcomeCallback | None = None,
) -> list[Outcome]:
    """Run every item's conversation with ``workers`` threads; returns the outcomes.

    When a request finds no server, raises :class:`ServerUnreachable` after the work in flight ends:
    items not started are dropped (they stay pending in the store), and conversations in flight stop
    at their next request. A cluster with no lane left (:class:`ClusterLost`) stops the run the same way.
    """
    outcomes: list[Outcome] = []
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="mkb-run")
    futures = [pool.submit(conversation.run, item.task, item.sample) for item in items]
    try:
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    except (ServerUnreachable, ClusterLost):
        # Every request (or evaluation) would fail alike. Wait for those in flight (they stop at their next
        # request, and an evaluation already running keeps its verdict), so no thread touches the store after we return.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    except BaseException:
        # Ctrl-C or a bug: start nothing new and do not wait for answers still in flight.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outcomes
