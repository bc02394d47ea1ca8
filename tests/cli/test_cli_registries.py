"""``--descriptor-set FILE``, ``--proto-path DIR`` (``-I DIR``) and ``--python-package PKG``: every command that
works from descriptors (validate, convert, transcode, schemas, openapi, list, gateway) on protos other than the
contract's.

The protos are ``tests/protos`` (a service with every route form, and a message with every ``yandex.cloud``
validation option), compiled here with protoc; the official SDK's (``yandexcloud``) where it is installed, in the
protobuf 6 environments.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ROOT, Cli, write

from yc_contracts.contract.registry import Registry

TREE = ROOT / "tests" / "protos"
FORMS = "yc_test.v1.ValidationForms"
GOOD_FORMS = {
    "requiredString": "s",
    "requiredInt64": "1",
    "requiredEnum": "RED",
    "requiredMessage": {"name": "x"},
    "requiredRepeated": [{"name": "y"}],
    "combined": "c",
    "sourceUri": "https://example.com/a",
}
BAD_FORMS = """{
  "requiredString": "s",
  "requiredInt64": "1",
  "requiredEnum": "RED",
  "requiredMessage": {"name": "x"},
  "requiredRepeated": [{"name": "y"}],
  "sourceUri": "https://example.com/a",
  "pattern": "UPPER",
  "mapKeyLabels": {"Bad": "v"}
}
"""
SECRET = "t1.SECRET-4b3c2d1e-never-printed"
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def registry() -> Registry:
    """tests/protos compiled with protoc (importing the contract's protos/ for yandex/cloud/validation.proto)."""
    return Registry.from_proto_tree(TREE, includes=[ROOT / "protos"])


@pytest.fixture(scope="module")
def descriptor_set(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same protos as a binary FileDescriptorSet file, as ``protoc --include_imports --descriptor_set_out``
    writes it."""
    path = tmp_path_factory.mktemp("fds") / "protos.binpb"
    path.write_bytes(registry.file_descriptor_set().SerializeToString())
    return path


@pytest.fixture
def fds(descriptor_set: Path) -> list[str]:
    return ["--descriptor-set", str(descriptor_set)]


PROTO_PATH = ["--proto-path", str(TREE), "-I", str(ROOT / "protos")]


def has_row(lines: list[str], words: str) -> bool:
    """Whether a line holds these words (the columns of a table are padded to their widest cell)."""
    return any(line.split() == words.split() for line in lines)


def only_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


# ---------------------------------------------------------------------------------------------------- list


@pytest.mark.parametrize("source", ["descriptor set", "proto path"])
def test_list_prints_the_named_protos_not_the_contracts(cli: Cli, fds: list[str], source: str) -> None:
    """``list`` with either option lists that tree's services, methods and routes, and none of the contract's."""
    flags = fds if source == "descriptor set" else PROTO_PATH
    result = cli("list", "services", "routes", *flags)
    assert (result.code, result.err) == (0, "")
    assert result.lines[:2] == ["Services (1)", "  yc_test.v1.RouteForms"]
    assert "HTTP routes (18)" in result.lines
    route = "PATCH /v1/{widget.name=projects/*/shelves/*/widgets/*} -> yc_test.v1.RouteForms.UpdateWidget body: widget"
    assert has_row(result.lines, route)
    assert "/operations/" not in result.out
    listed = json.loads(cli("list", "messages", "--format", "json", *flags).out)
    assert {"name": FORMS} in listed["messages"]
    assert all(not m["name"].startswith("speechkit.") for m in listed["messages"])


# ------------------------------------------------------------------------------------------------ validate


def test_validate_checks_the_yandex_cloud_options_of_the_named_protos(cli: Cli, in_tmp: Path, fds: list[str]) -> None:
    """Each broken ``yandex.cloud`` option is a finding at its place in the file, named by rule and field."""
    write(in_tmp, "forms.json", BAD_FORMS)
    write(in_tmp, "good.json", json.dumps(GOOD_FORMS))
    result = cli("validate", "--type", FORMS, *fds, "forms.json", "good.json")
    assert result.code == 1
    assert result.lines == [
        "forms.json:1:1: error [option.required] /combined: the field is missing or has its default value; it is "
        "required",
        "forms.json:8:14: error [option.pattern] /pattern: found 'UPPER'; the value must match the pattern "
        '("UPPER" does not match "^(?:[a-z][-a-z0-9]{1,61}[a-z0-9])$")',
        "forms.json:9:19: error [option.map_key] /mapKeyLabels: found an object; the map keys are restricted "
        '("Bad" does not match "^(?:[a-z][-_0-9a-z]*)$")',
        "2 payloads in 2 files: 1 valid, 1 invalid (3 errors)",
    ]
    assert cli("validate", "--type", FORMS, *PROTO_PATH, "good.json").code == 0


def test_validate_reads_the_payload_mapping_in_the_named_protos(cli: Cli, in_tmp: Path, fds: list[str]) -> None:
    """``[tool.yc-contracts.payloads]`` names types (and routes) of the protos the command line names."""
    write(in_tmp, "pyproject.toml", '[tool.yc-contracts.payloads]\n"forms/*.json" = "yc_test.v1.ValidationForms"\n')
    write(in_tmp, "forms/bad.json", BAD_FORMS)
    result = cli("validate", *fds, "forms")
    assert result.code == 1
    assert result.lines[-1] == "1 payload in 1 file: 0 valid, 1 invalid (3 errors)"
    contract = cli("validate", "forms")  # the contract has no such type
    assert contract.code == 2
    assert "[input.unknown_type]" in contract.out
    write(in_tmp, "archive.json", '{"reason": "old", "keepDays": "x"}')
    routed = cli("validate", *fds, "--route", "POST /v1/widgets/{widget_id}:archive", "archive.json")
    assert routed.code == 1
    assert routed.lines[0].startswith("archive.json:1:31: error [type.int64] /keepDays: found 'x'")


def test_an_unknown_type_is_one_line_naming_close_types_of_those_protos(cli: Cli, in_tmp: Path, fds: list[str]) -> None:
    write(in_tmp, "p.json", "{}")
    result = cli("validate", "--type", "yc_test.v1.ValidationForm", *fds, "p.json")
    assert (result.code, result.out) == (2, "")
    assert only_line(result.err).startswith(
        "yc-contracts: error: unknown schema 'yc_test.v1.ValidationForm'; did you mean 'yc_test.v1.ValidationForms'"
    )
    converted = cli("convert", "--type", "yc_test.v1.Widgit", "--from", "rest", "--to", "rest", *fds, "p.json")
    assert converted.code == 2
    assert "did you mean 'yc_test.v1.Widget'" in only_line(converted.err)


def test_a_large_run_in_worker_processes_uses_the_named_protos(
    cli: Cli, in_tmp: Path, fds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files checked in a process pool (forked workers inherit the registry) report what a serial run does."""
    from yc_contracts.cli import validate as _cli_validate

    for i in range(12):
        write(in_tmp, f"many/{i:02d}.json", BAD_FORMS if i % 3 == 0 else json.dumps(GOOD_FORMS))
    serial = cli("validate", "--type", FORMS, *fds, "--jobs", "1", "many")
    monkeypatch.setattr(_cli_validate, "PARALLEL_MIN_FILES", 4)
    parallel = cli("validate", "--type", FORMS, *fds, "--jobs", "2", "many")
    assert parallel == serial
    assert serial.lines[-1] == "12 payloads in 12 files: 8 valid, 4 invalid (12 errors)"


# ------------------------------------------------------------------------------------------------- convert


def test_convert_round_trips_through_binary_and_text(cli: Cli, in_tmp: Path, fds: list[str]) -> None:
    """REST JSON → binary → text format → REST JSON gives the payload back, with the named protos' types."""
    write(in_tmp, "good.json", json.dumps(GOOD_FORMS))
    out = subprocess.run(
        [sys.executable, "-m", "yc_contracts", "convert", "--type", FORMS, *fds, "--from", "rest", "--to", "binary"],
        input=json.dumps(GOOD_FORMS).encode(),
        capture_output=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert (out.returncode, out.stderr) == (0, b"")
    write(in_tmp, "forms.bin", out.stdout)
    text = cli("convert", "--type", FORMS, *fds, "--from", "binary", "--to", "text", "forms.bin")
    assert text.code == 0
    assert 'required_string: "s"' in text.lines
    write(in_tmp, "forms.txtpb", f"# proto-message: {FORMS}\n{text.out}")
    rest = cli("convert", *fds, "--from", "text", "--to", "rest", "forms.txtpb")
    assert (rest.code, json.loads(rest.out)) == (0, GOOD_FORMS)
    names = cli("convert", "--type", FORMS, *fds, "--from", "rest", "--to", "ndjson", "--names", "proto", "good.json")
    assert json.loads(names.out)["required_string"] == "s"


def test_convert_refuses_input_that_breaks_the_options(cli: Cli, in_tmp: Path, fds: list[str]) -> None:
    write(in_tmp, "bad.json", BAD_FORMS)
    result = cli("convert", "--type", FORMS, *fds, "--from", "rest", "--to", "text", "bad.json")
    assert (result.code, result.out) == (1, "")
    assert "bad.json:8:14: error [option.pattern] /pattern: found 'UPPER'" in result.err


# ----------------------------------------------------------------------------------------------- transcode


def test_transcode_uses_the_routes_of_the_named_protos(cli: Cli, in_tmp: Path, fds: list[str]) -> None:
    """A request is matched against that tree's ``google.api.http`` routes only."""
    write(in_tmp, "widget.json", '{"title": "A widget", "sizeBytes": "42"}')
    result = cli(
        "transcode",
        "PATCH",
        "/v1/projects/p1/shelves/s1/widgets/w1",
        "--body",
        "widget.json",
        "--query",
        "updateMask=title,sizeBytes",
        *fds,
    )
    assert (result.code, result.err) == (0, "")
    assert result.lines[:7] == [
        "PATCH /v1/projects/p1/shelves/s1/widgets/w1",
        "  gRPC method  /yc_test.v1.RouteForms/UpdateWidget  (unary)",
        "  route        PATCH /v1/{widget.name=projects/*/shelves/*/widgets/*}  body: widget",
        "  returns      yc_test.v1.Widget",
        "  metadata     (none)",
        "  request      yc_test.v1.UpdateWidgetRequest",
        "    widget {",
    ]
    as_json = json.loads(cli("transcode", "GET", "/v1/files/a/b.txt", "--format", "json", *fds).out)
    assert (as_json["method"], as_json["request"]) == ("/yc_test.v1.RouteForms/ReadFile", {"path": "a/b.txt"})
    contract_route = cli("transcode", "GET", "/operations/abc", *fds)
    assert contract_route.code == 1
    assert contract_route.err.startswith("yc-contracts: transcode: 404 Not Found")


# ------------------------------------------------------------------------------------------ schemas, openapi


def test_schemas_export_writes_a_self_contained_schema_per_type(cli: Cli, in_tmp: Path, fds: list[str]) -> None:
    """One file per message (and Any, bundle, openapi.json); each works with a 2020-12 validator as it is, and
    ``schemas check`` finds the folder matches, then a changed file."""
    from jsonschema import Draft202012Validator

    result = cli("schemas", "export", "out", *fds, "--progress")
    assert result.code == 0
    files = sorted(p.name for p in (in_tmp / "out").iterdir())
    assert result.out == f"wrote {len(files) - 1} JSON Schemas and openapi.json to out\n"
    assert {"bundle.schema.json", "openapi.json", "google.protobuf.Any.schema.json", f"{FORMS}.schema.json"} <= set(
        files
    )
    assert result.err.splitlines()[-1] == f"exporting [{'#' * 30}] {len(files)}/{len(files)} files"
    schema = json.loads((in_tmp / "out" / f"{FORMS}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    assert list(validator.iter_errors(GOOD_FORMS)) == []
    assert {"/pattern"} <= {
        "/" + "/".join(map(str, e.absolute_path)) for e in validator.iter_errors(json.loads(BAD_FORMS))
    }

    assert (
        cli("schemas", "check", "out", *fds).lines[-1].endswith("schema files match what these protos generate (out)")
    )
    (in_tmp / "out" / f"{FORMS}.schema.json").write_text("{}", encoding="utf-8")
    drift = cli("schemas", "check", "out", *fds)
    assert drift.code == 1
    assert drift.lines[0] == f"stale: {FORMS}.schema.json (first difference at /$defs)"
    no_folder = cli("schemas", "check", *fds)
    assert no_folder.code == 2
    assert "has no published schemas; name the folder to compare" in only_line(no_folder.err)


def test_exported_files_embed_a_shallow_any_and_the_any_file_checks_packed_messages(cli: Cli, in_tmp: Path) -> None:
    """For other protos, ``Any``'s document names every type (23 MiB for the whole Yandex Cloud API), so a type that
    refers to it embeds a shallow ``Any`` (``@type`` is required, the packed message unchecked), while
    ``google.protobuf.Any.schema.json`` checks a packed message against the type ``@type`` names."""
    from jsonschema import Draft202012Validator

    assert cli("schemas", "export", "--proto-path", str(ROOT / "protos"), "out").code == 0
    operation = json.loads((in_tmp / "out" / "yandex.cloud.operation.Operation.schema.json").read_text("utf-8"))
    assert sorted(operation["$defs"]) == ["google.protobuf.Any", "google.rpc.Status"]
    assert "allOf" not in operation["$defs"]["google.protobuf.Any"]
    packed = {"@type": "type.googleapis.com/google.rpc.Status", "code": "not a number"}
    assert list(Draft202012Validator(operation).iter_errors({"id": "op1", "done": True, "response": packed})) == []
    assert list(Draft202012Validator(operation).iter_errors({"id": "op1", "response": {"code": 3}})) != []
    any_schema = json.loads((in_tmp / "out" / "google.protobuf.Any.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(any_schema)
    assert list(Draft202012Validator(any_schema).iter_errors(packed)) != []
    assert list(Draft202012Validator(any_schema).iter_errors({**packed, "code": 3})) == []


def test_openapi_describes_the_routes_of_the_named_protos(cli: Cli, fds: list[str]) -> None:
    result = cli("openapi", *fds)
    assert result.code == 0
    document = json.loads(result.out)
    assert document["openapi"] == "3.1.0"
    assert "/v1/widgets/{widget_id}:archive" in document["paths"]
    assert "/operations/{operation_id}" not in document["paths"]


# -------------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: ["--descriptor-set", str(d / "missing.binpb")], "--descriptor-set: cannot read "),
        (lambda d: ["--descriptor-set", str(d)], "--descriptor-set: cannot read "),
        (lambda d: ["--descriptor-set", str(write(d, "bad.binpb", b"\xff\xff\xff"))], "is not a serialized"),
        (lambda d: ["--descriptor-set", str(write(d, "empty.binpb", b""))], "holds no .proto file of its own"),
        (lambda d: ["--proto-path", str(d / "nowhere")], "is not a folder"),
        (lambda d: ["--proto-path", str(d)], "holds no .proto file"),
        (lambda d: ["--proto-path", str(TREE), "-I", str(d / "nowhere")], "-I "),
        (lambda d: ["--proto-path", str(TREE), "--proto-path", str(TREE)], "give it once"),
        (lambda d: ["-I", str(TREE)], "-I/--include goes with --proto-path"),
        (lambda d: ["--python-package", "no_such_package_here"], "no such package in this Python"),
        (lambda d: ["--python-package", "json"], "no generated *_pb2 module in json"),
        (lambda d: ["--python-package", ".relative"], "cannot import it"),
    ],
    ids=[
        "missing-file",
        "folder-as-set",
        "corrupt-set",
        "empty-set",
        "missing-tree",
        "tree-without-protos",
        "missing-include",
        "two-trees",
        "include-alone",
        "unknown-package",
        "package-without-generated-code",
        "relative-package",
    ],
)
def test_protos_that_cannot_be_used_are_one_line_exit_2(
    cli: Cli, in_tmp: Path, make: Any, expected: str, command: list[str]
) -> None:
    """Never a traceback: one line that says what is wrong with the option."""
    result = cli(*command, *make(in_tmp))
    assert (result.code, result.out) == (2, "")
    line = only_line(result.err)
    assert line.startswith("yc-contracts: error: ")
    assert expected in line


@pytest.fixture(params=[["list"], ["openapi"], ["transcode", "GET", "/x"], ["schemas", "export", "out"]])
def command(request: pytest.FixtureRequest) -> list[str]:
    return list(request.param)


def test_a_tree_protoc_rejects_shows_each_of_protocs_errors_on_a_line(cli: Cli, in_tmp: Path) -> None:
    write(
        in_tmp,
        "broken/x/v1/a.proto",
        'syntax = "proto3";\npackage x.v1;\nimport "nope.proto";\nmessage A { strin b = 1; }\nmessage A {}\n',
    )
    result = cli("list", "--proto-path", "broken")
    assert (result.code, result.out) == (2, "")
    lines = result.err.splitlines()
    assert lines[0] == "yc-contracts: error: --proto-path: protoc cannot compile broken:"
    assert lines[1:] == [
        "  nope.proto: File not found.",
        '  broken/x/v1/a.proto:3:1: Import "nope.proto" was not found or had errors.',
        '  broken/x/v1/a.proto:5:9: "A" is already defined in "x.v1".',
        '  broken/x/v1/a.proto:4:13: "strin" is not defined.',
    ]


def test_the_options_exclude_each_other(cli: Cli, fds: list[str]) -> None:
    result = cli("list", *fds, "--python-package", "yandex.cloud")
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "yc-contracts list: error: argument --python-package: not allowed with argument --descriptor-set"
    )


# ------------------------------------------------------------------------------------- the real processes


def test_the_console_script_validates_with_a_descriptor_set(
    console_script: str, tmp_path: Path, fds: list[str]
) -> None:
    write(tmp_path, "forms.json", BAD_FORMS)
    result = subprocess.run(
        [console_script, "validate", "--type", FORMS, *fds, "--format", "json", "forms.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=TIMEOUT,
    )
    assert result.returncode == 1
    assert result.stderr == "1 payload in 1 file: 0 valid, 1 invalid (3 errors)\n"
    findings = json.loads(result.stdout)["payloads"][0]["findings"]
    assert [(f["rule"], f["path"]) for f in findings] == [
        ("option.required", "/combined"),
        ("option.pattern", "/pattern"),
        ("option.map_key", "/mapKeyLabels"),
    ]


@pytest.fixture
def upstream(registry: Registry) -> Iterator[Any]:
    """A real gRPC server of the tree's RouteForms service on loopback, answering GetWidget."""
    from gateway.upstream import FakeUpstream

    async def get_widget(request: Any, context: Any) -> Any:
        return registry.message_class("yc_test.v1.Widget")(name=f"widgets/{request.widget_id}", title="A widget")

    with FakeUpstream(registry) as up:
        up.on("RouteForms/GetWidget", get_widget)
        yield up


def test_the_gateway_serves_the_routes_of_a_descriptor_set(console_script: str, fds: list[str], upstream: Any) -> None:
    """``gateway --descriptor-set`` serves that tree's routes in front of its gRPC server: a request reaches the
    upstream and comes back as REST JSON; a request the options reject is a 400 that never reaches it, and the
    token sent with it appears nowhere."""
    process = subprocess.Popen(
        [console_script, "gateway", *fds, "--listen", "127.0.0.1:0", "--upstream", upstream.target],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
        assert ready, "the gateway did not print its address in time"
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
            got = client.get("/v1/widgets/w1", headers={"Authorization": f"Bearer {SECRET}"})
            assert (got.status_code, got.json()) == (200, {"name": "widgets/w1", "title": "A widget"})
            bad = client.post(
                "/v1/widgets/w1:archive", json={"keepDays": "many"}, headers={"Authorization": f"Bearer {SECRET}"}
            )
            assert bad.status_code == 400
            assert bad.json()["details"][0]["fieldViolations"][0]["field"] == "/keepDays"
            assert SECRET not in bad.text
            assert "/v1/widgets/{widget_id}:archive" in client.get("/openapi.json").json()["paths"]
        assert [r.method for r in upstream.received] == ["/yc_test.v1.RouteForms/GetWidget"]
        assert upstream.received[0].metadata["authorization"] == f"Bearer {SECRET}"
    finally:
        process.terminate()
        _, err = process.communicate(timeout=TIMEOUT)
    assert "yc-contracts gateway: 10 method(s) -> 127.0.0.1:" in err
    assert SECRET not in err


def test_the_gateway_refuses_protos_with_no_upstream_in_one_line(cli: Cli, fds: list[str]) -> None:
    result = cli("gateway", *fds, "--listen", "127.0.0.1:0")
    assert (result.code, result.out) == (2, "")
    assert only_line(result.err) == (
        "yc-contracts: error: gateway: no upstream for 1 service(s) of these protos (yc_test.v1.RouteForms): pass "
        "--upstream HOST:PORT for all of them, or SERVICE=HOST:PORT for each"
    )


# ------------------------------------------------------------------------------------ the official SDK

COMPUTE = ["--python-package", "yandex.cloud.compute.v1"]


@pytest.fixture
def sdk() -> None:
    pytest.importorskip("yandexcloud")


@pytest.mark.usefixtures("sdk")
def test_validate_a_compute_payload_from_the_installed_sdk(cli: Cli, in_tmp: Path) -> None:
    """A Compute REST payload file checked against the SDK's protos: each broken option names its field and rule."""
    write(
        in_tmp,
        "group.json",
        '{\n  "folderId": "b1gexample",\n  "name": "Web_Group",\n  "serviceAccountId": "aje1",\n'
        '  "labels": {"env": "PROD!"}\n}\n',
    )
    result = cli("validate", *COMPUTE, "--route", "POST /compute/v1/instanceGroups", "group.json")
    assert result.code == 1
    assert "group.json:3:11: error [option.pattern] /name: found 'Web_Group'; the value must match the pattern" in (
        result.out
    )
    assert "group.json:5:21: error [option.pattern] /labels/env: found 'PROD!'" in result.out
    assert "group.json:1:1: error [option.required] /scalePolicy: the field is missing" in result.out


@pytest.mark.usefixtures("sdk")
def test_convert_and_transcode_a_compute_update_from_the_installed_sdk(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "update.json", '{"updateMask": "name,labels", "name": "web-1", "labels": {"env": "prod"}}')
    call = cli("transcode", "PATCH", "/compute/v1/instances/fhm0example", "--body", "update.json", *COMPUTE)
    assert (call.code, call.err) == (0, "")
    assert call.lines[1:4] == [
        "  gRPC method  /yandex.cloud.compute.v1.InstanceService/Update  (unary)",
        "  route        PATCH /compute/v1/instances/{instance_id}  body: *",
        "  returns      yandex.cloud.operation.Operation (Operation.response: yandex.cloud.compute.v1.Instance)",
    ]
    assert '    instance_id: "fhm0example"' in call.lines
    text = cli(
        "convert",
        *COMPUTE,
        "--type",
        "yandex.cloud.compute.v1.UpdateInstanceRequest",
        "--from",
        "rest",
        "--to",
        "text",
        "update.json",
    )
    assert (text.code, text.lines[:3]) == (0, ["update_mask {", '  paths: "name"', '  paths: "labels"'])


@pytest.mark.usefixtures("sdk")
def test_list_the_routes_of_object_storage_from_the_installed_sdk(cli: Cli) -> None:
    result = cli("list", "routes", "--python-package", "yandex.cloud.storage.v1")
    assert (result.code, result.err) == (0, "")
    assert result.lines[0] == "HTTP routes (16)"
    assert has_row(
        result.lines, "PATCH /storage/v1/buckets/{name} -> yandex.cloud.storage.v1.BucketService.Update body: *"
    )
