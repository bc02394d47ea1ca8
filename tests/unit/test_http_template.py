"""google.api.http path templates: the grammar of google/api/http.proto, read as grpc-gateway reads it."""

from __future__ import annotations

import pickle

import pytest

from yc_contracts import ContractError
from yc_contracts.transcoding.templates import (
    DEEP,
    LITERAL,
    SINGLE,
    EscapeError,
    PathTemplate,
    TemplateSyntaxError,
    Variable,
    parse_template,
    split_path,
    unescape,
)

# ----------------------------------------------------------------------------------------------- parsing


def test_field_variable() -> None:
    t = parse_template("/operations/{operation_id}")
    assert [(s.kind, s.text) for s in t.segments] == [(LITERAL, "operations"), (SINGLE, "*")]
    assert t.variables == (Variable(("operation_id",), 1, 2, multi=False),)
    assert t.verb == ""
    assert not t.has_deep_wildcard
    assert str(t) == "/operations/{operation_id}"


def test_field_equals_star_is_the_same_as_field() -> None:
    a, b = parse_template("/v1/shelves/{shelf=*}/widgets"), parse_template("/v1/shelves/{shelf}/widgets")
    assert a.segments == b.segments
    assert a.variables == b.variables


def test_multi_segment_variable() -> None:
    t = parse_template("/v1/{parent=projects/*/shelves/*}/widgets")
    assert [s.text for s in t.segments] == ["v1", "projects", "*", "shelves", "*", "widgets"]
    assert t.variables == (Variable(("parent",), 1, 5, multi=True),)


def test_deep_variable() -> None:
    t = parse_template("/v1/files/{path=**}")
    assert t.segments[-1].kind == DEEP
    assert t.variables == (Variable(("path",), 2, 3, multi=True),)
    assert t.has_deep_wildcard
    assert t.min_segments == 2


def test_nested_field_path() -> None:
    t = parse_template("/v1/nested/{outer.inner.leaf}")
    assert t.variables[0].field_path == ("outer", "inner", "leaf")
    assert t.variables[0].name == "outer.inner.leaf"


@pytest.mark.parametrize(
    ("template", "verb", "last"),
    [
        ("/operations/{operation_id}:cancel", "cancel", "*"),
        ("/v1/widgets:watch", "watch", "widgets"),
        ("/v1/buckets/{bucket}/files/{path=**}:read", "read", "**"),
        ("/v1/a:b/c", "", "c"),  # a colon before the last segment is part of a literal
        ("/v1/a:b:c", "c", "a:b"),  # the last colon of a literal last segment starts the verb
        ("/v1/{name=a:b}", "", "a:b"),  # inside a variable, a colon is literal text
    ],
)
def test_verb(template: str, verb: str, last: str) -> None:
    t = parse_template(template)
    assert t.verb == verb
    assert t.segments[-1].text == last


def test_wildcards_outside_variables_bind_nothing() -> None:
    assert parse_template("/v1/any/*/widgets").variables == ()
    deep = parse_template("/v1/deep/**")
    assert deep.variables == ()
    assert deep.min_segments == 2


def test_fixed_segments_after_a_deep_wildcard() -> None:
    """grpc-gateway accepts literals after ``**`` (its tailLen); so do we."""
    t = parse_template("/v1/{name=**}/contents")
    assert t.match(split_path("/v1/a/b/contents")) == ("a/b",)
    assert t.match(split_path("/v1/contents")) == ("",)
    assert t.match(split_path("/v1/a/b")) is None


def test_root_template() -> None:
    t = parse_template("/")
    assert t.segments == ()
    assert t.match(split_path("/")) == ()
    assert t.match(split_path("/x")) is None


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("", "start with '/'"),
        ("v1/widgets", "start with '/'"),
        ("/v1//widgets", "empty segment"),
        ("/v1/widgets/", "ends with '/'"),
        ("/v1/{widget_id", "never closed"),
        ("/v1/{a={b}}", "nested"),
        ("/v1/{}", "invalid field path"),
        ("/v1/{a-b}", "invalid field path"),
        ("/v1/{a..b}", "invalid field path"),
        ("/v1/{a=}", "empty pattern"),
        ("/v1/**/x/**", "only once"),
        ("/v1/{a}/{a}", "bound twice"),
        ("/v1/widgets:", "invalid verb"),
        ("/v1/{a}:b:c", "invalid verb"),
        ("/v1/{a}x", "after the last variable"),
        ("/v1/{a}x:verb", "after the last variable"),
        ("/v1/{a}x/y", "expected '/'"),
        ("/v1/a*b", "invalid literal"),
        ("/v1/{a=b=c}", "invalid literal"),
    ],
)
def test_syntax_errors(template: str, reason: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=reason) as caught:
        parse_template(template)
    assert isinstance(caught.value, ContractError)
    assert caught.value.template == template
    again = pickle.loads(pickle.dumps(caught.value))
    assert (again.template, again.reason, str(again)) == (template, caught.value.reason, str(caught.value))


