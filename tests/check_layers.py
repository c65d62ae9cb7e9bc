#!/usr/bin/python3
"""check_layers: folders are layers, and modules do not go round in circles (README "Layout").

Reads every `#include "..."` line of the project's .c and .h files and fails when
  - a file in a lower folder includes a header of a higher one (LAYERS below, low to high; tests/ may include
    anything), naming file:line and both folders;
  - modules tie each other in a circle: module A (a .h/.c pair) includes B's header, or calls a function of B's
    (CLASS naming: B's functions start with B's name, disp_engine_now is disp_engine's), and B, directly or through
    a chain, does the same to A. The cycle is printed with what ties each step (file:line).
A function reached only through a table (a policy's assign) is no call here: a table is how a lower module is called
back without knowing who it calls.

Usage: check_layers.py [SOURCE_DIR]   (default: the folder above tests/). Exit 0 when clean, 1 with the findings.
       check_layers.py --self-test     runs the check on a small made-up tree with one upward include and one
                                        circle, and exits 0 only when it reports exactly those (so the check can fail).
"""
import os
import io
import re
import sys
import tempfile
from contextlib import redirect_stdout

# Folder prefix -> rank, low to high. The longest prefix that matches a file's folder gives its rank, so a sub-folder
# may sit above or below its parent. sim/ itself holds no source: its four folders are layers of their own.
LAYERS = {
    "proto": 0,
    "maps": 1,
    "dispatcher": 2,
    "sim": 3,
    "sim/scenario": 3,    # what a run is asked to play: parameters, scenario files
    "sim/world": 4,       # the simulated day; knows no file, plot or sweep
    "sim/output": 5,      # what a run writes, read from the world's results
    "sim/experiment": 6,  # runs, sweeps, regression suites built from the world and its outputs
    "tools": 7,
}
# Folders read but free to include anything (they are not part of the layering, only of the circle check).
UNRANKED = ("tests",)

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
CALL = re.compile(r"\b([a-z][a-z0-9_]*)\s*\(")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')


def layer_of(rel):
    """(prefix, rank) of the longest LAYERS prefix holding rel, or (None, None)."""
    parts = rel.split("/")[:-1]
    for n in range(len(parts), 0, -1):
        prefix = "/".join(parts[:n])
        if prefix in LAYERS:
            return prefix, LAYERS[prefix]
    return None, None


def sources(root):
    """Relative paths of the .c and .h files under the ranked and unranked folders."""
    out = []
    tops = sorted({p.split("/")[0] for p in LAYERS} | set(UNRANKED))
    for top in tops:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return out


def module_of(rel):
    """A module is a .h/.c pair: its folder and stem."""
    return os.path.splitext(rel)[0]


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    return check(root)


def check(root):
    files = sources(root)
    by_name = {}
    for rel in files:
        by_name.setdefault(os.path.basename(rel), []).append(rel)
    # Stems of the project's own modules (not tests), for telling whose function a call is.
    stems = {}
    for rel in files:
        if rel.endswith(".c") and layer_of(rel)[0] is not None:
            stems.setdefault(os.path.basename(module_of(rel)), module_of(rel))

    def resolve(includer, target):
        """The project file an include names: beside the includer, else the one file of that name; None when it is
        not the project's (generated headers live in the build folder)."""
        beside = os.path.normpath(os.path.join(os.path.dirname(includer), target)).replace(os.sep, "/")
        if beside in by_name.get(os.path.basename(target), []):
            return beside
        found = [f for f in by_name.get(os.path.basename(target), []) if f.endswith("/" + target) or f == target]
        return found[0] if len(found) == 1 else None

    def owner(name):
        """The module whose function `name` is, by the longest stem it starts with."""
        best = None
        for stem, mod in stems.items():
            if (name == stem or name.startswith(stem + "_")) and (best is None or len(stem) > len(best[0])):
                best = (stem, mod)
        return best[1] if best else None

    problems = []
    edges = {}  # module -> {module: "file:line what"}
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        mod = module_of(rel)
        lower, rank = layer_of(rel)
        for lineno, line in enumerate(text.split("\n"), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = resolve(rel, m.group(1))
            if target is None:
                continue
            higher, trank = layer_of(target)
            if rank is not None and trank is not None and trank > rank:
                problems.append(f"{rel}:{lineno}: {lower}/ includes {m.group(1)} of {higher}/, a higher layer")
            if module_of(target) != mod:
                edges.setdefault(mod, {}).setdefault(module_of(target), f"{rel}:{lineno} includes {m.group(1)}")
        if not rel.endswith(".c") or rank is None:
            continue
        # Calls, outside comments and strings; line numbers kept by blanking the text out instead of removing it.
        code = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        code = STRING.sub(lambda m: " " * len(m.group(0)), code)
        for m in CALL.finditer(code):
            callee = owner(m.group(1))
            if callee is None or callee == mod:
                continue
            lineno = code.count("\n", 0, m.start()) + 1
            edges.setdefault(mod, {}).setdefault(callee, f"{rel}:{lineno} calls {m.group(1)}")

    for cycle in cycles(edges):
        steps = [f"  {a} -> {b}: {edges[a][b]}" for a, b in zip(cycle, cycle[1:] + cycle[:1])]
        problems.append("circle: " + " -> ".join(cycle + cycle[:1]) + "\n" + "\n".join(steps))

    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} problem(s); layers low to high: "
              + ", ".join(f"{k}={v}" for k, v in sorted(LAYERS.items(), key=lambda kv: kv[1])))
        return 1
    print(f"check_layers: {len(files)} files, {sum(len(v) for v in edges.values())} module ties, no upward "
          "include, no circle")
    return 0


