"""Hypothesis strategies for the contract's messages (install ``yc-contracts[testing]``).

:func:`messages` draws valid messages of any type of the contract, built directly from the descriptors, the
``yandex.cloud`` validation options and the service rules, so every message it draws passes validation and
its ProtoJSON form matches the published JSON Schema::

    from hypothesis import given
    from yc_contracts.testing import messages

    @given(messages("speechkit.stt.v3.RecognizeFileRequest"))
    def test_client_sends_it(request):
        ...

    # fix some fields, draw the rest
    messages("yandex.cloud.operation.Operation", done=True, error=None)

Messages are instances of the registry's own classes (``yc_contracts.registry.message_class``); pass
``registry=`` to generate from another :class:`yc_contracts.Registry`.
"""

from __future__ import annotations

from yc_contracts.testing._messages import messages

__all__ = ["messages"]
