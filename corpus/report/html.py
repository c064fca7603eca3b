"""The dedup report as one self-contained HTML file (inline CSS, charts as data: PNGs).

Jinja2 with autoescape on: every scraped string (titles, URLs, text, site names) is escaped; no
value is marked safe. A Content-Security-Policy that allows no scripts at all is a second fence.
"""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2

from corpus.dedup.clusters_store import METHOD_EXACT, METHOD_NEAR
from corpus.report.data import DedupReport
from corpus.report.diff import DiffRow, side_by_side
from corpus.report.render import (
    cluster_size_chart,
    containment_table,
    evidence_line,
    similarity_histogram,
    site_table,
    summary_lines,
    syndication_graph,
    syndication_table,
    template_table,
    timeline_table,
)

TEMPLATE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Deduplication report</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; font-size: 0.9em; }
.diff td { width: 50%; white-space: pre-wrap; }
.changed { background: #ffe08a; }
.gap { background: #f4a6a6; outline: 1px dashed #a00; }
.delete td:first-child, .insert td:last-child { background: #fff3f3; }
.charts img { margin-right: 1em; }
details { margin: 0.5em 0; }
</style>
</head>
<body>
<h1>Deduplication report</h1>
<p>Made {{ made }}.</p>
<ul>{% for line in summary %}<li>{{ line[2:] }}</li>{% endfor %}</ul>
<div class="charts">
<img alt="similarity histogram" src="data:image/png;base64,{{ histogram }}">
<img alt="cluster sizes" src="data:image/png;base64,{{ sizes }}">
</div>
{% macro table(header, rows) -%}
<table><tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>
{%- endmacro %}
<h2>Sites</h2>
{{ table(*sites) }}
<h2>Syndication: who copies whom</h2>
<p>Arrows run from the source site to the copying site. A copy points to its cluster's
representative, the earliest reliably dated member (else the first seen); a page holding part
of an earlier article copies it. A site copying itself draws no arrow.</p>
<img alt="syndication graph" src="data:image/png;base64,{{ graph }}">
{{ table(*syndication) }}
<h2>Pages holding part of another article (containment)</h2>
<p>Stitched and partial copies: the page holds this share of the article, at these character
spans of its text. They never merge clusters.</p>
{{ table(*containment) }}
<h2>Repeated paragraphs (templates and boilerplate, not copies)</h2>
<p>Paragraphs found in at least three articles that are not copies of each other.</p>
{{ table(*templates) }}
{% for method, clusters in cluster_sections %}
<h2>Clusters: {{ method }} ({{ clusters|length }})</h2>
{% for cluster in clusters %}
<section class="cluster" id="cluster-{{ cluster.id }}">
<h3>Cluster {{ cluster.id }}: {{ cluster.members|length }} members,
sites {{ cluster.sites|join(", ") }}</h3>
<p>Representative: {{ evidence(cluster) }}</p>
<details><summary>Timeline: when each copy appeared</summary>
{{ table(*timeline(cluster)) }}</details>
<table><tr><th>article</th><th>role</th><th>site</th><th>published</th><th>similarity</th>
<th>title</th><th>url</th></tr>
{% for m in cluster.members %}
<tr><td>{{ m.article_id }}</td><td>{{ "representative" if m.representative else "duplicate" }}</td>
<td>{{ m.site }}</td><td>{{ m.published_at.date().isoformat() if m.published_at else "" }}</td>
<td>{{ "%.3f"|format(m.similarity) }}</td><td>{{ m.title }}</td><td>{{ m.url }}</td></tr>
{% endfor %}
</table>
{% for member_id, rows in diffs.get(cluster.id, []) %}
<details><summary>Article {{ member_id }} against the representative {{ cluster.representative_id }}
(changed text highlighted, keyword-filter gaps marked)</summary>
<table class="diff"><tr><th>representative {{ cluster.representative_id }}</th>
<th>article {{ member_id }}</th></tr>
{% for row in rows %}<tr class="{{ row.tag }}">
<td>{% for s in row.left %}<span class="{{ s.kind }}">{{ s.text }}</span>{% endfor %}</td>
<td>{% for s in row.right %}<span class="{{ s.kind }}">{{ s.text }}</span>{% endfor %}</td>
</tr>{% endfor %}
</table></details>
{% endfor %}
</section>
{% endfor %}
{% endfor %}
</body>
</html>
"""


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def cluster_diffs(
    report: DedupReport, max_diffs: int
) -> dict[int, list[tuple[int, list[DiffRow]]]]:
    """Per near cluster, up to max_diffs members diffed against the representative."""
    diffs: dict[int, list[tuple[int, list[DiffRow]]]] = {}
    for cluster in report.clusters.get(METHOD_NEAR, []):
        representative = cluster.representative_id
        diffs[cluster.id] = [
            (
                member.article_id,
                side_by_side(
                    report.texts.get(representative, ""),
                    report.texts.get(member.article_id, ""),
                    report.gaps.get(representative),
                    report.gaps.get(member.article_id),
                ),
            )
            for member in cluster.copies[:max_diffs]
        ]
    return diffs


def to_html(report: DedupReport, max_diffs: int = 3) -> str:
    template = _environment().from_string(TEMPLATE)
    return template.render(
        made=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        summary=summary_lines(report),
        histogram=similarity_histogram(report),
        sizes=cluster_size_chart(report),
        graph=syndication_graph(report),
        sites=site_table(report),
        syndication=syndication_table(report),
        templates=template_table(report),
        containment=containment_table(report),
        evidence=evidence_line,
        timeline=timeline_table,
        cluster_sections=[
            (METHOD_NEAR, report.clusters.get(METHOD_NEAR, [])),
            (METHOD_EXACT, report.clusters.get(METHOD_EXACT, [])),
        ],
        diffs=cluster_diffs(report, max_diffs),
    )
