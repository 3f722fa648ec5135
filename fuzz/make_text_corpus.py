#!/usr/bin/python3
# make_text_corpus.py - seed inputs for fuzz_csv and fuzz_jsonl: small valid and nearly valid files of every domain.
"""Usage: make_text_corpus.py OUTDIR [csv|jsonl]
   (writes OUTDIR/csv/* and OUTDIR/jsonl/*, or only one format's seeds straight into OUTDIR)

Each seed is one byte (read shape and ignore_unknown_columns, see fuzz_text.h) followed by a
file: every domain, quoting, CRLF, a BOM, empty cells, nulls, unknown and missing columns, short
vectors, so the fuzzer starts from inputs that get past the header and into the cells.
"""
import csv
import io
import json
import os
import sys

DOMAINS = {
    "recruit": ["id", "company_name", "exp_years", "english_level", "primary_keyword", "vector"],
    "candidate": ["candidate_id", "position_category", "experience_years", "original_resume",
                  "skills", "vector"],
    "skill_embedding_dic": ["skill", "position_category", "vector"],
}
TEXTS = ["Acme, \"Best\" Co", "line one\nline two\r\nthree", "", "  spaced  ", "한국어 😀", "x\"y"]


def value(name, i):
    if name in ("id", "candidate_id"):
        return "018f0000-0000-7000-8000-%012x" % i
    if name in ("exp_years", "experience_years"):
        return i % 30
    if name == "vector":
        return [0.25, -0.5, 3e-05]
    if name == "skills":
        return ["go", "c"][: i % 3]
    if name == "skill":
        return "skill %d" % i
    return TEXTS[i % len(TEXTS)]


def rows(domain, n):
    return [{f: value(f, i) for f in DOMAINS[domain]} for i in range(n)]


def csv_text(domain, rs, names=None, lineterminator="\r\n"):
    names = names or DOMAINS[domain]
    out = io.StringIO()
    w = csv.writer(out, lineterminator=lineterminator)
    w.writerow(names)
    for r in rs:
        w.writerow([json.dumps(r[n], ensure_ascii=False) if isinstance(r.get(n), list)
                    else r.get(n, "") for n in names])
    return out.getvalue().encode("utf-8")


def jsonl_text(rs, ascii_=False):
    return "".join(json.dumps(r, ensure_ascii=ascii_) + "\n" for r in rs).encode("utf-8")


def seeds():
    for domain, names in DOMAINS.items():
        rs = rows(domain, 4)
        yield "csv", domain, csv_text(domain, rs)
        yield "csv", domain + "-lf-bom", b"\xef\xbb\xbf" + csv_text(domain, rs, lineterminator="\n")
        yield "csv", domain + "-extra", csv_text(domain, rs, names + ["extra"])
        yield "csv", domain + "-missing", csv_text(domain, rs, names[:-2] + names[-1:])
        yield "jsonl", domain, jsonl_text(rs)
        yield "jsonl", domain + "-ascii", jsonl_text(rs, True)
        nulls = [dict(r) for r in rs]
        for r in nulls:
            for f in names[1:-1]:
                r[f] = None
        yield "jsonl", domain + "-nulls", jsonl_text(nulls)
        yield "jsonl", domain + "-extra", jsonl_text([dict(r, extra={"a": [1, None]}) for r in rs])


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["csv"], ["jsonl"]):
        sys.exit(__doc__)
    out = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) == 3 else None
    for fmt in ("csv", "jsonl"):
        os.makedirs(out if only else os.path.join(out, fmt), exist_ok=True)
    n = 0
    for fmt, name, data in seeds():
        if only and fmt != only:
            continue
        for shape in (0x00, 0x03, 0x09):  # whole reads; short reads; short reads + ignore unknown
            with open(os.path.join(out, "" if only else fmt, "%s-%02x" % (name, shape)), "wb") as f:
                f.write(bytes([shape]) + data)
            n += 1
    print("wrote %d seeds to %s" % (n, out))


if __name__ == "__main__":
    main()
