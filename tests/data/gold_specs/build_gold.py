"""Build gold JSONL from a compact spec (labels written by hand, by meaning)."""
import json
import re
import sys
from pathlib import Path
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from cleaning.claims.sentences import split_paragraphs

TYPES = dict(CH="CHANNEL", TI="TIMING", CO="CONSEQUENCE", PR="PROHIBITION", AD="ADVICE", CI="CITATION")
MOD = dict(c="certain", p="possible", h="habitual", o="obligation", x="prohibition", k="conditional", r="reported", n=None)
POL = {"+": "positive", "-": "negative", "~": "partial"}
CHK = dict(OD="malicious-overdraft-threshold", IL="illegal-debt-collection-crime-scope", NN="night-contact-nifa-2024",
           NC="night-contact-cba-2026", CR="credit-record-five-years", NR="no-national-collection-regulation",
           TP="third-party-contact-limits")

def claims(spec):
    out = []
    if spec.strip() in ("", "-"):
        return out
    for part in spec.split(";"):
        f = part.strip().split("/")
        t, s = f[0].split(".")
        days = None if len(f) < 4 or f[3] in ("", "-") else int(f[3])
        out.append(dict(type=TYPES[t], subtype=s, modality=MOD[f[1]], polarity=POL[f[2]], days=days))
    return out

def main(spec_path, out_path, prefix):
    arts = []  # (source, title, text, rows)
    cur = None
    for raw in Path(spec_path).read_text().splitlines():
        if not raw.strip() or raw.startswith("//"):
            continue
        if raw.startswith("# "):
            kind, _, rest = raw[2:].partition(" ")
            src, _, title = rest.partition(" | ")
            cur = dict(kind=kind, source=src.strip(), title=title.strip() or None, paras=[[]], rows=[])
            arts.append(cur)
        elif raw.strip() == "=":
            cur["paras"].append([])
        else:
            f = re.split(r"\s*\|\|\s*", raw)
            while len(f) < 4:
                f.append("")
            sent = f[0].strip()
            cur["rows"].append((sent, f[1].strip() or None, claims(f[2]), [CHK[c] for c in f[3].split(",") if c.strip()]))
            cur["paras"][-1].append(sent)
    from cleaning.claims.sentences import split_sentences
    for a in arts:
        if a["kind"] == "benchall":
            a["kind"] = "bench"
            t = Path(a["source"].split(":", 1)[1]).read_text()
            a["rows"] = [(s.text, None, [], []) for s in split_sentences(t) if len(s.text) >= 6]
    n = 0
    with open(out_path, "w") as out:
        for a in arts:
            if a["kind"] in ("hw", "site"):
                text = "\n".join("".join(p) for p in a["paras"] if p)
            else:
                text = Path(a["source"].split(":", 1)[1]).read_text() if a["kind"] != "seed" else Path("/work/shared/seeds/" + a["source"].split(":", 1)[1]).read_text()
            paras = split_paragraphs(text)
            for sent, lender, cl, ch in a["rows"]:
                i = text.find(sent)
                assert i >= 0, (a["source"], sent)
                para = next(p for p in paras if p.start <= i < p.end)
                src = a["source"] if a["kind"] != "bench" else "benchmark:" + a["source"].split(":", 1)[1].split("benchmarks/")[1].replace("/gold/", "/").removesuffix(".txt")
                line = dict(id=f"{prefix}{n:03d}", source=src if a["kind"] != "hw" else "handwritten:" + a["source"],
                            article=a["source"].split("/")[-1].split(":")[-1].split("#")[0].removesuffix(".txt"), title=a["title"],
                            context=text[para.start:i], sentence=sent, lender=lender, claims=cl, checks=ch)
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                n += 1
    print(out_path, n, "sentences,", sum(1 for a in arts for r in a["rows"] if r[3]), "with checks")

main(*sys.argv[1:4])
