"""Registration numbers in a page's footer: the ICP record or licence (鄂ICP备14010628号-2)
and the public-security record (京公网安备11010802020088号)."""

from __future__ import annotations

import re

from cleaning.textsearch import holds

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ICP = re.compile(
    rf"(?P<p>[{_PROVINCES}])\s*ICP\s*(?P<kind>备|证)\s*(?P<n>\d{{5,12}})\s*号?(?:\s*-\s*(?P<s>\d{{1,3}}))?",
    re.I,
)
_POLICE = re.compile(rf"(?P<p>[{_PROVINCES}])\s*公网安备\s*(?P<n>\d{{8,20}})\s*号?")


def find_icp(text: str) -> str | None:
    """An ICP record/licence number written the canonical way: 鄂ICP备14010628号-2."""
    if not holds(text, "ICP") and not holds(text, "icp"):
        return None  # a literal scan is far cheaper than the province class on a whole page
    match = _ICP.search(text)
    if not match:
        return None
    suffix = f"-{match['s']}" if match["s"] else ""
    return f"{match['p']}ICP{match['kind']}{match['n']}号{suffix}"


def find_police_record(text: str) -> str | None:
    match = _POLICE.search(text) if holds(text, "公网安备") else None
    return f"{match['p']}公网安备{match['n']}号" if match else None
