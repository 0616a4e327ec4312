#!/usr/bin/env bash
# Counts the imports that cross the boundaries of docs (DESIGN "Shape of the code"): `src/server`
# importing `crate::host`, `src/host` importing `crate::server`, and the pure cores (nav, verify,
# monitoring, sim, testing minus its CLI) importing a role or `config`; then the import cycles
# between files (strongly connected groups of files that import each other through `crate::`
# and `super::` paths).
#
#   scripts/import-graph.sh          figures only
#   scripts/import-graph.sh -v       figures, the offending lines and the files of each cycle
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import os, re, sys

verbose = "-v" in sys.argv[1:]
PURE = ("nav", "verify", "monitoring", "sim", "testing")
PURE_EXEMPT = {"src/testing/cli.rs"}
DISPATCH = {"src/main.rs", "src/lib.rs", "src/roles.rs", "src/cli.rs"}


def module_of(path):
    parts = path[len("src/"):-len(".rs")].split("/")
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


files = {}
for root, _, names in os.walk("src"):
    for name in names:
        if name.endswith(".rs"):
            path = os.path.join(root, name)
            files[path] = open(path, encoding="utf-8").read()
modules = {module_of(p): p for p in files if not p.endswith(("lib.rs", "main.rs"))}


def strip_comments(text):
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def expand(prefix, body):
    """Expands `a::{b, c::{d, e}}` into paths."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(body + ","):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            item = body[start:i].strip()
            start = i + 1
            if not item:
                continue
            if "{" in item:
                head, rest = item.split("{", 1)
                out += expand(prefix + head, rest.rsplit("}", 1)[0])
            else:
                out.append(prefix + item.split(" as ")[0].strip())
    return out


def paths_in(path, text):
    """`crate::`-rooted module paths a file names, with `super::` and `self::` resolved."""
    here = list(module_of(path))
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", text, re.S):
        found += expand("", " ".join(m.group(1).split()))
    found += re.findall(r"\bcrate(?:::\w+)+", text)
    found += re.findall(r"(?<![\w:])super(?:::\w+)+", text)
    resolved = []
    for p in found:
        p = p.replace(" ", "")
        segs = p.split("::")
        if segs[0] == "crate":
            resolved.append(segs[1:])
        elif segs[0] == "super":
            base = list(here)
            while segs and segs[0] == "super":
                base = base[:-1]
                segs = segs[1:]
            resolved.append(base + segs)
        elif segs[0] == "self":
            resolved.append(list(here) + segs[1:])
    return resolved


def target_file(segs):
    for n in range(len(segs), 0, -1):
        if tuple(segs[:n]) in modules:
            return modules[tuple(segs[:n])]
    return None


def is_ancestor(a, b):
    return len(a) < len(b) and tuple(b[: len(a)]) == tuple(a)


def unit(module):
    """The module a file belongs to at two levels (`server::api`, `host::remote`, `config`)."""
    return tuple(module[:2])


edges, unit_edges, crossing = {}, {}, []
for path, raw in sorted(files.items()):
    text = strip_comments(raw)
    if "#[cfg(test)]" in text:
        text = text.split("#[cfg(test)]", 1)[0]
    me = module_of(path)
    role = me[0] if me else ""
    for segs in paths_in(path, text):
        if not segs:
            continue
        top = segs[0]
        bad = (
            (role == "server" and top == "host")
            or (role == "host" and top == "server")
            # Shared modules serve both roles; only the dispatch of roles may name them.
            or (role not in ("server", "host") and path not in DISPATCH and top in ("host", "server"))
            or (role in PURE and path not in PURE_EXEMPT and top in ("host", "server", "config"))
        )
        if bad:
            crossing.append((path, "::".join(segs)))
        target = target_file(segs)
        # A parent naming its own children (to wire routers, re-export) is how modules are
        # built, not a cycle; children naming their parent (`AppState`) are kept.
        if target and target != path and not is_ancestor(me, module_of(target)):
            edges.setdefault(path, set()).add(target)
            src_unit, dst_unit = unit(me), unit(module_of(target))
            if src_unit != dst_unit and not is_ancestor(src_unit, dst_unit):
                unit_edges.setdefault(src_unit, set()).add(dst_unit)

def strongly_connected(graph):
    """Groups of more than one node that reach each other (Tarjan)."""
    index, low, on_stack, stack, groups, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    nodes = set(graph) | {w for ws in graph.values() for w in ws}
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return groups


sys.setrecursionlimit(10000)
sccs = strongly_connected(edges)
unit_sccs = strongly_connected(unit_edges)

unique = sorted(set(crossing))
print(f"cross-role imports: {len(unique)}")
if verbose:
    for path, what in unique:
        print(f"  {path}: {what}")
print(f"file import cycles (groups of files that import each other): {len(sccs)}")
print(f"files inside cycles: {sum(len(g) for g in sccs)}")
if verbose:
    for group in sccs:
        print("  " + " ".join(group))
print(f"module import cycles (two-level modules such as server::api): {len(unit_sccs)}")
if verbose:
    for group in unit_sccs:
        print("  " + " ".join("::".join(m) for m in group))
PY
