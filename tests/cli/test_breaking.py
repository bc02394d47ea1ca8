"""``yc-contracts breaking``: each class of break on a pair of small proto trees, and nothing for additions.

The trees import ``yandex/cloud/validation.proto`` from the repository's ``protos/`` (passed with ``-I``) and
``google/api/annotations.proto`` for routes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, Cli

pytest.importorskip("grpc_tools", reason="breaking compiles protos with grpcio-tools")

BASE = """\
syntax = "proto3";

package demo.v1;

import "google/api/annotations.proto";
import "yandex/cloud/validation.proto";

message Request {
  string name = 1 [(yandex.cloud.length) = "<=50"];
  int64 count = 2 [(yandex.cloud.value) = "1-100"];
  repeated string tags = 3 [(yandex.cloud.size) = "<=10"];
  string mode = 4;
  oneof source {
    string uri = 5;
    bytes content = 6;
  }
  Kind kind = 7;
  string note = 8 [json_name = "note"];
  string id = 9 [(yandex.cloud.pattern) = "[a-z]+"];
  map<string, string> labels = 10;
  double ratio = 11 [(yandex.cloud.value) = "0-1"];
  reserved 20;
  reserved "legacy";
}

enum Kind {
  KIND_UNSPECIFIED = 0;
  FAST = 1;
  SLOW = 2;
}

enum Unused {
  UNUSED_UNSPECIFIED = 0;
}

message Response {
  string text = 1;
}

message Extra {
  string a = 1;
}

service Demo {
  rpc Run(Request) returns (Response) {
    option (google.api.http) = {post: "/demo/v1/run" body: "*"};
  }
  rpc Get(Request) returns (Response) {
    option (google.api.http) = {get: "/demo/v1/items/{name}"};
  }
  rpc Watch(Request) returns (stream Response);
}

