"""The prose sections of the dataset card, filled from the run records, the export's own
summary and the stored eval figures (corpus.export.quality).

Each function takes the card's facts and returns one Markdown section; `corpus.export.card`
puts them in order under the YAML header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cleaning.outcomes import Reason

if TYPE_CHECKING:
    from corpus.export.card import CardFacts

CLAIM_TYPES = ("CHANNEL", "TIMING", "CONSEQUENCE", "PROHIBITION", "ADVICE", "CITATION")


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


def summary_section(facts: CardFacts) -> str:
    rows = {t.name: t.num_rows for t in facts.tables}
    counts = ", ".join(f"{count} {name}" for name, count in rows.items())
    return (
        "## Dataset summary\n\n"
        "Chinese web articles about debt collection (催收) from content farms, law-firm blogs "
        "and portals, with the claims each makes about collection practice (how collectors "
        "reach borrowers, after how long, with what consequences, what is forbidden, what "
        f"borrowers are advised) and their comments: {counts}.\n\n"
        "**Intended uses**: research on what the Chinese web tells indebted borrowers about "
        "collection: counting and comparing claims by lender, site and time; checking claims "
        "against the rules of law and industry conventions (`claims.checks`); studying copied "
        "content (`exact_cluster_id`, `near_cluster_id`); training or evaluating classifiers "
        "of such claims, with the measured error of the rule-made labels in mind.\n\n"
        "**Out of scope**: legal advice; judging a particular lender, collector or person; "
        "any use that identifies commenters; redistribution of the texts (see the licence "
        "section). The claims are machine-made and carry the error measured below.\n"
    )


def rationale_section(facts: CardFacts) -> str:
    return (
        "## Curation rationale\n\n"
        "Borrowers who fall behind on online loans (微粒贷, 借呗, 花呗 …) search the web for what "
        "will happen next, and what they find is mostly content-farm and law-firm marketing "
        "text that copies itself across sites. The corpus keeps those pages as found, with "
        "each claim tied to its sentence and offsets, so that researchers can measure what is "
        "said, how often, by whom, and how much of it contradicts the rules. Pages are kept "
        "when the extractor finds an article and the site's topic relevance threshold is met; "
        "the filters and their counts are listed under Source data.\n"
    )


def site_rows(sites: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    exported, hosts = summary["sites"], summary["site_hosts"]
    lines = [
        "| site | what it is (profile) | hosts | runs | crawled | pages fetched | "
        "articles exported | robots.txt forbade | rejected pages |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, site in sites.items():
        crawled = f"{site['first_run_started_at'] or '?'} to {site['last_run_finished_at'] or '?'}"
        lines.append(
            f"| {name} | {site['description'] or '-'} | {', '.join(hosts.get(name, [])) or '-'} | "
            f"{', '.join(map(str, site['runs']))} | {crawled} | {site['pages_fetched']} | "
            f"{exported.get(name, 0)} | {site['robots_forbidden_urls']} | "
            f"{counts_text(site['rejected_pages'])} |"
        )
    return lines


def robots_lines(provenance: dict[str, Any]) -> list[str]:
    """The robots.txt policy and what the runs recorded about it."""
    forbidden = sum(s["robots_forbidden_urls"] for s in provenance["sites"].values())
    lines = [
        "**robots.txt**: crawls obey robots.txt unless started with `-s ROBOTSTXT_OBEY=False` "
        "(such runs are listed below), with the rules of RFC 9309: a robots.txt answering 5xx "
        "or unreachable disallows the whole host, a 4xx allows everything. URLs it forbade "
        "are not fetched and are recorded in the run's `skipped_urls` with reason "
        f"`{Reason.ROBOTS_FORBIDDEN}`: {forbidden} over these runs (per site in the table)."
    ]
    if any(run["source"] == "warc" for run in provenance["runs"]):
        lines.append(
            "- Articles read from web archives (`ingest-warc`) were fetched by whoever made "
            "the archive; no robots.txt decision of theirs is recorded here."
        )
    for run in provenance["runs"]:
        stats = run["robots_stats"]
        disallow_all = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if "disallow_all" in k}
        setting = run["robots_obey_setting"]
        if setting is not None:
            obeyed = setting.strip().lower() not in ("false", "0", "no", "off")
            verdict = "obeyed" if obeyed else "**not obeyed**"
            lines.append(
                f"- Run {run['id']} was started with `-s ROBOTSTXT_OBEY={setting}`: robots.txt "
                f"was {verdict} in it."
            )
        if disallow_all:
            lines.append(
                f"- Run {run['id']}: hosts disallowed entirely because robots.txt failed: "
                f"{counts_text(disallow_all)}."
            )
    return lines


def runs_lines(provenance: dict[str, Any]) -> list[str]:
    lines = ["| run | site | source | status | started | finished | pages | new | changed |"]
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for run in provenance["runs"]:
        lines.append(
            f"| {run['id']} | {run['site'] or '-'} | {run['source']} | {run['status']} | "
            f"{run['started_at']} | {run['finished_at'] or '-'} | {run['pages_fetched']} | "
            f"{run['articles_new']} | {run['articles_changed']} |"
        )
    return lines


def filter_lines(provenance: dict[str, Any]) -> list[str]:
    steps = provenance["filter_counts"]
    chain = " → ".join(f"{step['filter']} {step['articles']}" for step in steps)
    return [
        "**Filters**: at crawl time a page becomes an article only when the extractor finds "
        "main text long enough, not a list page, and on topic for the site; the rejected "
        "pages are counted per reason in the table above. This export's filters kept, in "
        f"turn, articles: {chain}."
    ]


def source_section(facts: CardFacts) -> str:
    provenance = facts.provenance
    if not provenance["runs"]:
        where = "No crawl run of this database fetched the exported articles (none exported, "
        where += "or the records were made by other means)."
        body = [where]
    else:
        body = [
            "Fetched by `debtcorpus crawl` (Scrapy) from the sites below, each described by its "
            "site profile, or read from web archives with `debtcorpus ingest-warc` (source "
            "`warc`). The sites were chosen as the kinds of site that answer borrowers' "
            "searches about collection: content farms, law-firm blogs, news and Q&A portals.",
            "",
            *site_rows(provenance["sites"], facts.summary),
            "",
            *robots_lines(provenance),
            "",
            *filter_lines(provenance),
            "",
            "Crawl runs (from `crawl_runs`; `debtcorpus runs show ID` gives more):",
            "",
            *runs_lines(provenance),
        ]
    return "## Source data\n\n" + "\n".join(body) + "\n"


def type_rows(types: dict[str, Any]) -> list[str]:
    lines = ["| claim type | precision | recall | tp | fp | fn |", "|---|---|---|---|---|---|"]
    for name in ("ALL", *CLAIM_TYPES):
        if name in types:
            t = types[name]
            lines.append(
                f"| {name} | {t['precision']:.3f} | {t['recall']:.3f} | {t['tp']} | "
                f"{t['fp']} | {t['fn']} |"
            )
    return lines


def checks_line(figures: dict[str, Any]) -> str:
    checks = figures.get("checks")
    if checks is None:
        return "Rule checks: not labelled in this gold set."
    flags = (
        f"{checks['falsely_flagged']} of {checks['sentences']} sentences falsely flagged "
        f"({checks['false_flag_rate']:.1%})"
    )
    if checks["tp"] + checks["fn"] == 0:
        return f"Rule checks: no sentence of this set contradicts a rule; {flags}."
    return (
        f"Rule checks: precision {checks['precision']:.3f}, recall {checks['recall']:.3f} "
        f"({checks['tp'] + checks['fn']} contradicting sentences); {flags}."
    )


def claim_quality_lines(facts: CardFacts) -> list[str]:
    claims = facts.quality["claims"]
    test = claims["gold_sets"]["test"]
    fields = ", ".join(f"{n} {v['accuracy']:.3f}" for n, v in test["fields"].items())
    exported = sorted(facts.summary["claim_rule_versions"]["claims"])
    lines = [
        f"Measured for rule version `{claims['rule_version']}` with "
        f"{facts.quality.get('measured_with', 'debtcorpus')}, by `{test['command']}` "
        f"({test['sentences']} sentences; {test['role']}):",
        "",
        *type_rows(test["types"]),
        "",
        f"Field accuracy on claims whose type and subtype match: {fields} (days on TIMING "
        f"claims). {checks_line(test)}",
        "",
        "Second figures, type precision / recall: "
        + "; ".join(
            f"{gold['gold']} ({gold['role']}) {gold['types']['ALL']['precision']:.3f} / "
            f"{gold['types']['ALL']['recall']:.3f}"
            for part, gold in claims["gold_sets"].items()
            if part != "test"
        )
        + ".",
    ]
    other = [version for version in exported if version != claims["rule_version"]]
    if other:
        lines += [
            "",
            f"**Note**: claims of rule version {', '.join(other)} are in this "
            f"export; the figures above are for `{claims['rule_version']}` only.",
        ]
    return lines


def other_quality_lines(quality: dict[str, Any]) -> list[str]:
    extraction = quality["extraction"]
    folders = "; ".join(
        f"{name}: F1 ≥ {v['mean_of_folds_f1']}"
        + (f", dates ≥ {v['date_accuracy']}" if "date_accuracy" in v else "")
        + (f", authors ≥ {v['author_accuracy']}" if "author_accuracy" in v else "")
        + f" (`{v['command']}`)"
        for name, v in extraction["folders"].items()
    )
    dedup = quality["dedup"]
    test = dedup["test_originals"]
    return [
        f"**Main text, dates and authors** (the `text`, `published_at`, `author` columns) are "
        f"extracted by rules too; {extraction['what']}: {folders}; checked by "
        f"{extraction['checked_by']}.",
        "",
        f"**Duplicate clusters**: `{dedup['command']}` ({dedup['recorded']}): {dedup['what']}: "
        f"test originals P {test['precision']:.3f}, R {test['recall']:.3f}; dev originals P "
        f"{dedup['dev_originals']['precision']:.3f}, R {dedup['dev_originals']['recall']:.3f}; "
        f"false pairs among all joined: {dedup['false_pairs_of_all_joined']}.",
    ]


def annotation_section(facts: CardFacts) -> str:
    versions = facts.summary["claim_rule_versions"]["claims"]
    body = [
        "No person labelled this data. Claims are made by rules (`cleaning/claims`: "
        "lexicons of trigger words, clause roles, modality and negation scope, numbers bound "
        "to their role, a gazetteer of lenders) and checked against a rule base of laws, "
        "judicial interpretations and industry conventions, each rule citing its source and "
        f"year. Claim rule versions in this export: {counts_text(versions)}.",
        "",
        *claim_quality_lines(facts),
        "",
        *other_quality_lines(facts.quality),
    ]
    return "## Annotation process\n\n" + "\n".join(body) + "\n"


def personal_section(facts: CardFacts) -> str:
    pseudonyms = facts.pseudonyms
    if pseudonyms is None:
        state = (
            "**In this export the names are as printed**: `comments.author` holds commenters' "
            "names or nicknames and `articles.author`/`articles.editor` the bylines. Re-export "
            "with `--pseudonymize-authors` (and `--pseudonymize-article-authors`) before "
            "sharing it."
        )
    else:
        columns = ", ".join(f"`{c}`" for c in pseudonyms["columns"])
        state = (
            f"**In this export {columns} are pseudonymised**: {pseudonyms['method']} (key: "
            f"{pseudonyms['key']}). The same name gives the same pseudonym throughout the "
            "export, so one commenter's comments can be grouped; whoever holds the key can test "
            "a guessed name."
        )
    return (
        "## Personal and sensitive information\n\n"
        f"{state}\n\n"
        "Pseudonymisation covers those columns only: names, phone numbers, places and debts "
        "that people wrote into article and comment texts stay in `text`. Comments are often "
        "by people in debt describing their own situation (amounts, lenders, family); articles "
        "name lenders and sometimes collection firms. Treat the data as personal data under "
        "the PIPL and the GDPR: keep it access-controlled, report only aggregates, and do not "
        "try to identify anyone.\n"
    )


def limitations_section(facts: CardFacts) -> str:
    return (
        "## Bias, risks and limitations\n\n"
        "- **Which sites**: only the sites listed above, chosen by hand; the web's answers "
        "depend on the search engine and change over time, so counts describe these sites at "
        "these dates, not the Chinese web.\n"
        "- **Copies**: content farms copy one text many times; count claims over "
        "representatives (`is_representative`, or export with `--representatives-only`) or "
        "the same text is counted once per copy.\n"
        "- **Rule-made labels**: claim types, fields and checks carry the measured error above; "
        "the gold sets are small (a few hundred sentences) and in the style of the sampled "
        "sites, so error on other sites may be higher. Lenders are found only when the "
        "gazetteer knows them.\n"
        "- **Masked words**: sites censor words (a blank or a missing character); "
        "`masked_gaps` marks where, but a claim may be missed or misread there.\n"
        "- **Dates**: `published_at` is the page's own date as extracted, null when none was "
        "found; a site's template change can leave a run without dates.\n"
        "- **Not advice**: the texts are often wrong about the law; `checks` flags only what "
        "the rule base knows.\n"
    )


def citation_section(facts: CardFacts) -> str:
    as_of = facts.summary["as_of"] or "n/a"
    year = as_of[:4] if as_of[:4].isdigit() else "n.d."
    return (
        "## Citation\n\n"
        "```bibtex\n"
        f"@misc{{debtcorpus_{year},\n"
        "  title  = {debtcorpus: Chinese web articles about debt collection, with their claims},\n"
        f"  year   = {{{year}}},\n"
        f"  note   = {{Exported by debtcorpus {facts.tool_version} (schema "
        f"{facts.schema_version}); data as of {as_of}; manifest.json lists filters, versions "
        "and file hashes}\n"
        "}\n```\n\n"
        "Cite the export together with its `manifest.json` (the SHA-256 of every file), so "
        "that others can tell which data you used.\n"
    )


def contact_section(facts: CardFacts) -> str:
    contacts = sorted({run["contact"] for run in facts.provenance["runs"] if run["contact"]})
    if contacts:
        who = (
            "The crawls were run by, and announced this contact in their User-Agent: "
            + ", ".join(contacts)
            + "."
        )
    else:
        who = (
            "No contact was recorded by the crawls (`debtcorpus crawl --contact EMAIL` puts "
            "one in the User-Agent and in the run records); ask whoever gave you this export."
        )
    return (
        "## Contact\n\n"
        f"{who} Site owners who want an article removed, and anyone who finds a wrong "
        "claim or a privacy problem, should write there; the article's `url` identifies it.\n"
    )
