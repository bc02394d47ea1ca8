"""Which protos a command works on: the contract's own, or another registry named on the command line.

``--descriptor-set FILE`` (a ``FileDescriptorSet`` as ``protoc --include_imports --descriptor_set_out`` writes it),
``--proto-path DIR`` (a tree of ``.proto`` files, compiled now with protoc from grpcio-tools; ``-I``/``--include``
adds import roots) or ``--python-package PKG`` (installed generated code, such as the official SDK's
``yandex.cloud.compute.v1``; repeatable) build a :class:`~yc_contracts.Registry`; without any of them a command
uses the contract's. ``main._registry_options`` adds the options to each command's parser (this module is imported
only when a command runs). Everything that can go wrong with them is a
:class:`~yc_contracts.cli.streams.UsageError` (exit status 2) in one line, protoc's errors one line each: never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Final

from yc_contracts.cli.streams import UsageError

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry

DESCRIPTOR_SET_MAX_BYTES: Final = 1024**3
"""The largest descriptor set read (the whole Yandex Cloud API, with comments, is about 20 MB)."""
_FLAGS: Final = ("--descriptor-set", "--proto-path", "--python-package")


def chosen(args: argparse.Namespace) -> str | None:
    """The option that names the protos (``"--python-package"``, …), or ``None`` for the contract's own."""
    for flag in _FLAGS:
        if getattr(args, flag[2:].replace("-", "_"), None):
            return flag
    return None


def from_args(args: argparse.Namespace) -> Registry | None:
    """The registry the command line names, built now; ``None`` when it names none (the contract's).

    Raises:
        UsageError: the descriptor set cannot be read or loaded, protoc rejects the tree (its errors, one per
            line), a package cannot be imported or holds no generated code, or the options are misused.
    """
    includes = [str(p) for p in getattr(args, "include", None) or ()]
    if args.descriptor_set is not None:
        _no_includes(includes, "--descriptor-set")
        return _descriptor_set(args.descriptor_set)
    if args.proto_path:
        if len(args.proto_path) > 1:
            raise UsageError(
                "--proto-path names the one tree whose files are used; give it once, and any other import root "
                "with -I DIR"
            )
        return _proto_tree(args.proto_path[0], includes)
    if args.python_package:
        _no_includes(includes, "--python-package")
        return _packages(args.python_package)
    _no_includes(includes, None)
    return None


def _no_includes(includes: list[str], flag: str | None) -> None:
    if includes:
        where = f"goes with --proto-path, not {flag}" if flag else "goes with --proto-path DIR"
        raise UsageError(f"-I/--include {where}")


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _empty(registry: Registry, what: str) -> Registry:
    if not registry.files:
        raise UsageError(f"{what} holds no .proto file of its own (only google/ files, or none at all)")
    return registry


def _descriptor_set(name: str) -> Registry:
    from yc_contracts.cli.reading import InputError, read_file
    from yc_contracts.contract.errors import ContractError
    from yc_contracts.contract.registry import Registry

    try:
        data = read_file(name, DESCRIPTOR_SET_MAX_BYTES)
    except InputError as e:
        raise UsageError(f"--descriptor-set: cannot read {name}: {e.message}") from e
    try:
        registry = Registry.from_file_descriptor_set(data)
    except ContractError as e:
        # from_file_descriptor_set was given bytes and says so; the user gave a file.
        reason = _one_line(str(e)).replace("the bytes given", "the file")
        raise UsageError(
            f"--descriptor-set {name}: {reason} (write one with protoc --include_imports --descriptor_set_out=FILE)"
        ) from e
    return _empty(registry, f"--descriptor-set {name}")


def _proto_tree(root: str, includes: list[str]) -> Registry:
    from yc_contracts.contract.errors import ContractError
    from yc_contracts.contract.protoc import ProtoTreeError
    from yc_contracts.contract.registry import Registry

    for include in includes:
        if not Path(include).is_dir():
            raise UsageError(f"-I {include}: not a folder")
    try:
        return Registry.from_proto_tree(root, includes=includes)
    except ProtoTreeError as e:
        first, *rest = [line.rstrip() for line in str(e).splitlines() if line.strip()]
        raise UsageError("\n  ".join([f"--proto-path: {first}", *rest])) from e
    except ContractError as e:
        raise UsageError(f"--proto-path {root}: {_one_line(str(e))}") from e


def _packages(names: list[str]) -> Registry:
    from yc_contracts.contract.errors import ContractError
    from yc_contracts.contract.registry import Registry

    for name in names:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            missing = f" (no module {e.name!r})" if e.name and e.name != name else ""
            raise UsageError(
                f"--python-package {name}: no such package in this Python{missing}; install the package that "
                "provides it (the official SDK: pip install yandexcloud)"
            ) from None
        except Exception as e:  # any failure of foreign code, an empty or relative name included
            raise UsageError(
                f"--python-package {name}: cannot import it: {type(e).__name__}: {_one_line(str(e))}"
            ) from e
    try:
        return Registry.from_modules(names)
    except ContractError as e:
        raise UsageError(f"--python-package: {_one_line(str(e))}") from e


def describe(args: argparse.Namespace) -> str:
    """What the command line names, for messages: ``--python-package yandex.cloud.compute.v1`` or ``the
    contract``."""
    flag = chosen(args)
    if flag is None:
        return "the contract"
    value = getattr(args, flag[2:].replace("-", "_"))
    return f"{flag} {', '.join(value) if isinstance(value, list) else value}"
