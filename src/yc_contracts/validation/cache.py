"""The bounded caches of compiled validators: least recently used dropped first, past a count or a total weight.

A validator is compiled from its type's schema documents, and what it holds in memory grows with them: about 30
bytes for each byte of their JSON (jsonschema-rs's compiled nodes). Most types are small (a few KiB of JSON, well
under a MiB compiled), but some configuration types of the whole Yandex Cloud API reach 4 MiB of JSON and over a
hundred MiB compiled; so the caches bound both how many validators they keep and the JSON they were compiled from.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Final, Generic, TypeVar

_V = TypeVar("_V")

CACHE_SIZE: Final = int(os.environ.get("YC_CONTRACTS_CACHE_SIZE", "512"))
"""How many compiled validators are kept at most (``YC_CONTRACTS_CACHE_SIZE``)."""
CACHE_SCHEMA_BYTES: Final = int(os.environ.get("YC_CONTRACTS_CACHE_SCHEMA_MIB", "24")) * 2**20
"""How much schema JSON the kept validators were compiled from, at most (``YC_CONTRACTS_CACHE_SCHEMA_MIB``, 24 MiB
by default: about 0.7 GiB compiled). A validator larger than that on its own is still built and used, then
dropped when the next one comes in."""


class BoundedCache(Generic[_V]):
    """A thread-safe LRU mapping bounded by count and by the sum of its values' weights."""

    def __init__(self, size: int, weight_limit: int, weight: Callable[[_V], int]) -> None:
        self._size = size
        self._weight_limit = weight_limit
        self._weight = weight
        self._items: OrderedDict[Hashable, tuple[_V, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> _V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: Hashable, value: _V) -> _V:
        """Keep ``value`` (dropping the least recently used past the bounds); a value already there for ``key``
        wins, and is returned."""
        weight = self._weight(value)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found[0]
            self._items[key] = (value, weight)
            self._total += weight
            while len(self._items) > 1 and (len(self._items) > self._size or self._total > self._weight_limit):
                _, (_, dropped) = self._items.popitem(last=False)
                self._total -= dropped
            return value

    def __len__(self) -> int:
        return len(self._items)

    @property
    def weight(self) -> int:
        """The sum of the kept values' weights."""
        return self._total

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0
