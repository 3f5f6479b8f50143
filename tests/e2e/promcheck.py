#!/usr/bin/env python3
"""A strict checker of the Prometheus text exposition format 0.0.4, for
the metrics tests (metrics.sh): stricter than Prometheus's own parser where
the format only recommends, so that what jobd prints stays clean.

  promcheck.py check FILE [PREFIX]   exit 0, or 1 with one line per problem
  promcheck.py value FILE SERIES     print the value of SERIES, written as
                                     in the file: name{k="v",...}
  promcheck.py series FILE REGEX     print each "SERIES VALUE" whose series
                                     matches REGEX, sorted

What check demands:
- every line ends in a newline, none is empty, none has trailing blanks;
- each family has exactly one # HELP (escapes \\\\ and \\n only) and one
  # TYPE (counter, gauge, histogram, summary or untyped), both before its
  first sample, and its samples in one contiguous group;
- metric and label names are valid; label names are not reserved (__);
  label values are double-quoted with only the escapes \\\\, \\" and \\n;
  no label name twice in a sample; no series twice; values are floats
  (+Inf, -Inf, NaN allowed); no timestamps;
- conventions: every name starts with PREFIX when given; a counter's name
  ends in _total and its values are >= 0; no other family ends in _total;
  no name carries a unit that is not a base unit (milliseconds, minutes,
  hours, days, kilobytes, megabytes ...);
- a histogram has, per label set, buckets in increasing le order that are
  cumulative (never decreasing), a +Inf bucket equal to _count, and a
  _sum; le values are floats; no other sample names.
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
BAD_UNITS = ("milliseconds", "microseconds", "nanoseconds", "minutes",
             "hours", "days", "kilobytes", "megabytes", "gigabytes",
             "kibibytes", "mebibytes", "bits", "percent")


def parse_float(s):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?",
                        s):
        raise ValueError(s)
    return float(s)


def parse_sample(line):
    """(name, [(label, value)], value text) or raise ValueError(why)."""
    m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
    if not m:
        raise ValueError("no metric name")
    name, i, labels = m.group(0), m.end(), []
    if i < len(line) and line[i] == "{":
        i += 1
        while True:
            if line[i] == "}":
                i += 1
                break
            m = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").match(line, i)
            if not m:
                raise ValueError("bad label name at %d" % i)
            lname, i = m.group(0), m.end()
            if line[i:i + 2] != '="':
                raise ValueError("label %s: no =\"" % lname)
            i += 2
            v = []
            while True:
                if i >= len(line):
                    raise ValueError("unterminated label value")
                c = line[i]
                if c == "\\":
                    e = line[i + 1:i + 2]
                    if e not in ("\\", '"', "n"):
                        raise ValueError("bad escape \\%s" % e)
                    v.append("\n" if e == "n" else e)
                    i += 2
                elif c == '"':
                    i += 1
                    break
                elif c == "\n":
                    raise ValueError("raw newline in a label value")
                else:
                    v.append(c)
                    i += 1
            labels.append((lname, "".join(v)))
            if line[i] == ",":
                i += 1
                if line[i] == "}":
                    raise ValueError("trailing comma in labels")
            elif line[i] != "}":
                raise ValueError("expected , or } at %d" % i)
    if line[i:i + 1] != " ":
        raise ValueError("expected one blank before the value")
    rest = line[i + 1:]
    if " " in rest:
        raise ValueError("timestamps or extra fields are not expected")
    parse_float(rest)
    return name, labels, rest


def series_key(name, labels):
    return name + "{" + ",".join('%s="%s"' % (k, v.replace("\\", "\\\\")
                                 .replace('"', '\\"').replace("\n", "\\n"))
                                 for k, v in labels) + "}" \
        if labels else name


def load(path):
    data = open(path, "rb").read().decode("utf-8")
    out = {}
    for line in data.split("\n"):
        if line and not line.startswith("#"):
            name, labels, v = parse_sample(line)
            out[series_key(name, labels)] = v
    return out


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            base = name[:-len(suffix)]
            if types.get(base) in ("histogram", "summary"):
                return base
    return name


def check(path, prefix):
    errs = []
    raw = open(path, "rb").read()
    try:
        data = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["not UTF-8: %s" % e]
    if not data:
        return ["empty"]
    if not data.endswith("\n"):
        errs.append("no newline at the end")
    helps, types, done, seen = {}, {}, set(), set()
    current = None
    hist = {}		# (family, labels without le) -> {...}
    for n, line in enumerate(data.split("\n")[:-1], 1):
        where = "line %d" % n

        def bad(why):
            errs.append("%s: %s: %s" % (where, why, line[:120]))
        if line == "":
            bad("empty line")
            continue
        if line != line.rstrip():
            bad("trailing blanks")
        if line.startswith("#"):
            m = re.match(r"# (HELP|TYPE) (\S+) (.*)\Z", line)
            if not m:
                bad("a comment that is neither # HELP nor # TYPE")
                continue
            kind, name, text = m.groups()
            if not NAME.match(name):
                bad("bad metric name")
            if name in done:
                bad("%s after the family's samples ended" % kind)
            if current != name and current is not None:
                done.add(current)
            current = name
            if kind == "HELP":
                if name in helps:
                    bad("second HELP")
                if re.fullmatch(r"([^\\]|\\[\\n])*", text) is None:
                    bad("bad escape in HELP")
                if not text.strip():
                    bad("empty HELP")
                helps[name] = text
            else:
                if name in types:
                    bad("second TYPE")
                if text not in TYPES:
                    bad("unknown type %s" % text)
                if any(family_of(s, {name: text}) == name for s in seen):
                    bad("TYPE after the family's first sample")
                types[name] = text
            continue
        try:
            name, labels, vtext = parse_sample(line)
        except (ValueError, IndexError) as e:
            bad("unparsable sample (%s)" % e)
            continue
        fam = family_of(name, types)
        if fam != current:
            if current is not None:
                done.add(current)
            current = fam
        if fam in done:
            bad("samples of family %s not in one group" % fam)
        if fam not in types:
            bad("no # TYPE before the sample")
        if fam not in helps:
            bad("no # HELP before the sample")
        names = [k for k, _ in labels]
        if len(set(names)) != len(names):
            bad("a label twice")
        for k in names:
            if not LABEL.match(k) or k.startswith("__"):
                bad("bad or reserved label name %s" % k)
        key = series_key(name, labels)
        if key in seen:
            bad("series twice")
        seen.add(key)
        v = parse_float(vtext)
        t = types.get(fam)
        if t == "counter":
            if name != fam:
                bad("counter sample named %s" % name)
            if not (v >= 0):
                bad("negative or NaN counter")
        elif t == "gauge" and name != fam:
            bad("gauge sample named %s" % name)
        elif t == "histogram":
            rest = tuple((k, x) for k, x in labels if k != "le")
            h = hist.setdefault((fam, rest), {"le": [], "sum": None,
                                              "count": None})
            if name == fam + "_bucket":
                le = dict(labels).get("le")
                if le is None:
                    bad("bucket without le")
                    continue
                try:
                    b = parse_float(le)
                except ValueError:
                    bad("le %r is not a float" % le)
                    continue
                if h["le"] and b <= h["le"][-1][0]:
                    bad("le not increasing")
                if h["le"] and v < h["le"][-1][1]:
                    bad("buckets not cumulative")
                h["le"].append((b, v))
            elif name == fam + "_sum":
                h["sum"] = v
            elif name == fam + "_count":
                h["count"] = v
            else:
                bad("histogram sample named %s" % name)
    for name, t in types.items():
        if prefix and not name.startswith(prefix):
            errs.append("%s: does not start with %s" % (name, prefix))
        if t == "counter" and not name.endswith("_total"):
            errs.append("%s: a counter whose name does not end in _total"
                        % name)
        if t != "counter" and name.endswith("_total"):
            errs.append("%s: a %s whose name ends in _total" % (name, t))
        for u in BAD_UNITS:
            if re.search(r"(^|_)%s(_|$)" % u, name):
                errs.append("%s: not a base unit (%s)" % (name, u))
        if name not in helps:
            errs.append("%s: no # HELP" % name)
    for name in helps:
        if name not in types:
            errs.append("%s: no # TYPE" % name)
    for (fam, rest), h in hist.items():
        what = series_key(fam, list(rest))
        if not h["le"] or h["le"][-1][0] != math.inf:
            errs.append("%s: no +Inf bucket" % what)
        elif h["count"] is None or h["le"][-1][1] != h["count"]:
            errs.append("%s: +Inf bucket is not _count" % what)
        if h["sum"] is None:
            errs.append("%s: no _sum" % what)
    return errs


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        errs = check(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
        for e in errs:
            print(e)
        sys.exit(1 if errs else 0)
    if len(sys.argv) == 4 and sys.argv[1] == "value":
        v = load(sys.argv[2]).get(sys.argv[3])
        if v is None:
            sys.exit("no series %s" % sys.argv[3])
        print(v)
        return
    if len(sys.argv) == 4 and sys.argv[1] == "series":
        rx = re.compile(sys.argv[3])
        for k, v in sorted(load(sys.argv[2]).items()):
            if rx.search(k):
                print(k, v)
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
