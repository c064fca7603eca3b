"""The crawl's Scrapy process does networking and scheduling only: a real `debtcorpus crawl`
of a sample site, with a `sitecustomize` on PYTHONPATH that writes each process's modules at
its exit; the crawl process (the one that ran crawler.run) must not have imported SQLAlchemy,
its ORM, the models, pydantic or the profiles (corpus.store_calls runs its store calls in a
process forked from the cleaners' fork server; docs/crawling.md, "Memory")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from corpus.models import Page
from corpus.store import Store

pytestmark = pytest.mark.slow

MODULES_DIR = "DEBTCORPUS_TEST_MODULES_DIR"
SITECUSTOMIZE = f"""
import atexit, json, os, sys

def _write_modules():
    if "crawler.run" in sys.modules:
        path = os.path.join(os.environ["{MODULES_DIR}"], f"{{os.getpid()}}.json")
        with open(path, "w") as out:
            json.dump(sorted(sys.modules), out)

atexit.register(_write_modules)
"""
HEAVY = ("sqlalchemy", "sqlalchemy.orm", "corpus.models", "pydantic", "corpus.profiles")


def test_the_crawl_process_imports_no_sqlalchemy_nor_pydantic(
    sample_site: str, tmp_path: Path
) -> None:
    hook, written = tmp_path / "hook", tmp_path / "modules"
    hook.mkdir()
    written.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    path = [str(hook), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), MODULES_DIR: str(written)}
    db = tmp_path / "corpus.db"
    argv = [sys.executable, "-m", "corpus", "crawl", "--site", "sample-news"]
    subprocess.run(
        [*argv, "--base-url", sample_site, "--db", str(db)], env=env, check=True, timeout=300
    )
    found = [json.loads(file.read_text()) for file in written.glob("*.json")]
    assert len(found) == 1  # the crawl process, which ran to its end
    modules = set(found[0])
    assert {"scrapy.crawler", "crawler.pipelines", "crawler.middlewares"} <= modules
    assert sorted(modules & set(HEAVY)) == []
    store = Store(str(db))
    with store.session() as session:  # and it was a crawl: its pages are stored
        assert (session.scalar(select(func.count(Page.id))) or 0) > 10
    store.dispose()
