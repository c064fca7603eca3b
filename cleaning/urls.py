"""URL identity: one story has one URL, whatever tracking parameters or slashes it came with.

`clean_url` is what the crawler requests: tracking parameters, `;jsessionid=` path
parameters and the fragment removed (w3lib does the work). `url_identity` is what "the same
page" means for the duplicate filter and for the article's key: the clean URL made canonical
(w3lib: sorted query, lower-case host, percent-encoding normalised) with the scheme's default
port and the trailing slash of the path dropped.

Tracking parameters are matched by the shell-style patterns below (case-insensitive); a
profile adds its own with `tracking_parameters`.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# What analytics, share buttons and Chinese platforms add to links to the same story:
# Google/Meta/Microsoft click ids and utm_*, Alibaba's spm and scm, WeChat and Baidu's
# from/isappinstalled/scene, Baidu Tongji's hm*, Toutiao's tt_from, Bilibili's vd_source.
TRACKING_PARAMETERS: tuple[str, ...] = (
    "utm_*",
    "spm",
    "scm",
    "from",
    "share*",
    "*_share",
    "campaign*",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "isappinstalled",
    "scene",
    "clicktime",
    "enterid",
    "wfr",
    "tt_from",
    "vd_source",
    "bd_vid",
    "hmsr",
    "hmpl",
    "hmcu",
    "hmkw",
    "hmci",
    "_hsenc",
    "_hsmi",
    "ref",
    "ref_src",
    "referer",
    "referrer",
)


def tracking_names(url: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The query parameter names of `url` that are tracking parameters."""
    patterns = TRACKING_PARAMETERS + extra
    names = {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    return sorted(n for n in names if any(fnmatchcase(n.lower(), p.lower()) for p in patterns))


# a servlet session id in the path (`/a.jsp;jsessionid=0A1B...`): a new one per visitor
_SESSION_PATH_PARAMETER = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def clean_url(url: str, extra: tuple[str, ...] = ()) -> str:
    """`url` without tracking parameters, session ids and fragment: the URL worth requesting."""
    names = tracking_names(url, extra)
    if names:
        url = url_query_cleaner(url, names, remove=True, keep_fragments=True)
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=_SESSION_PATH_PARAMETER.sub("", parts.path), fragment=""))


def url_identity(url: str, extra: tuple[str, ...] = ()) -> str:
    """The key under which two URLs are one page: clean, canonical, no trailing slash."""
    canonical = canonicalize_url(clean_url(url, extra))
    parts = urlsplit(canonical)
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else "/"
    netloc = parts.netloc
    if netloc.endswith(":" + _DEFAULT_PORTS.get(parts.scheme, "-")):
        netloc = netloc.rpartition(":")[0]
    return urlunsplit(parts._replace(netloc=netloc, path=path))


def site_host(host: str) -> str:
    """A host as a site: lower case, without a leading `www.` (www.x.cn is the site x.cn)."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host
