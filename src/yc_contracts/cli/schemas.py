"""``yc-contracts schemas export|check`` and ``yc-contracts openapi``: the published JSON Schemas and OpenAPI
document, written out, printed, or compared with what the installed package's descriptors and rules generate.

With ``--descriptor-set``, ``--proto-path`` or ``--python-package`` they are those of another registry, generated
file by file as they are written (:class:`RegistryFiles`): the whole Yandex Cloud API is about 9,000 files.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from yc_contracts.cli.streams import Streams
    from yc_contracts.contract.registry import Registry

OPENAPI_FILE: Final = "openapi.json"
BUNDLE_FILE: Final = "bundle.schema.json"
EXIT_DRIFT: Final = 1
SCHEMA_FILE_MAX_BYTES: Final = 256 * 1024 * 1024
"""The largest schema file ``schemas check DIR`` reads (the published ones are a few MB at most)."""


def published() -> dict[str, Traversable]:
    """The package's published schema files (``*.json`` under ``yc_contracts/schemas``), by file name."""
    import importlib.resources

    folder = importlib.resources.files("yc_contracts").joinpath("schemas")
    return {item.name: item for item in sorted(folder.iterdir(), key=lambda i: i.name) if item.name.endswith(".json")}


def regenerated() -> dict[str, Any]:
    """Every schema file as the installed package's descriptors and rules generate it now, by file name."""
    from yc_contracts._version import __version__
    from yc_contracts.contract.registry import default_registry
    from yc_contracts.rules.ruleset import load_rules
    from yc_contracts.schema.bundle import published_files
    from yc_contracts.schema.generator import SchemaGenerator

    registry = default_registry()
    return published_files(registry, SchemaGenerator(registry, load_rules(registry)), __version__)


def first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """The JSON Pointer of the first place two JSON values differ (``None`` when they are equal)."""
    if type(expected) is not type(actual):
        return path or "/"
    if isinstance(expected, dict):
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in expected or key not in actual:
                return where
            found = first_difference(expected[key], actual[key], where)
            if found is not None:
                return found
        return None
    if isinstance(expected, list):
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(a, b, f"{path}/{i}")
            if found is not None:
                return found
        return None if len(expected) == len(actual) else f"{path}/{min(len(expected), len(actual))}"
    return None if expected == actual else (path or "/")


def drift(expected: dict[str, Any], actual: dict[str, str | None]) -> Iterator[str]:
    """One line per file that differs: ``stale: NAME (first difference at /pointer)``, ``missing:``, ``extra:``.

    ``actual`` maps file names to their text (``None`` for a file that could not be read).
    """
    for name, doc in expected.items():
        if name not in actual:
            yield f"missing: {name}"
            continue
        text = actual[name]
        try:
            found = json.loads(text) if text is not None else None
        except ValueError:
            found = None
        if found is None:
            yield f"unreadable: {name} (not JSON)"
            continue
        where = first_difference(doc, found)
        if where is not None:
            yield f"stale: {name} (first difference at {where})"
    for name in actual:
        if name not in expected:
            yield f"extra: {name} (generation no longer produces it)"


def export_command(args: argparse.Namespace, streams: Streams) -> int:
    """``schemas export DIR``: write the published schema files and openapi.json into DIR (another registry's,
    generated now, with ``--descriptor-set`` and the like).

    Raises:
        UsageError: DIR is a file, or it (or a file in it) cannot be created or written.
    """
    from yc_contracts.cli import registries
    from yc_contracts.cli.streams import UsageError

    target = Path(args.directory)
    if target.exists() and not target.is_dir():
        raise UsageError(f"schemas export: {target} is a file, not a folder; name a folder (it is created if need be)")
    registry = registries.from_args(args)
    if registry is not None:
        return _export_registry(RegistryFiles(registry), target, streams, progress=args.progress)
    files = published()
    where = target
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, item in files.items():
            where = target / name
            where.write_bytes(item.read_bytes())
    except OSError as e:
        raise UsageError(f"schemas export: cannot write {where}: {e.strerror or type(e).__name__}") from e
    schemas = sum(1 for name in files if name.endswith(".schema.json"))
    streams.stdout.write(f"wrote {schemas} JSON Schemas and {OPENAPI_FILE} to {target}\n")
    return 0


def check_command(args: argparse.Namespace, streams: Streams) -> int:
    """``schemas check [DIR]``: compare published (or exported) schema files with freshly generated ones."""
    from yc_contracts.cli import registries
    from yc_contracts.cli.streams import UsageError

    registry = registries.from_args(args)
    if registry is not None:
        if args.directory is None:
            raise UsageError(
                f"schemas check: {registries.describe(args)} has no published schemas; name the folder to compare "
                "(DIR, an earlier `schemas export` with the same option)"
            )
        return _check_registry(RegistryFiles(registry), Path(args.directory), streams)
    if args.directory is None:
        where = "the installed package's published schemas"
        actual: dict[str, str | None] = {name: item.read_text("utf-8") for name, item in published().items()}
    else:
        folder = Path(args.directory)
        if not folder.is_dir():
            raise UsageError(f"schemas check: {folder} is not a folder")
        where = str(folder)
        actual = {path.name: _read(path) for path in sorted(folder.glob("*.json"))}
    expected = regenerated()
    problems = list(drift(expected, actual))
    for line in problems:
        streams.stdout.write(line + "\n")
    if problems:
        streams.stdout.write(
            f"{len(problems)} of {len(expected)} schema files differ from what the contract generates ({where}); "
            "regenerate them (`yc-contracts schemas export DIR`, or `make generate` in yc-contracts itself)\n"
        )
        return EXIT_DRIFT
    streams.stdout.write(f"{len(expected)} schema files match what the contract generates ({where})\n")
    return 0


