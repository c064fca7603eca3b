"""One full HTML template per site, each modelled on one seed page.

Imports only samplesite.
"""

from __future__ import annotations

from types import ModuleType

from samplesite.templates import law, news, portal, wp

TEMPLATES: dict[str, ModuleType] = {"wp": wp, "portal": portal, "news": news, "law": law}