def test_a_non_string_template_is_a_syntax_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        parse_template(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("template", "path", "captured"),
    [
        ("/operations/{operation_id}", "/operations/abc123", ("abc123",)),
        ("/operations/{operation_id}", "/operations/a:b", ("a:b",)),
        ("/operations/{operation_id}", "/operations/", None),  # '*' needs a non-empty segment
        ("/operations/{operation_id}", "/operations", None),
        ("/operations/{operation_id}", "/operations/a/b", None),
        ("/operations/{operation_id}:cancel", "/operations/abc:cancel", ("abc",)),
        ("/operations/{operation_id}:cancel", "/operations/abc", None),
        ("/operations/{operation_id}:cancel", "/operations/:cancel", None),
        ("/operations/{operation_id}:cancel", "/operations/abc:cancelled", None),
        ("/v1/{parent=projects/*/shelves/*}/widgets", "/v1/projects/p/shelves/s/widgets", ("projects/p/shelves/s",)),
        ("/v1/{parent=projects/*/shelves/*}/widgets", "/v1/projects/p/racks/s/widgets", None),
        ("/v1/files/{path=**}", "/v1/files/a/b/c.txt", ("a/b/c.txt",)),
        ("/v1/files/{path=**}", "/v1/files", ("",)),
        ("/v1/files/{path=**}", "/v1/file", None),
        ("/v1/buckets/{bucket}/files/{path=**}:read", "/v1/buckets/b/files/x/y:read", ("b", "x/y")),
        ("/v1/buckets/{bucket}/files/{path=**}:read", "/v1/buckets/b/files/x/y", None),
        ("/v1/a/{x}/{y=c/**}", "/v1/a/1/c/2/3", ("1", "c/2/3")),
        ("/v1/any/*/widgets", "/v1/any/thing/widgets", ()),
        ("/v1/widgets:watch", "/v1/widgets:watch", ()),
        ("/v1/widgets:watch", "/v1/widgets", None),
        ("/v1/widgets", "/v1/widgets:watch", None),
        ("/v1/%7Ex", "/v1/~x", None),  # literals in a template are compared as written...
        ("/v1/~x", "/v1/%7Ex", ()),  # ...and a request's escapes are decoded to compare them
        ("/v1/~x", "/v1/%zz", None),
    ],
)
def test_match(template: str, path: str, captured: tuple[str, ...] | None) -> None:
    assert parse_template(template).match(split_path(path)) == captured


def test_captured_values_stay_escaped_until_unescaped() -> None:
    t = parse_template("/v1/{a}/{b=**}")
    raw = t.match(split_path("/v1/x%2Fy%20z/p%2Fq/r"))
    assert raw == ("x%2Fy%20z", "p%2Fq/r")
    a, b = t.variables
    assert unescape(raw[0], multi=a.multi) == "x/y z"
    assert unescape(raw[1], multi=b.multi) == "p%2Fq/r"


@pytest.mark.parametrize(
    ("raw", "multi", "text"),
    [
        ("plain", False, "plain"),
        ("a%20b", False, "a b"),
        ("a+b", False, "a+b"),  # '+' is a plus in a path (a space only in a query)
        ("a%2Fb", False, "a/b"),
        ("a%2fb/c%20d", True, "a%2fb/c d"),
        ("%D0%BF%D1%80%D0%B8", False, "\u043f\u0440\u0438"),
        ("%D0%BF%2F%D1%80", True, "\u043f%2F\u0440"),
    ],
)
def test_unescape(raw: str, multi: bool, text: str) -> None:
    assert unescape(raw, multi=multi) == text


@pytest.mark.parametrize(("raw", "problem"), [("a%2", "%XX"), ("%zz", "%XX"), ("%FF%FE", "UTF-8")])
@pytest.mark.parametrize("multi", [False, True])
def test_unescape_errors(raw: str, problem: str, multi: bool) -> None:
    with pytest.raises(EscapeError, match=problem):
        unescape(raw, multi=multi)


def test_split_path() -> None:
    assert split_path("/") == []
    assert split_path("/a/b:c") == ["a", "b:c"]
    assert split_path("/a//b/") == ["a", "", "b", ""]
    with pytest.raises(EscapeError, match="start with '/'"):
        split_path("a/b")


def test_specificity_orders_verb_then_literals_then_wildcards() -> None:
    texts = [
        "/v1/{name=**}",
        "/v1/{a}/{b}",
        "/v1/{a}/b",
        "/v1/a/{b}",
        "/v1/a/b",
        "/v1/{a}/{b}:verb",
    ]
    ordered = sorted((parse_template(t) for t in texts), key=lambda t: t.specificity, reverse=True)
    assert [str(t) for t in ordered] == [
        "/v1/{a}/{b}:verb",
        "/v1/a/b",
        "/v1/a/{b}",
        "/v1/{a}/b",
        "/v1/{a}/{b}",
        "/v1/{name=**}",
    ]


def test_templates_are_values() -> None:
    a, b = parse_template("/v1/{x}"), parse_template("/v1/{x}")
    assert a == b
    assert hash(a) == hash(b)
    assert isinstance(a, PathTemplate)
