"""Where a recognition's results come from: scripted fixture files when one matches the request, else the seeded
generator (:mod:`yc_contracts.emulator.results`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from google.protobuf import message

from yc_contracts.emulator.results import OCR_ASYNC, OCR_SYNC, ResultGenerator


class ResultSource:
    """Results for requests: fixtures first (none yet when ``folder`` is ``None``), else generated."""

    def __init__(self, generator: ResultGenerator, folder: Path | None = None) -> None:
        self.generator = generator
        self.folder = folder

    def results(self, method: str, request: Mapping[str, Any]) -> list[message.Message]:
        return self.generator.results(method, request, pages=_pages(method, request))


def _pages(method: str, request: Mapping[str, Any]) -> int:
    """How many pages an OCR request's document has: a PDF's page count, else 1."""
    if method not in {OCR_ASYNC, OCR_SYNC}:
        return 1
    mime = str(request.get("mimeType") or request.get("mime_type") or "").lower()
    content = request.get("content")
    if "pdf" not in mime or not isinstance(content, str):
        return 1
    from yc_contracts.validation.content import pdf_page_count

    return pdf_page_count(content) or 1
