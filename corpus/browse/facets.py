"""A month facet for Datasette: rows per month of a date column, newest month first.

In the metadata `{"month": "published_at"}`, in a URL `?_facet_month=published_at`. Choosing a
month adds Datasette's own `published_at__startswith=YYYY-MM` filter, so the facet needs no
filter of its own. Dates are stored as ISO 8601 text (SQLAlchemy on SQLite), so a month is the
first seven characters.
"""

from __future__ import annotations

from typing import Any

from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Request

MONTH_PATTERN = "[0-9][0-9][0-9][0-9]-[0-9][0-9]*"


class MonthFacet(Facet):  # type: ignore[misc]  # Datasette is untyped
    type = "month"

    async def suggest(self) -> list[dict[str, Any]]:
        return []  # offered through the metadata, not suggested for every text column

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results, timed_out = [], []
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            try:
                results.append(await self._months(column, source_and_config["source"]))
            except Exception as exc:  # Datasette's QueryInterrupted: the facet timed out
                if type(exc).__name__ != "QueryInterrupted":
                    raise
                timed_out.append(column)
        return results, timed_out

    async def _months(self, column: str, source: str) -> dict[str, Any]:
        size = self.get_facet_size()
        quoted = escape_sqlite(column)
        sql = (
            f"SELECT substr({quoted}, 1, 7) AS value, count(*) AS count FROM ({self.sql}) "
            f"WHERE {quoted} GLOB '{MONTH_PATTERN}' GROUP BY value ORDER BY value DESC "
            f"LIMIT {size + 1}"
        )
        rows = await self.ds.execute(
            self.database, sql, self.params, truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )  # fmt: skip
        chosen = dict(self.get_querystring_pairs()).get(f"{column}__startswith")
        request: Request = self.request
        values = []
        for row in rows.rows[:size]:
            selected = chosen == row["value"]
            change = {f"{column}__startswith": row["value"]}
            path = (path_with_removed_args if selected else path_with_added_args)(request, change)
            values.append(
                {"value": row["value"], "label": row["value"], "count": row["count"],
                 "toggle_url": self.ds.absolute_url(request, path), "selected": selected}
            )  # fmt: skip
        return {
            "name": column,
            "type": self.type,
            "results": values,
            "hideable": source != "metadata",
            "toggle_url": path_with_removed_args(request, {f"_facet_{self.type}": column}),
            "truncated": len(rows) > size,
        }
