"""Print the import graph between fantasy's top-level packages, from the code, as a Mermaid flowchart.

    .venv/bin/python docs/import_graph.py            # Mermaid and the text listing
    .venv/bin/python docs/import_graph.py --update   # rewrite both in docs/architecture.md, between its markers

Each node is a package or module directly under `fantasy` (`fantasy.drafts`, `fantasy.errors`...); an edge
A --> B means some module of A imports some module of B, at module level or inside a function (grimp sees
both), labelled with how many module-to-module imports make it. The listing ends with the package cycles,
if any: a pair that imports each other is a circle the contracts in pyproject.toml are there to prevent.
"""
import sys
from collections import Counter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
START, END = "<!-- import-graph: start -->", "<!-- import-graph: end -->"


def package_edges() -> Counter:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("fantasy", include_external_packages=False)
    edges: Counter = Counter()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = _top(importer), _top(imported)
            if a != b and a != "fantasy" and b != "fantasy":
                edges[a, b] += 1
    return edges


def _top(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _name(module: str) -> str:
    return module.removeprefix("fantasy.")


def cycles(edges: Counter) -> list[tuple[str, str]]:
    return sorted((a, b) for a, b in edges if a < b and (b, a) in edges)


def mermaid(edges: Counter) -> str:
    lines = ["flowchart LR"]
    for (a, b), count in sorted(edges.items()):
        lines.append(f"    {_name(a)} -->|{count}| {_name(b)}")
    return "\n".join(lines)


def text(edges: Counter) -> str:
    importers = sorted({a for a, _ in edges} | {b for _, b in edges})
    lines = []
    for a in importers:
        targets = sorted(_name(b) for (x, b) in edges if x == a)
        lines.append(f"{_name(a):<14} -> {', '.join(targets) if targets else '(nothing in fantasy)'}")
    return "\n".join(lines)


def report(edges: Counter) -> str:
    found = cycles(edges)
    circles = ", ".join(f"{_name(a)} <-> {_name(b)}" for a, b in found) or "none"
    return f"```mermaid\n{mermaid(edges)}\n```\n\n```\n{text(edges)}\n\ncycles between packages: {circles}\n```"


def main() -> None:
    block = report(package_edges())
    if "--update" not in sys.argv:
        print(block)
        return
    document = ARCHITECTURE.read_text()
    before, rest = document.split(START)
    after = rest.split(END)[1]
    ARCHITECTURE.write_text(f"{before}{START}\n{block}\n{END}{after}")


if __name__ == "__main__":
    main()
