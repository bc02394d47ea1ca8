"""The private descriptor pool that holds yc-contracts' descriptors.

protobuf's default pool accepts one file per name, and the official SDK (``yandexcloud``) registers files with
exactly our names (``yandex/cloud/ai/stt/v3/stt.proto``, …), sometimes from a different API version. Keeping
our descriptors in a pool of our own means both packages load in one process, in either order, whatever the
SDK's version. The generated ``*_pb2`` modules call :func:`add_serialized_file` instead of
``descriptor_pool.Default().AddSerializedFile`` and :func:`build_top_descriptors_and_messages` instead of
protobuf's builder function of that name.

The google files ours import (well-known types, ``google/api``, ``google/rpc``) are copied into this pool from
the default pool, where their own ``*_pb2`` modules (imported by ours first) have put them.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool
from google.protobuf.internal import builder

from yc_contracts.contract.compat import builder_symbol_database

POOL = descriptor_pool.DescriptorPool()

# Only these are borrowed from the default pool; any other missing dependency is a generation bug, and
# borrowing it would silently pick up whatever version another package registered under that name.
_BORROWED_PREFIXES = ("google/protobuf/", "google/api/", "google/rpc/", "google/type/")


def add_borrowed_file(name: str, pool: descriptor_pool.DescriptorPool | None = None) -> None:
    """Copy a google file (and its dependencies) from the default pool into ``pool`` (ours by default),
    unless it is there already."""
    pool = POOL if pool is None else pool
    try:
        pool.FindFileByName(name)
        return
    except KeyError:
        pass
    if not name.startswith(_BORROWED_PREFIXES):
        raise ImportError(f"yc_contracts: {name} must be loaded into the private pool before its dependents")
    borrowed = descriptor_pool.Default().FindFileByName(name)
    for dependency in borrowed.dependencies:
        add_borrowed_file(dependency.name, pool)
    pool.AddSerializedFile(borrowed.serialized_pb)


def add_serialized_file(serialized: bytes) -> descriptor.FileDescriptor:
    """Add one generated file (a serialized ``FileDescriptorProto``) and the google files it needs."""
    for dependency in descriptor_pb2.FileDescriptorProto.FromString(serialized).dependency:
        add_borrowed_file(dependency)
    result: descriptor.FileDescriptor = POOL.AddSerializedFile(serialized)
    return result


def build_top_descriptors_and_messages(
    file_des: descriptor.FileDescriptor, module_name: str, module: dict[str, Any] | ModuleType
) -> None:
    """protobuf's generated-code builder, with the classes registered against this pool only."""
    with builder_symbol_database(POOL):
        builder.BuildTopDescriptorsAndMessages(file_des, module_name, module)  # type: ignore[arg-type]
