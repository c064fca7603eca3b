"""corpus.store_calls: the crawl's Scrapy process's store calls, run by name elsewhere."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from corpus.cleaner_pool import warmed_executor
from corpus.errors import ConfigError
from corpus.store_calls import StoreCallError, StoreCalls, run_named


def test_a_store_error_comes_back_as_one_line_that_says_whether_to_wait(tmp_path: Path) -> None:
    locked = f"sqlite:///{tmp_path / 'missing' / 'corpus.db'}"  # its folder does not exist
    with pytest.raises(ConfigError):  # the project's own errors come back as they are
        run_named("corpus.store:ensure_schema", locked, ())
    empty = f"sqlite:///{tmp_path / 'empty.db'}"  # no schema: every query fails
    with pytest.raises(StoreCallError) as raised:
        run_named("corpus.incremental:pages_of_run", empty, (1,))
    again = pickle.loads(pickle.dumps(raised.value))
    assert (str(again), again.retryable) == (str(raised.value), True)
    assert "no such table" in str(again)


def test_calls_run_in_a_worker_then_in_a_lent_pool_then_in_a_new_worker() -> None:
    calls = StoreCalls()
    own = calls.call("os:getpid")
    pool = warmed_executor(1)
    try:
        lent = pool.submit(os.getpid).result()
        calls.lend(lambda: pool)
        assert calls.call("os:getpid") == lent != own
        calls.take_back()
        assert calls.call("os:getpid") not in (own, lent)
    finally:
        calls.shutdown()
        pool.shutdown()