def _read(path: Path) -> str | None:
    """A schema file's text (``None``: not a regular file, too large, unreadable or not UTF-8; reported as
    ``unreadable``). A FIFO named ``*.json`` in DIR would otherwise hang the check."""
    from yc_contracts.cli.reading import InputError, read_file

    try:
        return read_file(str(path), SCHEMA_FILE_MAX_BYTES).decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return None


def openapi_command(args: argparse.Namespace, streams: Streams) -> int:
    """``openapi``: print the published OpenAPI 3.1 document, or another registry's (generated now)."""
    from yc_contracts.cli import registries

    registry = registries.from_args(args)
    if registry is None:
        streams.stdout.write(published()[OPENAPI_FILE].read_text("utf-8"))
        return 0
    from yc_contracts.schema.store import openapi

    json.dump(openapi(registry=registry), streams.stdout, indent=2, ensure_ascii=False)
    streams.stdout.write("\n")
    return 0


# ------------------------------------------------------------------------------------- another registry's

SCHEMA_SUFFIX: Final = ".schema.json"


class RegistryFiles:
    """The schema files of a registry other than the contract's, by file name, each generated when asked for.

    The same set as the published one: ``<key>.schema.json`` per message and per long-running method's Operation,
    each self-contained (what it refers to is embedded under ``$defs``), ``google.protobuf.Any.schema.json``,
    ``bundle.schema.json`` (every document under ``$defs``) and ``openapi.json``. One difference: ``Any``'s
    document names every type of the registry (for the whole Yandex Cloud API, 23 MiB), so a file that refers to
    it embeds a shallow ``Any`` that checks ``@type`` is there and leaves the packed message alone;
    ``google.protobuf.Any.schema.json`` and the bundle check packed messages by their ``@type``.
    """

    def __init__(self, registry: Registry) -> None:
        from yc_contracts.schema.store import documents

        self.registry = registry
        self.documents = documents(registry)

    def names(self) -> list[str]:
        """Every file name, sorted (as :meth:`build` takes them)."""
        return sorted([*(f"{key}{SCHEMA_SUFFIX}" for key in self.documents), BUNDLE_FILE, OPENAPI_FILE])

    def build(self, name: str) -> Any:
        """The JSON value of one file.

        Raises:
            KeyError: no file of that name.
        """
        from yc_contracts.schema.bundle import compound_document
        from yc_contracts.schema.generator import ANY_KEY, BUNDLE_ID, DIALECT

        if name == OPENAPI_FILE:
            from yc_contracts.schema.store import openapi

            return openapi(registry=self.registry)
        if name == BUNDLE_FILE:
            return {
                "$schema": DIALECT,
                "$id": BUNDLE_ID,
                "title": "yc-contracts: every schema of these protos",
                "$defs": {key: dict(self.documents[key]) for key in self.documents},
            }
        key = name.removesuffix(SCHEMA_SUFFIX)
        if not name.endswith(SCHEMA_SUFFIX) or key not in self.documents:
            raise KeyError(name)
        if key == ANY_KEY:
            return compound_document(key, self.documents)
        return _standalone(key, self.documents)


def _standalone(key: str, docs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``docs[key]`` with the documents it refers to under ``$defs``, as :func:`compound_document` embeds them, but
    with a shallow ``google.protobuf.Any`` in place of the one that names every type (see :class:`RegistryFiles`).
    """
    from yc_contracts.schema.bundle import WithShallowAny, compound_document

    return compound_document(key, WithShallowAny(docs))


def _dump(document: Any, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:  # written as generated, never held as one string
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")


def _export_registry(files: RegistryFiles, target: Path, streams: Streams, *, progress: bool) -> int:
    from yc_contracts.cli.streams import UsageError
    from yc_contracts.cli.validate import _Progress

    names = files.names()
    bar = _Progress(streams.stderr, len(names), doing="exporting", unit="files", always=progress)
    where = target
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            where = target / name
            _dump(files.build(name), where)
            bar.advance(1)
    except OSError as e:
        raise UsageError(f"schemas export: cannot write {where}: {e.strerror or type(e).__name__}") from e
    finally:
        bar.close()
    schemas = sum(1 for name in names if name.endswith(SCHEMA_SUFFIX))
    streams.stdout.write(f"wrote {schemas} JSON Schemas and {OPENAPI_FILE} to {target}\n")
    return 0


def _check_registry(files: RegistryFiles, folder: Path, streams: Streams) -> int:
    """Compare DIR with a registry's files one file at a time (the whole set is never held at once)."""
    from yc_contracts.cli.streams import UsageError

    if not folder.is_dir():
        raise UsageError(f"schemas check: {folder} is not a folder")
    names = files.names()
    present = {path.name for path in folder.glob("*.json")}
    problems = 0
    for name in names:
        found = list(drift({name: files.build(name)}, {name: _read(folder / name)} if name in present else {}))
        for line in found:
            streams.stdout.write(line + "\n")
        problems += len(found)
    expected = set(names)
    for name in sorted(present - expected):
        streams.stdout.write(f"extra: {name} (generation no longer produces it)\n")
        problems += 1
    if problems:
        streams.stdout.write(
            f"{problems} of {len(names)} schema files differ from what these protos generate ({folder}); "
            "regenerate them with `yc-contracts schemas export DIR` and the same option\n"
        )
        return EXIT_DRIFT
    streams.stdout.write(f"{len(names)} schema files match what these protos generate ({folder})\n")
    return 0
