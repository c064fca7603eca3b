"""The dedup report as CSV (one row per cluster member or containment edge) or Markdown, and
its charts as PNG. Scraped text goes through corpus.report.escape for each format."""

from __future__ import annotations

import base64
import csv
import difflib
import functools
import io
import math
import sys
import warnings

from corpus.dedup.clusters_store import METHOD_EXACT, METHOD_NEAR
from corpus.report.data import ClusterRow, DedupReport, source_of
from corpus.report.escape import csv_cell, markdown_fence, markdown_text

CSV_FIELDS = (
    "relation", "cluster_id", "method", "article_id", "site", "url", "published_at",
    "similarity", "representative", "removed", "duplicate_of", "copied_from",
    "direction_evidence",
)  # fmt: skip


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ""


def to_csv(report: DedupReport) -> str:
    """Which documents a dedup removes, what each duplicates, and the containment edges."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for method in (METHOD_EXACT, METHOD_NEAR):
        for cluster in report.clusters.get(method, []):
            for member in cluster.members:
                copy = not member.representative
                source, evidence = source_of(member, cluster) if copy else (None, "")
                row = {
                    "relation": "member", "cluster_id": cluster.id, "method": cluster.method,
                    "article_id": member.article_id, "site": member.site, "url": member.url,
                    "published_at": _iso(member.published_at),
                    "similarity": f"{member.similarity:.4f}", "representative": int(not copy),
                    "removed": int(copy), "duplicate_of": cluster.representative_id if copy else "",
                    "copied_from": source.article_id if source else "",
                    "direction_evidence": evidence,
                }  # fmt: skip
                writer.writerow({key: csv_cell(value) for key, value in row.items()})
    for edge in report.containments:
        row = {
            "relation": "containment", "cluster_id": "", "method": "containment",
            "article_id": edge.container.article_id, "site": edge.container.site,
            "url": edge.container.url, "published_at": _iso(edge.container.published_at),
            "similarity": f"{edge.share:.4f}", "representative": 0, "removed": 0,
            "duplicate_of": "", "copied_from": edge.source.article_id,
            "direction_evidence": "holds part of an earlier article",
        }  # fmt: skip
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return out.getvalue()


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(markdown_text(cell) for cell in row) + " |" for row in rows]
    return lines


def to_markdown(report: DedupReport, max_diffs: int = 3) -> str:
    lines = ["# Deduplication report", "", *(markdown_text(x) for x in summary_lines(report)), ""]
    lines += ["## Sites", "", *_md_table(*site_table(report)), ""]
    lines += ["## Syndication (who copies whom)", "", *_md_table(*syndication_table(report)), ""]
    lines += ["## Pages holding part of another article (containment)", ""]
    lines += [*_md_table(*containment_table(report)), ""]
    lines += ["## Repeated paragraphs (templates and boilerplate, not copies)", ""]
    lines += _md_table(*template_table(report))
    for method in (METHOD_NEAR, METHOD_EXACT):
        lines += ["", f"## Clusters: {method}", ""]
        for cluster in report.clusters.get(method, []):
            lines += _md_cluster(report, cluster, max_diffs)
    return "\n".join(lines) + "\n"


def _md_cluster(report: DedupReport, cluster: ClusterRow, max_diffs: int) -> list[str]:
    lines = [f"### Cluster {cluster.id} ({cluster.method}, {len(cluster.members)} members)", ""]
    lines += [markdown_text(f"Representative: {evidence_line(cluster)}"), ""]
    lines += [*_md_table(*member_table(cluster)), "", "Timeline:", ""]
    lines += _md_table(*timeline_table(cluster))
    representative = report.texts.get(cluster.representative_id, "")
    for member in cluster.copies[:max_diffs] if cluster.method == METHOD_NEAR else []:
        diff = difflib.unified_diff(
            representative.split("\n"), report.texts.get(member.article_id, "").split("\n"),
            f"article {cluster.representative_id}", f"article {member.article_id}", lineterm="",
        )  # fmt: skip
        lines += ["", f"Diff of article {member.article_id} against the representative:", ""]
        lines += markdown_fence("\n".join(diff), "diff")
    return [*lines, ""]


def evidence_line(cluster: ClusterRow) -> str:
    evidence = cluster.evidence
    when = evidence.get("published_at") or evidence.get("first_seen_at") or "unknown"
    return (
        f"article {cluster.representative_id}, {evidence.get('rule', cluster.rule)} ({when}; "
        f"{evidence.get('dated_members', 0)} of {len(cluster.members)} members reliably dated)"
    )


def summary_lines(report: DedupReport) -> list[str]:
    lines = [f"- articles: {report.articles} ({report.characters} characters)"]
    for method, name in ((METHOD_EXACT, "exact"), (METHOD_NEAR, "near")):
        lines.append(
            f"- {name}-duplicate clusters: {len(report.clusters.get(method, []))}, "
            f"duplicates: {report.duplicate_articles(method)}, "
            f"share of text duplicated: {report.duplicated_share(method):.1%}"
        )
    lines.append(f"- containment edges (partial or stitched copies): {len(report.containments)}")
    return [*lines, f"- representative rule: {report.rule}"]


def site_table(report: DedupReport) -> tuple[list[str], list[list[object]]]:
    header = ["site", "in stats as", "articles", "near duplicates", "representatives",
              "duplicated text"]  # fmt: skip
    rows: list[list[object]] = [
        [s.site, ", ".join(sorted(s.profiles)), s.articles, s.duplicates, s.representatives,
         f"{s.duplicated_share:.1%}"]
        for s in report.sites
    ]  # fmt: skip
    return header, rows


def syndication_table(report: DedupReport) -> tuple[list[str], list[list[object]]]:
    header = ["source site", "copying site", "copies", "direction from"]
    rows: list[list[object]] = [
        [e.source_site, e.copier_site, e.count,
         ", ".join(f"{k} {v}" for k, v in sorted(e.evidence.items()))]
        for e in report.syndication
    ]  # fmt: skip
    return header, rows


def containment_table(report: DedupReport) -> tuple[list[str], list[list[object]]]:
    header = ["article", "site", "held by page", "page site", "page title", "share", "spans",
              "copied text"]  # fmt: skip
    rows: list[list[object]] = [
        [e.source.article_id, e.source.site, e.container.article_id, e.container.site,
         e.container.title, f"{e.share:.0%}", " ".join(f"{a}-{b}" for a, b in e.spans),
         e.excerpt]
        for e in report.containments
    ]  # fmt: skip
    return header, rows


def template_table(report: DedupReport) -> tuple[list[str], list[list[object]]]:
    header = ["articles", "sites", "kind", "variants", "paragraph"]
    rows: list[list[object]] = [
        [len(t.article_ids), len(t.sites), t.kind, t.variants, t.text] for t in report.templates
    ]
    return header, rows


def member_table(cluster: ClusterRow) -> tuple[list[str], list[list[object]]]:
    header = ["article", "role", "site", "published", "similarity", "title", "url"]
    rows: list[list[object]] = [
        [m.article_id, "representative" if m.representative else "duplicate", m.site,
         m.published_at.date().isoformat() if m.published_at else "", f"{m.similarity:.3f}",
         m.title, m.url]
        for m in cluster.members
    ]  # fmt: skip
    return header, rows


def timeline_table(cluster: ClusterRow) -> tuple[list[str], list[list[object]]]:
    header = ["appeared", "days after the representative", "site", "article"]
    rows: list[list[object]] = [
        [m.appeared.strftime("%Y-%m-%d %H:%M") if m.appeared else "unknown",
         "" if days is None else days, m.site, m.article_id]
        for m, days in cluster.timeline()
    ]  # fmt: skip
    return header, rows


CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "Source Han Sans SC")


def plot_label(text: str) -> str:
    """Scraped text as a matplotlib label: a "$" would start mathtext."""
    return text.replace("\\", "\\\\").replace("$", r"\$")


# ----- charts ---------------------------------------------------------------------------------


def _png(figure: object) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[arg-type]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot() -> object:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Chinese site names need a CJK font (Debian: fonts-noto-cjk); DejaVu Sans stays the fallback
    plt.rcParams["font.sans-serif"] = [*CJK_FONTS, *plt.rcParams["font.sans-serif"]]
    if not _cjk_font_installed():
        _say_no_cjk_font()
        # one line said it; matplotlib would warn for every missing glyph of every label
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
    return plt


def _cjk_font_installed() -> bool:
    from matplotlib import font_manager

    names = {font.name for font in font_manager.fontManager.ttflist}
    return any(name in names for name in CJK_FONTS)


@functools.cache
def _say_no_cjk_font() -> None:
    print(
        "warning: no CJK font found, so Chinese labels in the charts show as boxes; install "
        "one (Debian: apt install fonts-noto-cjk) and run the report again",
        file=sys.stderr,
    )


def similarity_histogram(report: DedupReport) -> str:
    """Base64 PNG: similarities of near duplicates to their representatives."""
    plt = _pyplot()
    values = [m.similarity for c in report.clusters.get(METHOD_NEAR, []) for m in c.copies]
    figure, axes = plt.subplots(figsize=(5, 3))  # type: ignore[attr-defined]
    axes.hist(values, bins=20, range=(0.0, 1.0), color="#4c72b0")
    axes.set_xlabel("Jaccard similarity to the representative")
    axes.set_ylabel("members")
    return _png(figure)


def cluster_size_chart(report: DedupReport) -> str:
    """Base64 PNG: how many near-duplicate clusters have each size."""
    plt = _pyplot()
    sizes = sorted(len(c.members) for c in report.clusters.get(METHOD_NEAR, []))
    counts: dict[int, int] = {}
    for size in sizes:
        counts[size] = counts.get(size, 0) + 1
    figure, axes = plt.subplots(figsize=(5, 3))  # type: ignore[attr-defined]
    axes.bar([str(size) for size in counts], list(counts.values()), color="#55a868")
    axes.set_xlabel("members per cluster")
    axes.set_ylabel("clusters")
    return _png(figure)


def syndication_graph(report: DedupReport, max_edges: int = 40) -> str:
    """Base64 PNG: sites on a circle, an arrow from source to copier, width by count."""
    plt = _pyplot()
    edges = report.syndication[:max_edges]
    sites = sorted({e.source_site for e in edges} | {e.copier_site for e in edges})
    place = {
        site: (
            math.cos(2 * math.pi * i / max(len(sites), 1)),
            math.sin(2 * math.pi * i / max(len(sites), 1)),
        )
        for i, site in enumerate(sites)
    }
    figure, axes = plt.subplots(figsize=(6, 6))  # type: ignore[attr-defined]
    top = max((e.count for e in edges), default=1)
    for edge in edges:
        if edge.source_site == edge.copier_site:
            continue
        (x1, y1), (x2, y2) = place[edge.source_site], place[edge.copier_site]
        axes.annotate(
            "", xy=(x2, y2), xytext=(x1, y1),
            arrowprops={"arrowstyle": "-|>", "lw": 0.5 + 4 * edge.count / top, "color": "#c44e52",
                        "shrinkA": 12, "shrinkB": 12, "connectionstyle": "arc3,rad=0.1"},
        )  # fmt: skip
    for site, (x, y) in place.items():
        axes.text(
            x,
            y,
            plot_label(site),
            ha="center",
            va="center",
            fontsize=8,
            bbox={"fc": "white", "ec": "#333"},
        )
    axes.set_xlim(-1.4, 1.4)
    axes.set_ylim(-1.4, 1.4)
    axes.axis("off")
    return _png(figure)