def cycles(edges):
    """One cycle per strongly connected group of more than one module (Tarjan), each as a list of modules."""
    index, low, stack, on, groups = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    out = []
    for group in groups:
        members = set(group)
        # The shortest way back to the group's first module, breadth first inside the group.
        start = group[0]
        prev, queue, found = {start: None}, [start], None
        while queue and found is None:
            nxt = []
            for v in queue:
                for w in sorted(edges.get(v, {})):
                    if w not in members:
                        continue
                    if w == start:
                        found = v
                        break
                    if w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if found is not None:
                    break
            queue = nxt
        path = [found]
        while prev[path[-1]] is not None:
            path.append(prev[path[-1]])
        out.append(list(reversed(path)))
    return out


# A made-up tree: maps/ includes a dispatcher header (upward), disp_a and disp_b tie each other (disp_a includes
# disp_b.h, disp_b calls disp_a_now), a policy reached through a table (no call) and a test including anything.
SELF_TEST_TREE = {
    "maps/map_x.h": "int map_x_len (void);\n",
    "maps/map_x.c": '#include "map_x.h"\n#include "disp_b.h"\nint map_x_len (void) { return 1; }\n',
    "dispatcher/disp_a.h": "int disp_a_now (void);\n",
    "dispatcher/disp_a.c": '#include "disp_a.h"\n#include "disp_b.h"\nint disp_a_now (void) { return 0; }\n',
    "dispatcher/disp_b.h": "int disp_b_run (void);\n",
    "dispatcher/disp_b.c": '#include "disp_b.h"\n\nint disp_b_run (void)\n{\n    return disp_a_now ();\n}\n',
    "dispatcher/disp_p.h": "typedef int (fn_t) (void);\nfn_t disp_p_nearest_assign;\n",
    "dispatcher/disp_p.c": '#include "disp_p.h"\nstatic fn_t *table[] = {disp_p_nearest_assign};\n'
                           "/* disp_p_nearest (would be a call) */\n",
    "dispatcher/disp_p_nearest.c": '#include "disp_p.h"\n#include "disp_a.h"\n'
                                   "int disp_p_nearest_assign (void) { return disp_a_now (); }\n",
    "sim/sim_w.h": '#include "disp_a.h"\n#include "map_x.h"\n',
    "sim/output/sim_o.h": "int sim_o_rows (void);\n",
    "sim/world/sim_v.h": '#include "sim_w.h"\n#include "sim_o.h"\n',
    "tests/check_w.c": '#include "sim_w.h"\n#include "map_x.h"\n',
}
SELF_TEST_WANT = [
    "maps/map_x.c:2: maps/ includes disp_b.h of dispatcher/, a higher layer",
    "sim/world/sim_v.h:2: sim/world/ includes sim_o.h of sim/output/, a higher layer",
    "circle: dispatcher/disp_a -> dispatcher/disp_b -> dispatcher/disp_a",
    "  dispatcher/disp_a -> dispatcher/disp_b: dispatcher/disp_a.c:2 includes disp_b.h",
    "  dispatcher/disp_b -> dispatcher/disp_a: dispatcher/disp_b.c:5 calls disp_a_now",
]


def self_test():
    with tempfile.TemporaryDirectory() as root:
        for rel, text in SELF_TEST_TREE.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        buf = io.StringIO()
        with redirect_stdout(buf):
            rc = check(root)
    got = buf.getvalue().splitlines()
    findings = [line for line in got if not line.startswith("check_layers:")]
    if rc != 1 or findings != SELF_TEST_WANT:
        print("check_layers --self-test: expected exit 1 and\n  " + "\n  ".join(SELF_TEST_WANT))
        print(f"got exit {rc} and\n  " + "\n  ".join(got))
        return 1
    print(f"check_layers --self-test: the made-up tree's upward include and circle reported ({len(findings)} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
