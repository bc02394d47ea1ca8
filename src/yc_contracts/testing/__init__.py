"""Hypothesis strategies for the contract (install ``yc-contracts[testing]``).

Four strategies, all built directly from the descriptors, the ``yandex.cloud`` validation options and the
service rules (``docs/testing.md`` shows them at work):

- :func:`messages`: valid protobuf messages of any type of the contract;
- :func:`payloads`: valid REST JSON payloads of a type, in every spelling ProtoJSON allows;
- :func:`invalid_payloads`: ``(payload, (path, rule_id))`` pairs, each payload breaking exactly one rule;
- :func:`http_requests`: valid REST requests ``(method, path, query, body, headers)`` for the contract's routes.

::

    from hypothesis import given
    from yc_contracts.testing import messages, payloads

    @given(messages("speechkit.stt.v3.RecognizeFileRequest"))
    def test_client_sends_it(request):
        ...

    @given(payloads("speechkit.stt.v3.RecognizeFileRequest", names="mixed"))
    def test_server_reads_it(body):
        ...

    # fix some fields, draw the rest
    messages("yandex.cloud.operation.Operation", done=True, error=None)

Importing this module also registers :func:`messages` with Hypothesis for every message class of the contract
(the classes of ``yc_contracts.registry``), so ``st.from_type(cls)`` — and ``@given`` with ``builds()`` or type
annotations — draws valid messages of that class. Strategies are built on first use.

Messages are instances of the registry's own classes (``yc_contracts.registry.message_class``); every strategy
takes ``registry=`` to generate from another :class:`yc_contracts.Registry` (``Registry.from_modules(["yandex.cloud"])``
for the whole Yandex Cloud API, say), whose ``yandex.cloud`` options the drawn data then meets, as
``yc_contracts.check(..., registry=)`` reads them.
"""

from __future__ import annotations

import hypothesis.strategies as st
from google.protobuf.message import Message
from hypothesis.strategies import SearchStrategy

from yc_contracts.contract.registry import default_registry
from yc_contracts.testing._invalid import invalid_payloads
from yc_contracts.testing._messages import messages
from yc_contracts.testing._payloads import payloads
from yc_contracts.testing._requests import http_requests

__all__ = ["http_requests", "invalid_payloads", "messages", "payloads"]


def _from_type(cls: type[Message]) -> SearchStrategy[Message]:
    return messages(cls)


def _register_types() -> None:
    """``st.from_type`` for each of the contract's message classes: :func:`messages` of that class."""
    registry = default_registry()
    for name in registry.messages():
        st.register_type_strategy(registry.message_class(name), _from_type)


_register_types()
