"""``yc-contracts transcode``: HTTP requests to gRPC calls, and the requests the routes reject."""

from __future__ import annotations

import json

from conftest import EXAMPLES, Cli

V2_REQUEST = EXAMPLES / "payloads" / "stt_v2" / "long_running_recognize.good.json"
V2_BAD = EXAMPLES / "payloads" / "stt_v2" / "long_running_recognize.bad.json"


def test_post_with_body_and_headers(cli: Cli) -> None:
    result = cli(
        "transcode",
        "POST",
        "/speech/stt/v2/longRunningRecognize",
        "--body",
        str(V2_REQUEST),
        "--header",
        "Authorization: Api-Key secret",
        "--header",
        "x-folder-id:b1g",
        "--header",
        "User-Agent: curl",
    )
    assert (result.code, result.err) == (0, "")
    assert result.lines[:8] == [
        "POST /speech/stt/v2/longRunningRecognize",
        "  gRPC method  /yandex.cloud.ai.stt.v2.SttService/LongRunningRecognize  (unary)",
        "  route        POST /speech/stt/v2/longRunningRecognize  body: *",
        "  returns      yandex.cloud.operation.Operation (Operation.response: "
        "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse)",
        "  metadata     authorization: Api-Key secret",
        "               x-folder-id: b1g",
        "  request      yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest",
        "    config {",
    ]
    assert '      uri: "https://storage.yandexcloud.net/speechkit-bucket/audio/speech-8k.pcm"' in result.lines


def test_path_variable_and_query_as_json(cli: Cli) -> None:
    result = cli("transcode", "GET", "/operations/e03sup6d5h1qa1b2c3d4")
    assert result.code == 0
    assert result.lines[-1] == '    operation_id: "e03sup6d5h1qa1b2c3d4"'
    assert "  metadata     (none)" in result.lines
    query = cli("transcode", "get", "/stt/v3/getRecognition", "--query", "operationId=a=b", "--format", "json")
    assert query.code == 0
    assert json.loads(query.out) == {
        "method": "/speechkit.stt.v3.AsyncRecognizer/GetRecognition",
        "service": "speechkit.stt.v3.AsyncRecognizer",
        "rpc": "GetRecognition",
        "route": "GET /stt/v3/getRecognition",
        "client_streaming": False,
        "server_streaming": True,
        "request_type": "speechkit.stt.v3.GetRecognitionRequest",
        "response_type": "speechkit.stt.v3.StreamingResponse",
        "operation_response": None,
        "metadata": [],
        "request": {"operationId": "a=b"},
    }


def test_binary_metadata_is_base64(cli: Cli) -> None:
    result = cli("transcode", "GET", "/operations/x", "--header", "Grpc-Metadata-Trace-Bin: AAEC", "--format", "json")
    assert result.code == 0
    assert json.loads(result.out)["metadata"] == [["trace-bin", "AAEC"]]


def test_rejected_requests(cli: Cli) -> None:
    missing = cli("transcode", "GET", "/nope")
    assert (missing.code, missing.out) == (1, "")
    assert missing.err.startswith("yc-contracts: transcode: 404 Not Found: no route matches GET /nope")
    verb = cli("transcode", "DELETE", "/operations/x")
    assert (verb.code, verb.err) == (
        1,
        "yc-contracts: transcode: 405 Method Not Allowed: DELETE is not allowed for /operations/x; allowed: GET\n",
    )
    query = cli("transcode", "GET", "/stt/v3/getRecognition", "--query", "bogus=1")
    assert query.code == 1
    assert query.err.splitlines() == [
        "yc-contracts: transcode: 400 Bad Request: GET /stt/v3/getRecognition",
        "request: error [http.query_unknown] /bogus: the query parameter 'bogus' names no field of "
        "speechkit.stt.v3.GetRecognitionRequest",
    ]


def test_body_violations_are_located_in_the_body_file(cli: Cli) -> None:
    result = cli("transcode", "POST", "/speech/stt/v2/longRunningRecognize", "--body", str(V2_BAD))
    assert result.code == 1
    assert [line.split(" /")[0] for line in result.err.splitlines()] == [
        "yc-contracts: transcode: 400 Bad Request: POST",
        f"{V2_BAD}:6:26: error [type.bool]",
        f"{V2_BAD}:9:26: error [stt.v2.lpcm_sample_rate]",
        f"{V2_BAD}:15:12: error [stt.v2.audio_uri_object_storage]",
    ]


def test_body_from_stdin_and_unreadable_bodies(cli: Cli) -> None:
    ok = cli(
        "transcode",
        "POST",
        "/stt/v3/recognizeFileAsync",
        "--body",
        "-",
        stdin=b'{"uri": "https://storage.yandexcloud.net/b/a.ogg"}',
    )
    assert ok.code == 0
    broken = cli("transcode", "POST", "/stt/v3/recognizeFileAsync", "--body", "-", stdin=b'{"uri": ')
    assert (broken.code, broken.out) == (2, "")
    assert broken.err.startswith("stdin:1:9: error [json.invalid] the payload is not JSON: Expecting value")


def test_usage(cli: Cli) -> None:
    bad_header = cli("transcode", "GET", "/operations/x", "--header", "no-colon")
    assert (bad_header.code, bad_header.err) == (
        2,
        "yc-contracts: error: the 1st --header has no ':': write it as \"NAME: VALUE\" (its text is not shown, as it "
        "may hold a secret)\n",
    )
    assert cli("transcode", "GET", "/operations/x", "--query", "=x").code == 2
    assert cli("transcode", "GET").code == 2
