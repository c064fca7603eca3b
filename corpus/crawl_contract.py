"""The contract between `debtcorpus crawl` and the crawl process (`python -m crawler`): how a
run ends (its status) and the exit code each ending gives, for both processes alike.

| status      | exit | meaning                                                         |
| ----------- | ---- | --------------------------------------------------------------- |
| finished    | 0    | every URL fetched or recorded, every fetched page stored         |
| failed      | 1    | the crawl process failed (a bug: its log says where)             |
| (bad input) | 2    | the crawl never started: a bad option, profile or database       |
| incomplete  | 3    | pages could not be stored; `crawl --resume N` stores and refetches |
| interrupted | 4    | stopped by Ctrl-C or SIGTERM; `crawl --resume N` carries on       |
| killed      | 5    | the crawl process was killed (kill -9, out of memory); resumable |
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    INCOMPLETE = "incomplete"
    INTERRUPTED = "interrupted"
    KILLED = "killed"


class ExitCode(IntEnum):
    FINISHED = 0
    FAILED = 1
    BAD_INPUT = 2
    INCOMPLETE = 3
    INTERRUPTED = 4
    KILLED = 5


EXIT_FOR_STATUS: dict[str, ExitCode] = {
    RunStatus.FINISHED: ExitCode.FINISHED,
    RunStatus.FAILED: ExitCode.FAILED,
    RunStatus.INCOMPLETE: ExitCode.INCOMPLETE,
    RunStatus.INTERRUPTED: ExitCode.INTERRUPTED,
    RunStatus.KILLED: ExitCode.KILLED,
}
STATUS_FOR_EXIT: dict[int, RunStatus] = {int(v): RunStatus(k) for k, v in EXIT_FOR_STATUS.items()}
RESUMABLE = (RunStatus.INCOMPLETE, RunStatus.INTERRUPTED, RunStatus.KILLED, RunStatus.FAILED)
