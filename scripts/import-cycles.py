#!/usr/bin/env python3
"""Lists file-level import circles inside each crate: file A imports from file B and B,
directly or through others, imports from A. Imports are `use` paths and `crate::`/`super::`
paths in code; a name reached through a `pub use` re-export counts as an import of the file
that defines it, and neither `mod x;` nor the `pub use` itself is an import. Unit-test modules are skipped.
Exit code 1 when any circle exists.

Usage: scripts/import-cycles.py [CRATE_DIR ...]   (default: every crate with a src/ folder)
"""
import os
import re
import sys

CODE_PATH = re.compile(r"(?<![A-Za-z0-9_:])(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def module_files(src):
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, src)[:-3].split(os.sep)
                is_dir = rel[-1] in ("lib", "main", "mod")
                files[tuple(rel[:-1] if is_dir else rel)] = (full, is_dir)
    return files


def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return re.split(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)[0]


def flatten(stmt):
    """`a::{b, c::{d as e}}` -> [("a::b", "b"), ("a::c::d", "e")]."""
    depth, start = 0, None
    for i, ch in enumerate(stmt):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                head, inner = stmt[:start], stmt[start + 1:i]
                items, level, last = [], 0, 0
                for j, c in enumerate(inner):
                    level += c == "{"
                    level -= c == "}"
                    if c == "," and level == 0:
                        items.append(inner[last:j])
                        last = j + 1
                items.append(inner[last:])
                return [f for item in items if item.strip() for f in flatten(head + item.strip())]
    path, _, alias = stmt.partition(" as ")
    path = re.sub(r"\s+", "", path)
    return [(path, alias.strip() or path.split("::")[-1])]


class Crate:
    def __init__(self, src):
        self.files = module_files(src)
        self.texts = {m: strip(open(f, encoding="utf-8").read()) for m, (f, _) in self.files.items()}
        self.uses = {m: self.use_paths(m) for m in self.files}
        self.reexports = {
            m: {alias: parts for public, parts, alias in self.uses[m] if public}
            for m in self.files
        }

    def children(self, module):
        return {m[-1] for m in self.files if len(m) == len(module) + 1 and m[:-1] == module}

    def use_paths(self, module):
        """(is_pub, absolute parts, alias) for each `use` of the file."""
        out = []
        for vis, stmt in re.findall(r"(?m)^\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]*);", self.texts[module]):
            for path, alias in flatten(stmt):
                parts = [p for p in path.split("::") if p]
                absolute = self.absolute(module, parts)
                if absolute is not None:
                    out.append((bool(vis), absolute, alias))
        return out

    def absolute(self, module, parts):
        if not parts:
            return None
        if parts[0] == "crate":
            return parts[1:]
        if parts[0] in ("self", "super"):
            base = list(module)
            while parts and parts[0] in ("self", "super"):
                if parts[0] == "super":
                    base = base[:-1]
                parts = parts[1:]
            return base + parts
        if parts[0] in self.children(module):
            return list(module) + parts
        return None  # an external crate

    def target(self, parts, seen=()):
        """The file that defines what `parts` names, following `pub use` re-exports."""
        for cut in range(len(parts), -1, -1):
            module = tuple(parts[:cut])
            if module in self.files:
                rest = parts[cut:]
                if rest and rest[0] in self.reexports[module] and (module, rest[0]) not in seen:
                    via = self.reexports[module][rest[0]] + rest[1:]
                    return self.target(via, seen + ((module, rest[0]),))
                return module
        return ()

    def graph(self):
        graph = {m: set() for m in self.files}
        for module in self.files:
            # A `pub use` only republishes a name (like `mod x;` it shapes the module tree);
            # whoever uses the name through it depends on the defining file instead.
            refs = [parts for public, parts, _ in self.uses[module] if not public]
            code = re.sub(r"(?m)^\s*(pub(\([^)]*\))?\s+)?use\s+[^;]*;", "", self.texts[module])
            for root, tail in CODE_PATH.findall(code):
                absolute = self.absolute(module, [root] + [p for p in tail.split("::") if p])
                if absolute is not None:
                    refs.append(absolute)
            for parts in refs:
                target = self.target(parts)
                if target != module:
                    graph[module].add(target)
        return graph


def circles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main():
    crates = sys.argv[1:] or sorted(d for d in os.listdir(".") if os.path.isdir(os.path.join(d, "src")))
    found = False
    for name in crates:
        crate = Crate(os.path.join(name, "src"))
        for comp in circles(crate.graph()):
            found = True
            names = sorted(os.path.relpath(crate.files[m][0]) for m in comp)
            print(f"{name}: circle between {', '.join(names)}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
