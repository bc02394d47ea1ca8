"""Differences between protobuf runtimes (6.x / 7.x, upb / pure Python), kept in one place."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from google.protobuf import descriptor_pool, symbol_database
from google.protobuf.internal import builder

_builder_lock = threading.Lock()


@contextmanager
def builder_symbol_database(pool: descriptor_pool.DescriptorPool) -> Iterator[None]:
    """Make generated-code class building register into a symbol database of ``pool``, not the default one.

    ``builder.BuildTopDescriptorsAndMessages`` registers each new class in the module-level default symbol
    database. On the pure-Python backend that also re-registers the class's *file* in the default descriptor
    pool, so building our classes would make ``descriptor_pool.Default()`` answer with our descriptors for names
    the official SDK registered there first. (upb only records the class in a dict keyed by descriptor object,
    which protobuf shares between all symbol databases; ours are never reachable from it by name.) Both 6.x
    and 7.x keep that database in ``builder._sym_db``; if a future runtime does not, building runs unchanged.
    """
    if not hasattr(builder, "_sym_db"):
        yield
        return
    with _builder_lock:
        saved = builder._sym_db
        builder._sym_db = symbol_database.SymbolDatabase(pool=pool)
        try:
            yield
        finally:
            builder._sym_db = saved


def shortest_float(value: float) -> float:
    """The shortest decimal that reads back as the same float32, as protobuf prints float fields in JSON."""
    from google.protobuf.internal import type_checkers

    result: float = type_checkers.ToShortestFloat(value)
    return result
