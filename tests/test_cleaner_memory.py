"""What keeps the crawl's process tree small: the cleaners' fork server loads what cleaning
loads lazily (so the workers share it), the crawl's processes do not import pyarrow, and a
worker trims its C heap after each call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corpus import cleaner_pool

REPO = Path(__file__).resolve().parent.parent


def run_python(code: str) -> str:
    argv = [sys.executable, "-c", code]
    return subprocess.run(argv, check=True, cwd=REPO, capture_output=True, text=True).stdout


def test_the_warmup_builds_what_the_first_fallback_would_build() -> None:
    # jusText's stoplist of every language (154k words): built on trafilatura's first
    # fallback, which the warmup page alone does not reach; lowered once, from its own words
    out = run_python(
        "import corpus.cleaner_warmup\n"
        "import justext.core\n"
        "from trafilatura import external\n"
        "words = external.JT_STOPLIST or ()\n"
        "lowered = justext.core.define_stoplist(words)\n"
        "print(len(words), lowered == frozenset(w.lower() for w in words),\n"
        "      lowered is justext.core.define_stoplist(words))"
    )
    count, equal, cached = out.split()
    assert int(count) > 100_000, "jusText's stoplist is left for each cleaner to build"
    assert equal == "True", "the stoplist jusText uses is not its words lowered"
    assert cached == "True", "jusText's lowered stoplist is left for each cleaner to build"


def test_a_shared_stoplist_passes_other_stoplists_to_jusText() -> None:
    # in a process of its own: importing the warmup warms up (and replaces jusText's function)
    out = run_python(
        "from corpus.cleaner_warmup import SharedStoplist\n"
        "shared = SharedStoplist(('a', 'the'), lambda words: frozenset({'other'}))\n"
        "equal = tuple(['a', 'the'])  # equal, but another stoplist\n"
        "print(sorted(shared(shared.words)), sorted(shared(equal)))"
    )
    assert out.strip() == "['a', 'the'] ['other']"


@pytest.mark.parametrize(
    "module", ["corpus.commands.crawl", "crawler.run", "crawler.pipelines", "corpus.cleaner_warmup"]
)
def test_the_crawl_processes_do_not_import_pyarrow(module: str) -> None:
    out = run_python(f"import sys, {module}; print('pyarrow' in sys.modules)")
    assert out.strip() == "False", f"{module} imports pyarrow (30 MB a process)"


def test_the_export_still_reads_the_declared_arrow_types() -> None:
    from corpus.export.schema import TABLE_COLUMNS

    types = {
        column.name: str(column.type) for columns in TABLE_COLUMNS.values() for column in columns
    }
    assert types["tags"] == "list<item: string>"
    assert types["masked_gaps"].startswith("list<item: struct<start: int64")
    assert "last_page_id" not in types


def test_a_call_run_and_trimmed_returns_or_raises_as_the_call() -> None:
    assert cleaner_pool._run_and_trim(len, "abc") == 3
    with pytest.raises(ZeroDivisionError):
        cleaner_pool._run_and_trim(lambda n: 1 // n, 0)


def test_the_crawl_parent_does_not_import_the_write_path() -> None:
    # `debtcorpus crawl` stores spooled pages only once its crawl process has ended
    out = run_python(
        "import sys, corpus.cli, corpus.commands.crawl\n"
        "print(sorted({'corpus.ingest', 'corpus.page_writes', 'numpy'} & set(sys.modules)))"
    )
    assert out.strip() == "[]", f"the crawl parent imports {out.strip()}"
