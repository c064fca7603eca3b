"""Template variants: how the sample site can change under a crawler's feet, as real sites do
when they change theme. `default` serves the pages as designed; `nodates` serves the same
pages with every date and time gone from the markup (meta tags, <time>, JSON-LD, bylines,
lists, comments), as a theme that stopped printing dates would. Links are left as they are
(the portal's article URLs still carry their day).

Switched at run time with `POST /_control/template?name=NAME` (docs/sample-site.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# dates and times as the four templates print them: ISO (2024-03-20T10:40:18+08:00),
# 2024-03-20 10:40, 2024年11月10日 18:36, the portal's 2025 03/ 20 18:19:18, "4个月前 (01-06)"
_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?(?:[+-]\d{2}:\d{2})?"
    r"|\d{4}\s*[年/.]\s*\d{1,2}\s*[月/.]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{4} \d{2}/ \d{2}(?: \d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d+\s*(?:个月|天|小时|分钟|年)前\s*(?:\(\d{1,2}-\d{1,2}\))?"
    r"|\b\d{1,2}-\d{1,2}\b(?=\))"
    r"|\d{1,2}月\d{1,2}日"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
# attribute values that are URLs: left alone, so that every link still leads where it did
_URL_ATTRIBUTE = re.compile(r"""((?:href|src|action)=(?:"[^"]*"|'[^']*'))""")


def without_dates(html: str) -> str:
    parts = _URL_ATTRIBUTE.split(html)
    return "".join(part if index % 2 else _DATE.sub("", part) for index, part in enumerate(parts))


def unchanged(html: str) -> str:
    return html


VARIANTS: dict[str, Callable[[str], str]] = {"default": unchanged, "nodates": without_dates}
