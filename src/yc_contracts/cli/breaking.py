"""``yc-contracts breaking --against REF_OR_DIR``: this tree's protos compared with another version of them.

The other version is a folder of ``.proto`` files (an import root, like ``protos/``) or a git revision, whose
copy of the same folder is taken with ``git archive`` into a temporary folder: the work tree is never touched.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from yc_contracts.contract.breaking import CATEGORIES

if TYPE_CHECKING:
    from yc_contracts.cli.streams import Streams
    from yc_contracts.contract.breaking import Break

EXIT_BREAKING: Final = 1


def command(args: argparse.Namespace, streams: Streams) -> int:
    """Run ``breaking``: 0 nothing breaks, 1 breaking changes (one line each), 2 a usage or compile error."""
    from yc_contracts.cli.streams import UsageError
    from yc_contracts.contract.breaking import compare
    from yc_contracts.contract.protoc import compile_tree, export_revision
    from yc_contracts.contract.registry import Registry

    current = Path(args.protos)
    includes = [Path(p) for p in args.include or ()]
    for folder in includes:
        if not folder.is_dir():
            what = "does not exist" if not folder.exists() else "is not a folder"
            raise UsageError(f"breaking: -I {folder} {what}; name a folder of .proto files (an import root)")
    against = Path(args.against)
    new_set = compile_tree(current, includes=includes)
    with tempfile.TemporaryDirectory(prefix="yc-contracts-breaking-") as scratch:
        if against.is_dir():
            old_root, label = against, str(against)
        else:
            old_root, label = export_revision(args.against, current, Path(scratch)), f"revision {args.against}"
        old_set = compile_tree(old_root, includes=includes)
    breaks = compare(Registry.from_file_descriptor_set(old_set), Registry.from_file_descriptor_set(new_set))
    if args.format == "json":
        streams.stdout.write(json.dumps(_json(breaks, current, label), indent=2) + "\n")
    elif args.format == "github":
        for b in breaks:
            streams.stdout.write(_github(b, current) + "\n")
        streams.stdout.write(_summary(breaks, label) + "\n")
    else:
        width = max((len(b.category) for b in breaks), default=0)
        for b in breaks:
            where = f"  [{current / b.place.file}:{b.place.line}]" if b.place is not None else ""
            streams.stdout.write(f"{b.category:<{width}}  {b.subject}: {b.description}{where}\n")
        streams.stdout.write(_summary(breaks, label) + "\n")
    return EXIT_BREAKING if breaks else 0


def _summary(breaks: list[Break], label: str) -> str:
    if not breaks:
        return f"no breaking changes against {label}"
    counts = {category: sum(1 for b in breaks if b.category == category) for category in CATEGORIES}
    detail = ", ".join(f"{n} {category}" for category, n in counts.items() if n)
    noun = "change" if len(breaks) == 1 else "changes"
    return f"{len(breaks)} breaking {noun} against {label} ({detail})"


def _json(breaks: list[Break], root: Path, label: str) -> dict[str, object]:
    return {
        "against": label,
        "breaking": [
            {
                "category": b.category,
                "subject": b.subject,
                "description": b.description,
                "file": str(root / b.place.file) if b.place else None,
                "line": b.place.line if b.place else None,
                "column": b.place.column if b.place else None,
            }
            for b in breaks
        ],
    }


def _github(b: Break, root: Path) -> str:
    from yc_contracts.cli.reports import escape_data, escape_property

    props = [] if b.place is None else [f"file={escape_property(str(root / b.place.file))}", f"line={b.place.line}"]
    props.append(f"title={escape_property(f'{b.category} breaking change')}")
    return f"::error {','.join(props)}::{escape_data(f'{b.subject}: {b.description}')}"
