"""The contract between `debtcorpus crawl` and the crawl process (`python -m crawler`): what a
crawl is asked to do (`CrawlRequest`), the command line that carries it (`crawler_argv` writes
it, `crawl_parser` reads it), how a run ends (its status) and the exit code of each ending.

| status      | exit | meaning                                                         |
| ----------- | ---- | --------------------------------------------------------------- |
| finished    | 0    | every URL fetched or recorded, every fetched page stored         |
| failed      | 1    | a site could not be reached (nothing crawled), or the process failed |
| (bad input) | 2    | the crawl never started: a bad option, profile or database       |
| incomplete  | 3    | pages could not be stored; `crawl --resume N` stores and refetches |
| interrupted | 4    | stopped by Ctrl-C or SIGTERM; `crawl --resume N` carries on       |
| killed      | 5    | the crawl process was killed (kill -9, out of memory); resumable |
| finished    | 6    | finished, but a health check failed (only with `--fail-on-health`) |
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass, fields
from enum import IntEnum, StrEnum
from typing import Any

from corpus.crawl_profile import hosts_of
from corpus.errors import ConfigError

DEFAULT_IDLE_TIMEOUT_S = 30.0
# run stats key: {site: {host: reason}} of the sites nothing could be fetched from, because
# their robots.txt could not be reached (the run is then `failed`: nothing was crawled there)
UNREACHABLE = "unreachable"
DEFAULT_HEARTBEAT_TTL_S = 15.0


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
    UNHEALTHY = 6  # `crawl --fail-on-health`: the run finished, a health check failed


EXIT_FOR_STATUS: dict[str, ExitCode] = {
    RunStatus.FINISHED: ExitCode.FINISHED,
    RunStatus.FAILED: ExitCode.FAILED,
    RunStatus.INCOMPLETE: ExitCode.INCOMPLETE,
    RunStatus.INTERRUPTED: ExitCode.INTERRUPTED,
    RunStatus.KILLED: ExitCode.KILLED,
}
STATUS_FOR_EXIT: dict[int, RunStatus] = {int(v): RunStatus(k) for k, v in EXIT_FOR_STATUS.items()}
RESUMABLE = (RunStatus.INCOMPLETE, RunStatus.INTERRUPTED, RunStatus.KILLED, RunStatus.FAILED)


@dataclass(frozen=True)
class CrawlRequest:
    urls: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    base_url: str | None = None
    depth: int | None = None
    workers: int | None = None
    jobdir: str | None = None
    settings: tuple[str, ...] = ()
    # distributed crawl (docs/distributed.md): shared queue in Redis, its key prefix
    redis: str | None = None
    redis_prefix: str | None = None
    idle_timeout: float | None = None
    allow_domains: tuple[str, ...] = ()
    contact: str | None = None

    def label(self) -> str:
        """The run's site: its profiles' names, or (ad hoc) the start URLs' hosts, which is
        also the name its articles get."""
        return ",".join(map(_profile_name, self.sites)) or ",".join(hosts_of(list(self.urls)))

    def as_settings(self) -> dict[str, Any]:
        """What the crawl_runs row keeps, so that `crawl --resume` can run it again."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }

    @classmethod
    def from_settings(cls, stored: dict[str, Any]) -> CrawlRequest:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in stored.items() if k in known
        }
        return cls(**values)


def _profile_name(site: str) -> str:
    """A profile's `name:`; one that cannot be read keeps what --site said (the crawl then
    refuses it, and a scheduled run is recorded as config-error under that label)."""
    from corpus.profiles import load_profile  # pydantic: not in the crawl's Scrapy process

    try:
        return load_profile(site).name
    except ConfigError:
        return site


def crawler_argv(db_url: str, run_id: int, request: CrawlRequest, live: bool = False) -> list[str]:
    """The command line of the crawl process for a request; `crawl_parser` reads it. `live`:
    the crawl process shows the run on stderr while it crawls."""
    argv = [sys.executable, "-m", "crawler", "--db", db_url, "--run-id", str(run_id)]
    if live:
        argv.append("--live")
    for site in request.sites:
        argv += ["--site", site]
    optional = {
        "--base-url": request.base_url,
        "--depth": request.depth,
        "--workers": request.workers,
        "--jobdir": request.jobdir,
        "--redis": request.redis,
        "--redis-prefix": request.redis_prefix,
        "--idle-timeout": request.idle_timeout,
    }
    for flag, value in optional.items():
        if value is not None:
            argv += [flag, str(value)]
    for setting in request.settings:
        argv += ["--set", setting]
    for domain in request.allow_domains:
        argv += ["--allow-domain", domain]
    if request.contact:
        argv += ["--contact", request.contact]
    return argv + list(request.urls)


def crawl_parser() -> argparse.ArgumentParser:
    """The crawl process's command line, as `crawler_argv` writes it."""
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__)
    parser.add_argument("urls", nargs="*", help="start URLs for an ad-hoc crawl")
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--site", action="append", default=[], help="profile name or YAML path")
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--depth", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--jobdir", default=None)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--allow-domain", action="append", default=[], metavar="HOST")
    parser.add_argument("--contact", default=None, help="e-mail or URL put in the User-Agent")
    parser.add_argument("--live", action="store_true", help="show the run on stderr")
    group = parser.add_argument_group("distributed crawl (scrapy-redis)")
    group.add_argument("--redis", default=None, metavar="URL", help="redis://host:6379/0")
    group.add_argument("--redis-prefix", default=None, help="key prefix of this crawl's queue")
    group.add_argument("--idle-timeout", type=float, default=DEFAULT_IDLE_TIMEOUT_S)
    group.add_argument("--heartbeat-ttl", type=float, default=DEFAULT_HEARTBEAT_TTL_S)
    return parser
