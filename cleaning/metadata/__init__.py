"""Page metadata, one module per concern.

`view` linearises the page into lines with zone penalties and landmarks; `date_forms` parses
the ways dates are written; `dates` picks the published date; `people_names` and `people`
find author and editor; `source` the outlet and syndication link; `icp` the registration
numbers; `site` the site name, canonical URL and language; `breadcrumbs` the category;
`tags` the tags; `page` puts them together in `extract_metadata`.

Imports: the standard library, lxml and `cleaning.records`; never the database, scrapy or
`corpus`. (`cleaning.extract` reads the page scan of `view`: its named elements.)

Imports only within cleaning (records, extract's helpers); nothing outside it.
"""

from cleaning.metadata.icp import find_icp, find_police_record
from cleaning.metadata.page import PageMetadata, extract_metadata
from cleaning.metadata.view import jsonld_objects

__all__ = ["PageMetadata", "extract_metadata", "find_icp", "find_police_record", "jsonld_objects"]