service Other {
  rpc Ping(Response) returns (Response);
}
"""


def tree(root: Path, text: str) -> Path:
    path = root / "demo" / "v1" / "demo.proto"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return root


def compare(cli: Cli, tmp_path: Path, new_text: str, *extra: str) -> tuple[int, list[str]]:
    old = tree(tmp_path / "old", BASE)
    new = tree(tmp_path / "new", new_text)
    result = cli("breaking", "--protos", str(new), "--against", str(old), "-I", str(ROOT / "protos"), *extra)
    assert result.err == ""
    return result.code, result.lines


def changed(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# (what changes, old text, new text, the breaks: "CATEGORY subject: description")
CASES = [
    # WIRE
    (
        "field number",
        "int64 count = 2 ",
        "int64 count = 12 ",
        ["WIRE demo.v1.Request.count: field number changed from 2 to 12"],
    ),
    (
        "field type",
        "int64 count = 2 ",
        "int32 count = 2 ",
        ["WIRE demo.v1.Request.count: type changed from int64 to int32"],
    ),
    (
        "message type",
        "Kind kind = 7;",
        "Extra kind = 7;",
        ["WIRE demo.v1.Request.kind: type changed from demo.v1.Kind to demo.v1.Extra"],
    ),
    (
        "label",
        "string mode = 4;",
        "repeated string mode = 4;",
        ["WIRE demo.v1.Request.mode: label changed from singular to repeated"],
    ),
    (
        "map value",
        "map<string, string> labels = 10;",
        "map<string, int64> labels = 10;",
        ["WIRE demo.v1.Request.LabelsEntry.value: type changed from string to int64"],
    ),
    (
        "field removed",
        "  string mode = 4;\n",
        "",
        [
            "WIRE demo.v1.Request.mode: field 4 removed without reserving its number",
            "JSON demo.v1.Request.mode: field 'mode' removed without reserving its name",
        ],
    ),
    (
        "field removed, number reserved",
        "  string mode = 4;\n",
        "  reserved 4;\n",
        ["JSON demo.v1.Request.mode: field 'mode' removed without reserving its name"],
    ),
    (
        "out of a oneof",
        "    bytes content = 6;\n  }\n",
        "  }\n  bytes content = 6;\n",
        ["WIRE demo.v1.Request.content: moved out of oneof 'source'"],
    ),
    (
        "into a oneof",
        "  string mode = 4;\n  oneof source {\n",
        "  oneof source {\n    string mode = 4;\n",
        ["WIRE demo.v1.Request.mode: moved into oneof 'source'"],
    ),
    (
        "enum value removed",
        "  SLOW = 2;\n",
        "",
        [
            "WIRE demo.v1.Kind.SLOW: enum value 2 removed without reserving its number",
            "JSON demo.v1.Kind.SLOW: enum value 'SLOW' removed without reserving its name",
        ],
    ),
    (
        "enum value renumbered",
        "SLOW = 2;",
        "SLOW = 3;",
        ["WIRE demo.v1.Kind.SLOW: enum value number changed from 2 to 3"],
    ),
    ("message removed", "message Extra {\n  string a = 1;\n}\n", "", ["WIRE demo.v1.Extra: message removed"]),
    ("enum removed", "enum Unused {\n  UNUSED_UNSPECIFIED = 0;\n}\n", "", ["WIRE demo.v1.Unused: enum removed"]),
    (
        "service removed",
        "service Other {\n  rpc Ping(Response) returns (Response);\n}\n",
        "",
        ["WIRE demo.v1.Other: service removed"],
    ),
    (
        "method removed",
        "  rpc Watch(Request) returns (stream Response);\n",
        "",
        ["WIRE demo.v1.Demo.Watch: method removed"],
    ),
    (
        "method with route removed",
        "  rpc Run(Request) returns (Response) {\n"
        '    option (google.api.http) = {post: "/demo/v1/run" body: "*"};\n  }\n',
        "",
        [
            "WIRE demo.v1.Demo.Run: method removed",
            "REST demo.v1.Demo.Run: route POST /demo/v1/run removed (the method is gone)",
        ],
    ),
    (
        "request type",
        "rpc Watch(Request)",
        "rpc Watch(Extra)",
        ["WIRE demo.v1.Demo.Watch: request type changed from demo.v1.Request to demo.v1.Extra"],
    ),
    (
        "response type",
        "returns (stream Response)",
        "returns (stream Extra)",
        ["WIRE demo.v1.Demo.Watch: response type changed from demo.v1.Response to demo.v1.Extra"],
    ),
    (
        "streaming",
        "returns (stream Response)",
        "returns (Response)",
        ["WIRE demo.v1.Demo.Watch: server side no longer streams"],
    ),
    (
        "client streaming",
        "rpc Watch(Request)",
        "rpc Watch(stream Request)",
        ["WIRE demo.v1.Demo.Watch: client side now streams"],
    ),
    # JSON
    (
        "field renamed",
        "string mode = 4;",
        "string style = 4;",
        [
            "JSON demo.v1.Request.style: field 4 renamed from 'mode' to 'style' (JSON name 'mode' → 'style')".replace(
                "demo.v1.Request.style", "demo.v1.Request.mode"
            )
        ],
    ),
    (
        "json_name",
        '[json_name = "note"]',
        '[json_name = "memo"]',
        ["JSON demo.v1.Request.note: json_name changed from 'note' to 'memo'"],
    ),
    (
        "enum value renamed",
        "FAST = 1;",
        "QUICK = 1;",
        ["JSON demo.v1.Kind.FAST: enum value 1 renamed from 'FAST' to 'QUICK'"],
    ),
    # REST
    (
        "route path",
        'post: "/demo/v1/run"',
        'post: "/demo/v1/execute"',
        ["REST demo.v1.Demo.Run: route POST /demo/v1/run removed or changed (now: POST /demo/v1/execute)"],
    ),
    (
        "route verb",
        'post: "/demo/v1/run"',
        'put: "/demo/v1/run"',
        ["REST demo.v1.Demo.Run: route POST /demo/v1/run removed or changed (now: PUT /demo/v1/run)"],
    ),
    (
        "route body",
        'body: "*"',
        'body: "name"',
        ["REST demo.v1.Demo.Run: POST /demo/v1/run: body changed from '*' to 'name'"],
    ),
    (
        "route removed",
        "  rpc Get(Request) returns (Response) {\n"
        '    option (google.api.http) = {get: "/demo/v1/items/{name}"};\n  }\n',
        "  rpc Get(Request) returns (Response);\n",
        ["REST demo.v1.Demo.Get: route GET /demo/v1/items/{name} removed or changed (now: no route)"],
    ),
    # VALIDATION
    (
        "length tightened",
        '(yandex.cloud.length) = "<=50"',
        '(yandex.cloud.length) = "<=40"',
        ["VALIDATION demo.v1.Request.name: (yandex.cloud.length) tightened from '<=50' to '<=40'"],
    ),
    (
        "length added",
        "string mode = 4;",
        'string mode = 4 [(yandex.cloud.length) = "1-10"];',
        ["VALIDATION demo.v1.Request.mode: (yandex.cloud.length) tightened from no bound to '1-10'"],
    ),
    (
        "value tightened",
        '(yandex.cloud.value) = "1-100"',
        '(yandex.cloud.value) = "1-50,60-100"',
        ["VALIDATION demo.v1.Request.count: (yandex.cloud.value) tightened from '1-100' to '1-50,60-100'"],
    ),
    (
        "size tightened",
        '(yandex.cloud.size) = "<=10"',
        '(yandex.cloud.size) = "1-10"',
        ["VALIDATION demo.v1.Request.tags: (yandex.cloud.size) tightened from '<=10' to '1-10'"],
    ),
    (
        "double bound excludes an end",
        '(yandex.cloud.value) = "0-1"',
        '(yandex.cloud.value) = "<1"',
        ["VALIDATION demo.v1.Request.ratio: (yandex.cloud.value) tightened from '0-1' to '<1'"],
    ),
    (
        "required",
        "string mode = 4;",
        "string mode = 4 [(yandex.cloud.required) = true];",
        ["VALIDATION demo.v1.Request.mode: now required (yandex.cloud.required)"],
    ),
    (
        "pattern changed",
        '(yandex.cloud.pattern) = "[a-z]+"',
        '(yandex.cloud.pattern) = "[a-z]{1,5}"',
        ["VALIDATION demo.v1.Request.id: (yandex.cloud.pattern) from '[a-z]+' now '[a-z]{1,5}'"],
    ),
    (
        "pattern added",
        "string mode = 4;",
        'string mode = 4 [(yandex.cloud.pattern) = "[a-z]+"];',
        ["VALIDATION demo.v1.Request.mode: (yandex.cloud.pattern) now '[a-z]+'"],
    ),
    (
        "unique",
        "repeated string tags = 3 [",
        "repeated string tags = 3 [(yandex.cloud.unique) = true, ",
        ["VALIDATION demo.v1.Request.tags: items must now be unique (yandex.cloud.unique)"],
    ),
    (
        "map key",
        "map<string, string> labels = 10;",
        'map<string, string> labels = 10 [(yandex.cloud.map_key).pattern = "[a-z]+"];',
        ["VALIDATION demo.v1.Request.labels: (yandex.cloud.map_key) key pattern now '[a-z]+'"],
    ),
    (
        "exactly_one",
        "  oneof source {\n",
        "  oneof source {\n    option (yandex.cloud.exactly_one) = true;\n",
        ["VALIDATION demo.v1.Request.source: oneof now requires exactly one member (yandex.cloud.exactly_one)"],
    ),
    (
        "new required field",
        "  reserved 20;\n",
        "  reserved 20;\n  string extra = 30 [(yandex.cloud.required) = true];\n",
        ["VALIDATION demo.v1.Request.extra: new field is required"],
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_class_of_break(cli: Cli, tmp_path: Path, old: str, new: str, expected: list[str]) -> None:
    code, lines = compare(cli, tmp_path, changed(old, new))
    assert code == 1
    found = [" ".join(line.split("  [")[0].split()) for line in lines[:-1]]
    assert found == expected
    assert lines[-1].startswith(f"{len(expected)} breaking change")


ADDITIVE = [
    ("new field", "  reserved 20;\n", '  reserved 20;\n  string added = 31 [(yandex.cloud.length) = "<=5"];\n'),
    ("new message", "message Extra {", "message Added {\n  Request r = 1;\n}\n\nmessage Extra {"),
    (
        "new method",
        "  rpc Watch(Request)",
        "  rpc Added(Request) returns (Response) {\n"
        '    option (google.api.http) = {get: "/demo/v1/added"};\n  }\n  rpc Watch(Request)',
    ),
    ("new enum value", "  SLOW = 2;\n", "  SLOW = 2;\n  MEDIUM = 3;\n"),
    (
        "new service",
        "service Other {",
        "service Pinger {\n  rpc Ping(Response) returns (Response);\n}\n\nservice Other {",
    ),
    ("new route binding", 'body: "*"}', 'body: "*" additional_bindings {post: "/demo/v1/run2" body: "*"}}'),
    ("field removed, number and name reserved", "  string mode = 4;\n", '  reserved 4;\n  reserved "mode";\n'),
    ("enum value removed, reserved", "  SLOW = 2;\n", '  reserved 2;\n  reserved "SLOW";\n'),
    ("looser length", '(yandex.cloud.length) = "<=50"', '(yandex.cloud.length) = "<=60"'),
    ("length bound dropped", ' [(yandex.cloud.length) = "<=50"]', ""),
    ("value as an adjacent union", '(yandex.cloud.value) = "1-100"', '(yandex.cloud.value) = "0-50,51-200"'),
    ("double union covering all", '(yandex.cloud.value) = "0-1"', '(yandex.cloud.value) = "<=0.5,>0.5"'),
    ("double union of overlapping one-sided bounds", '(yandex.cloud.value) = "0-1"', '(yandex.cloud.value) = ">=0,<1"'),
    ("a length bound that allows every length", "string mode = 4;", 'string mode = 4 [(yandex.cloud.length) = ">=0"];'),
    (
        "comments and layout",
        "message Response {\n  string text = 1;\n}",
        "// The answer.\nmessage Response {\n  string text = 1;  // its text\n}",
    ),
    ("new optional field, not required", "  reserved 20;\n", "  reserved 20;\n  optional string maybe = 32;\n"),
]


@pytest.mark.parametrize(("old", "new"), [c[1:] for c in ADDITIVE], ids=[c[0] for c in ADDITIVE])
def test_additive_changes_are_not_breaking(cli: Cli, tmp_path: Path, old: str, new: str) -> None:
    code, lines = compare(cli, tmp_path, changed(old, new))
    assert (code, lines) == (0, [f"no breaking changes against {tmp_path / 'old'}"])


def test_all_additive_changes_at_once(cli: Cli, tmp_path: Path) -> None:
    text = BASE
    for _, old, new in ADDITIVE[:6]:
        text = text.replace(old, new, 1)
    assert compare(cli, tmp_path, text)[0] == 0


def test_places_and_formats(cli: Cli, tmp_path: Path) -> None:
    new_text = changed('(yandex.cloud.length) = "<=50"', '(yandex.cloud.length) = "<=40"')
    new_text = new_text.replace("  SLOW = 2;\n", "")
    code, lines = compare(cli, tmp_path, new_text)
    assert code == 1
    proto = tmp_path / "new" / "demo" / "v1" / "demo.proto"
    name_line = new_text.splitlines().index('  string name = 1 [(yandex.cloud.length) = "<=40"];') + 1
    enum_line = new_text.splitlines().index("enum Kind {") + 1
    assert lines == [
        f"VALIDATION  demo.v1.Request.name: (yandex.cloud.length) tightened from '<=50' to '<=40'  "
        f"[{proto}:{name_line}]",
        f"WIRE        demo.v1.Kind.SLOW: enum value 2 removed without reserving its number  [{proto}:{enum_line}]",
        f"JSON        demo.v1.Kind.SLOW: enum value 'SLOW' removed without reserving its name  [{proto}:{enum_line}]",
        f"3 breaking changes against {tmp_path / 'old'} (1 WIRE, 1 JSON, 1 VALIDATION)",
    ]
    code, lines = compare(cli, tmp_path, new_text, "--format", "json")
    report = json.loads("\n".join(lines))
    assert report["breaking"][0] == {
        "category": "VALIDATION",
        "subject": "demo.v1.Request.name",
        "description": "(yandex.cloud.length) tightened from '<=50' to '<=40'",
        "file": str(proto),
        "line": name_line,
        "column": 3,
    }
    code, lines = compare(cli, tmp_path, new_text, "--format", "github")
    assert lines[0] == (
        f"::error file={proto},line={name_line},title=VALIDATION breaking change::demo.v1.Request.name: "
        "(yandex.cloud.length) tightened from '<=50' to '<=40'"
    )


def test_the_repository_protos_against_themselves(cli: Cli) -> None:
    result = cli("breaking", "--protos", str(ROOT / "protos"), "--against", str(ROOT / "protos"))
    assert (result.code, result.out) == (0, f"no breaking changes against {ROOT / 'protos'}\n")


# ------------------------------------------------------------------------------------------- git refs


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_against_a_git_revision_leaves_the_work_tree_alone(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    tree(repo / "protos", BASE)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    tree(repo / "protos", changed("int64 count = 2 ", "int32 count = 2 "))
    (repo / "untracked.txt").write_text("mine")
    before = _git(repo, "status", "--porcelain"), _git(repo, "stash", "list"), _git(repo, "worktree", "list")
    monkeypatch.chdir(repo)
    result = cli("breaking", "--against", "HEAD", "-I", str(ROOT / "protos"))
    assert result.code == 1
    assert result.lines == [
        "WIRE  demo.v1.Request.count: type changed from int64 to int32  [protos/demo/v1/demo.proto:10]",
        "1 breaking change against revision HEAD (1 WIRE)",
    ]
    assert (_git(repo, "status", "--porcelain"), _git(repo, "stash", "list"), _git(repo, "worktree", "list")) == before
    nothing = cli("breaking", "--against", "HEAD~0", "--protos", "protos", "-I", str(ROOT / "protos"))
    assert nothing.code == 1
    unknown = cli("breaking", "--against", "no-such-branch", "-I", str(ROOT / "protos"))
    assert unknown.code == 2
    assert unknown.err == (
        f"yc-contracts: error: 'no-such-branch' is neither a folder nor a revision of the git repository at "
        f"{repo.resolve()}\n"
    )


# --------------------------------------------------------------------------------------------- errors


def test_protos_that_do_not_compile(cli: Cli, tmp_path: Path) -> None:
    old = tree(tmp_path / "old", BASE)
    new = tree(tmp_path / "new", BASE.replace("int64 count", "int64 count count"))
    result = cli("breaking", "--protos", str(new), "--against", str(old), "-I", str(ROOT / "protos"))
    assert result.code == 2
    assert result.err.startswith(f"yc-contracts: error: protoc cannot compile {new}:\n")
    assert "demo/v1/demo.proto:10:15: Missing field number." in result.err
    empty = cli("breaking", "--protos", str(tmp_path / "nothing"), "--against", str(old))
    assert (empty.code, empty.err) == (2, f"yc-contracts: error: {tmp_path / 'nothing'} is not a folder\n")
    (tmp_path / "blank").mkdir()
    blank = cli("breaking", "--protos", str(tmp_path / "blank"), "--against", str(old))
    assert (blank.code, blank.err) == (2, f"yc-contracts: error: {tmp_path / 'blank'} holds no .proto file\n")


def test_without_grpcio_tools(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "grpc_tools" else real(name, *a))
    result = cli("breaking", "--against", str(tmp_path))
    assert (result.code, result.err) == (
        2,
        "yc-contracts: error: compiling .proto files needs protoc from grpcio-tools: pip install grpcio-tools\n",
    )
