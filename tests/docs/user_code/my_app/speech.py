"""A REST client of SpeechKit's asynchronous recognition: posts the request, returns the operation id."""

from __future__ import annotations

from typing import Any, Protocol

URL = "https://stt.api.cloud.yandex.net/stt/v3/recognizeFileAsync"


class Response(Protocol):
    status_code: int

    def json(self) -> Any: ...


class Session(Protocol):
    def post(self, url: str, json: Any, headers: dict[str, str]) -> Response: ...


class SpeechClient:
    def __init__(self, session: Session, *, api_key: str) -> None:
        self._session = session
        self._headers = {"Authorization": f"Api-Key {api_key}"}

    def recognize_file(self, request: dict[str, Any]) -> str:
        """Start recognizing a file; the id of the operation to poll."""
        response = self._session.post(URL, json=request, headers=self._headers)
        if response.status_code != 200:
            raise RuntimeError(f"recognizeFileAsync answered {response.status_code}")
        operation_id: str = response.json()["id"]
        return operation_id
