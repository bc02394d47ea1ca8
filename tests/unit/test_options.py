"""The yandex.cloud option grammar (yc_contracts.contract.options): bounds, durations, timestamps, field rules, and the
integer-range regular expressions, checked exhaustively on small ranges and with hypothesis on big ones."""

from __future__ import annotations

import calendar
import json
import pickle
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import generate
import pytest
from google.protobuf import descriptor, descriptor_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

import yc_contracts
from yc_contracts import Registry
from yc_contracts.contract.errors import ContractError, YcContractsError
from yc_contracts.contract.options import (
    FieldRules,
    Interval,
    MapKeyRules,
    OptionSyntaxError,
    ValueKind,
    field_rules,
    integer_range_pattern,
    oneof_exactly_one,
    parse_bounds,
    parse_duration,
)

REQUIRED = "yandex.cloud.required"
PATTERN = "yandex.cloud.pattern"
VALUE = "yandex.cloud.value"
SIZE = "yandex.cloud.size"
LENGTH = "yandex.cloud.length"
UNIQUE = "yandex.cloud.unique"
MAP_KEY = "yandex.cloud.map_key"
BYTES = "yandex.cloud.bytes"
EXACTLY_ONE = "yandex.cloud.exactly_one"
FORMS = "yc_test.v1.ValidationForms"


def iv(lo: int | str | None, hi: int | str | None, lo_open: bool = False, hi_open: bool = False) -> Interval:
    return Interval(None if lo is None else Decimal(lo), None if hi is None else Decimal(hi), lo_open, hi_open)


def one(lo: int | str | None, hi: int | str | None, lo_open: bool = False, hi_open: bool = False) -> tuple[Interval]:
    return (iv(lo, hi, lo_open, hi_open),)


# ------------------------------------------------------------------------------------------------ the grammar

GRAMMAR: list[tuple[str, ValueKind, tuple[Interval, ...]]] = [
    # one-sided bounds
    ("<=50", "number", one(None, 50)),
    ("<64", "number", one(None, 64, hi_open=True)),
    (">=1", "number", one(1, None)),
    (">0", "number", one(0, None, lo_open=True)),
    ("<=-5", "number", one(None, -5)),
    (">-1", "number", one(-1, None, lo_open=True)),
    # ranges, with negative bounds
    ("1-100", "number", one(1, 100)),
    ("-1-2147483647", "number", one(-1, 2147483647)),
    ("-10--1", "number", one(-10, -1)),
    ("-5-0", "number", one(-5, 0)),
    ("0-0", "number", one(0, 0)),
    ("-9223372036854775808-9223372036854775807", "number", one(-(2**63), 2**63 - 1)),
    ("0-18446744073709551615", "number", one(0, 2**64 - 1)),
    # exact values
    ("20", "number", one(20, 20)),
    ("-3", "number", one(-3, -3)),
    ("0", "number", one(0, 0)),
    # lists
    ("36,40", "number", (iv(36, 36), iv(40, 40))),
    ("0,5-10,>100", "number", (iv(0, 0), iv(5, 10), iv(100, None, lo_open=True))),
    ("<-10,-5--1,3", "number", (iv(None, -10, hi_open=True), iv(-5, -1), iv(3, 3))),
    ("1,1", "number", (iv(1, 1), iv(1, 1))),  # kept as written, not merged
    # decimals
    ("0.0-1.0", "number", one("0.0", "1.0")),
    (">0.5", "number", one("0.5", None, lo_open=True)),
    ("-0.5-0.25", "number", one("-0.5", "0.25")),
    ("<=1.5,2.75", "number", (iv(None, "1.5"), iv("2.75", "2.75"))),
    # whitespace around items, range dashes and after operators
    ("  <=50 ", "number", one(None, 50)),
    ("1 - 10", "number", one(1, 10)),
    ("-10 - -1", "number", one(-10, -1)),
    ("<= 5", "number", one(None, 5)),
    (" 0 , 5 - 10 ,\t> 100\n", "number", (iv(0, 0), iv(5, 10), iv(100, None, lo_open=True))),
    # durations, in seconds
    ("1s-1m", "duration", one(1, 60)),
    ("<=24h", "duration", one(None, 86400)),
    (">=100ms", "duration", one("0.1", None)),
    ("1.5s", "duration", one("1.5", "1.5")),
    ("10m-12h", "duration", one(600, 43200)),
    ("0s-3600s", "duration", one(0, 3600)),
    ("1d", "duration", one(86400, 86400)),
    ("<1us,>1000000ns", "duration", (iv(None, "0.000001", hi_open=True), iv("0.001", None, lo_open=True))),
    ("1h30m", "duration", one(5400, 5400)),
    ("-1s--500ms", "duration", one(-1, "-0.5")),
    ("0", "duration", one(0, 0)),
    (" 1s - 2s ", "duration", one(1, 2)),
    # timestamps, in seconds since the epoch
    (">=2020-01-01T00:00:00Z", "timestamp", one(1577836800, None)),
    ("<1970-01-01T00:00:00.5Z", "timestamp", one(None, "0.5", hi_open=True)),
    ("2020-01-01T03:00:00+03:00", "timestamp", one(1577836800, 1577836800)),
    ("2019-12-31T20:30:00-03:30", "timestamp", one(1577836800, 1577836800)),
    ("2020-01-01t00:00:00z", "timestamp", one(1577836800, 1577836800)),
    ("2020-01-01T00:00:00", "timestamp", one(1577836800, 1577836800)),  # no offset: UTC
    (
        "2020-01-01T00:00:00Z-2021-01-01T00:00:00.123456789+00:00",
        "timestamp",
        one(1577836800, "1609459200.123456789"),
    ),
    ("2020-01-01T00:00:00-01:00-2020-01-02T00:00:00Z", "timestamp", one(1577840400, 1577923200)),
    ("1969-12-31T23:59:59Z", "timestamp", one(-1, -1)),
    (
        "19700101T000000.000000000-21051231T235959.999999999",
        "timestamp",
        one(0, f"{calendar.timegm((2105, 12, 31, 23, 59, 59))}.999999999"),
    ),
    ("20200101T030000+0300", "timestamp", one(1577836800, 1577836800)),
    ("2020-01-01T00:00:00Z,>=2021-01-01T00:00:00Z", "timestamp", (iv(1577836800, 1577836800), iv(1609459200, None))),
]


@pytest.mark.parametrize(("text", "kind", "expected"), GRAMMAR)
def test_grammar(text: str, kind: ValueKind, expected: tuple[Interval, ...]) -> None:
    assert parse_bounds(text, kind) == expected


MALFORMED: list[tuple[str, ValueKind, str]] = [
    ("", "number", "is empty"),
    ("   ", "number", "is empty"),
    ("1,", "number", "item 2 of 2 is empty"),
    (",1", "number", "item 1 of 2 is empty"),
    ("1,,2", "number", "item 2 of 3 is empty"),
    ("5-1", "number", "lower bound exceeds"),
    ("-1--10", "number", "lower bound exceeds"),
    ("2s-1s", "duration", "lower bound exceeds"),
    ("<=", "number", "no value after '<='"),
    (">", "number", "no value after '>'"),
    ("=5", "number", "'=' is not an operator"),
    ("==5", "number", "'=' is not an operator"),
    ("<<5", "number", "malformed operator"),
    ("<=>5", "number", "malformed operator"),
    ("=<5", "number", "'=' is not an operator"),
    ("!=5", "number", "not a number"),
    ("+5", "number", "not a number"),
    ("1e3", "number", "not a number"),
    (".5", "number", "not a number"),
    ("5.", "number", "not a number"),
    ("0x10", "number", "not a number"),
    ("NaN", "number", "not a number"),
    ("inf", "number", "not a number"),
    ("abc", "number", "not a number"),
    ("1 000", "number", "not a number"),
    ("- 5", "number", "not a number"),
    ("1--", "number", "neither a number nor a range"),
    ("1-2-3", "number", "neither a number nor a range"),
    ("-", "number", "not a number"),
    ("1;2", "number", "not a number"),
    ("1s", "number", "not a number"),
    ("1", "duration", "not a duration"),
    ("1-2", "duration", "neither a duration nor a range"),
    ("1sec", "duration", "not a duration"),
    ("1S", "duration", "not a duration"),
    ("1y", "duration", "not a duration"),
    ("s", "duration", "not a duration"),
    ("1 s", "duration", "not a duration"),
    ("+1s", "duration", "not a duration"),
    ("P1D", "duration", "not a duration"),
    ("2020-01-01", "timestamp", "neither a timestamp nor a range 'A-B' of two (RFC 3339 such as"),
    ("2020-01-01T00:00Z", "timestamp", "neither a timestamp nor a range"),
    ("2020-13-01T00:00:00Z", "timestamp", "not a valid date and time"),
    ("2021-02-29T00:00:00Z", "timestamp", "not a valid date and time"),
    ("2020-01-01T24:00:00Z", "timestamp", "not a valid date and time"),
    ("2016-12-31T23:59:60Z", "timestamp", "not a valid date and time"),
    ("2020-01-01T00:00:00+24:00", "timestamp", "not a valid date and time"),
    ("2020-01-01T00:00:00+05:60", "timestamp", "not a valid date and time"),
    ("0000-01-01T00:00:00Z", "timestamp", "not a valid date and time"),
    ("2020-01-01T00:00:00.1234567891Z", "timestamp", "more than 9 fraction digits"),
    ("2020-01-01T00:00:00+0300", "timestamp", "neither a timestamp nor a range"),  # basic offset in extended form
    ("20200101T00:00:00Z", "timestamp", "not a timestamp"),  # mixed forms
    ("1577836800", "timestamp", "not a timestamp"),
    ("2021-01-01T00:00:00Z-2020-01-01T00:00:00Z", "timestamp", "lower bound exceeds"),
    ("2020-01-01T00:00:00Z-", "timestamp", "neither a timestamp nor a range"),
    ("2020-13-01T00:00:00Z-2021-01-01T00:00:00Z", "timestamp", "'2020-13-01T00:00:00Z' is not a valid date"),
    ("2020-01-01T00:00:00Z-2021-02-30T00:00:00Z", "timestamp", "'2021-02-30T00:00:00Z' is not a valid date"),
    ("<=2021-02-30T00:00:00Z", "timestamp", "'2021-02-30T00:00:00Z' is not a valid date"),
    ("1" * 120 + "h-1h", "duration", "too many digits"),
]


@pytest.mark.parametrize(("text", "kind", "problem"), MALFORMED)
def test_malformed(text: str, kind: ValueKind, problem: str) -> None:
    with pytest.raises(OptionSyntaxError, match=re.escape(problem)) as info:
        parse_bounds(text, kind)
    assert info.value.text == text
    assert repr(text) in str(info.value)  # the message names the option text


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown value kind 'bytes'"):
        parse_bounds("1", "bytes")  # type: ignore[arg-type]


def test_too_many_digits_for_exact_arithmetic() -> None:
    with pytest.raises(OptionSyntaxError, match="too many digits"):
        parse_bounds("1" * 120 + "h", "duration")
    # Plain numbers are exact at any length.
    assert parse_bounds("1" * 120, "number") == one("1" * 120, "1" * 120)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", "1"),
        ("1.5s", "1.5"),
        ("100ms", "0.1"),
        ("250us", "0.00025"),
        ("250\u00b5s", "0.00025"),
        ("250\u03bcs", "0.00025"),
        ("1ns", "0.000000001"),
        ("1m", "60"),
        ("1h", "3600"),
        ("24h", "86400"),
        ("1d", "86400"),
        ("1.25d", "108000"),
        ("1h30m", "5400"),
        ("1m1s1ms", "61.001"),
        ("-1.5h", "-5400"),
        ("0", "0"),
        ("0s", "0"),
        ("-0s", "0"),
        (" 2s ", "2"),
        ("315576000000s", "315576000000"),
    ],
)
def test_parse_duration(text: str, seconds: str) -> None:
    assert parse_duration(text) == Decimal(seconds)


@pytest.mark.parametrize("text", ["", "1", "s", "1.s", "1.5", "1h-", "1 h", "-", "--1s", "1s,2s", "<=1s", "1-2s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(OptionSyntaxError, match="not a duration"):
        parse_duration(text)


# ------------------------------------------------------------------------------------------------ intervals


@pytest.mark.parametrize(
    ("interval", "inside", "outside"),
    [
        (iv(None, 5), ["5", "-1000", "4.999"], ["5.0001", "6"]),
        (iv(None, 5, hi_open=True), ["4.999", "-7"], ["5", "5.0"]),
        (iv(0, None, lo_open=True), ["0.0001", "10"], ["0", "-1"]),
        (iv("0.5", "1.5"), ["0.5", "1", "1.5"], ["0.4999", "1.5001"]),
        (iv(-10, -1), ["-10", "-1"], ["0", "-11"]),
        (iv(None, None), ["0", "-1e30", "1e30"], []),
        (iv(3, 3), ["3", "3.000"], ["2.999", "3.001"]),
    ],
)
def test_contains(interval: Interval, inside: list[str], outside: list[str]) -> None:
    assert all(interval.contains(Decimal(x)) for x in inside)
    assert not any(interval.contains(Decimal(x)) for x in outside)


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("<5", (None, 4)),
        ("<=5", (None, 5)),
        (">5", (6, None)),
        (">=5", (5, None)),
        (">0.5", (1, None)),
        (">=0.5", (1, None)),
        ("<5.5", (None, 5)),
        ("<=-0.5", (None, -1)),
        (">-0.5", (0, None)),
        ("<-1", (None, -2)),
        ("-1-2147483647", (-1, 2147483647)),
        ("0.0-1.0", (0, 1)),
        ("0.2-0.8", (1, 0)),  # no integer inside: lo > hi
        ("7", (7, 7)),
    ],
)
def test_integer_bounds(text: str, bounds: tuple[int | None, int | None]) -> None:
    (interval,) = parse_bounds(text, "number")
    assert interval.integer_bounds() == bounds
    lo, hi = bounds
    if lo is not None:  # the bounds are the extreme integers inside
        assert interval.contains(Decimal(lo)) == (hi is None or lo <= hi)
        assert not interval.contains(Decimal(lo - 1))
    if hi is not None:
        assert interval.contains(Decimal(hi)) == (lo is None or lo <= hi)
        assert not interval.contains(Decimal(hi + 1))


def test_interval_is_frozen_and_hashable() -> None:
    interval = iv(1, 2)
    with pytest.raises(AttributeError):
        interval.lo = Decimal(0)  # type: ignore[misc]
    assert {interval, iv(1, 2), iv("1.0", "2.00")} == {interval}


def test_error_hierarchy_and_pickling() -> None:
    assert issubclass(OptionSyntaxError, ContractError)
    assert issubclass(OptionSyntaxError, YcContractsError)
    error = OptionSyntaxError("<=x", "not a number", option=LENGTH, field="a.B.c")
    assert str(error) == "a.B.c: option (yandex.cloud.length) = '<=x': not a number"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.text, copy.reason, copy.option, copy.field) == (
        OptionSyntaxError,
        str(error),
        "<=x",
        "not a number",
        LENGTH,
        "a.B.c",
    )


# ------------------------------------------------------------------------------------------------ integer patterns

_NON_CANONICAL = [
    "",
    "-",
    "+",
    "-0",
    "+0",
    "00",
    "-00",
    "007",
    "-007",
    "05",
    "+5",
    "--5",
    "5-",
    " 5",
    "5 ",
    "1.0",
    "1e2",
    "0x1",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: Python's \d would match it
    "\uff11",  # FULLWIDTH DIGIT ONE
    "1_000",
]


def _universe(lo: int, hi: int) -> list[str]:
    return [str(i) for i in range(lo, hi + 1)] + _NON_CANONICAL


def _matching(pattern: str, lines: str) -> set[str]:
    """The lines the pattern matches in full (one multiline scan instead of a match call per string)."""
    return set(re.findall(pattern, lines, flags=re.MULTILINE))


def test_integer_range_pattern_exhaustive_small_ranges() -> None:
    """Every [lo, hi] within [-120, 120] (and with a side or both unbounded), against every integer in
    [-1000, 1000] and non-canonical spellings."""
    universe = range(-1000, 1001)
    lines = "\n".join(_universe(-1000, 1000))
    bounds = [(lo, hi) for lo in range(-120, 121) for hi in range(lo, 121)]
    bounds += [(None, hi) for hi in range(-120, 121)] + [(lo, None) for lo in range(-120, 121)] + [(None, None)]
    for lo, hi in bounds:
        pattern = integer_range_pattern(lo, hi)
        expected = {str(i) for i in universe if (lo is None or lo <= i) and (hi is None or i <= hi)}
        assert _matching(pattern, lines) == expected, (lo, hi, pattern)


@pytest.mark.parametrize(
    ("lo", "hi", "pattern"),
    [
        (None, None, r"^(?:-[1-9][0-9]*|0|[1-9][0-9]*)$"),
        (0, None, r"^(?:0|[1-9][0-9]*)$"),
        (1, None, r"^(?:[1-9][0-9]*)$"),
        (None, -1, r"^(?:-[1-9][0-9]*)$"),
        (7, 7, r"^(?:7)$"),
        (0, 0, r"^(?:0)$"),
        (-5, 12, r"^(?:-[1-5]|0|[1-9]|1[0-2])$"),
        (10, 99, r"^(?:[1-9][0-9])$"),
        (100, 100000, r"^(?:[1-9][0-9]{2,4}|100000)$"),
        (0, 4294967295, None),
        (-2147483648, 2147483647, None),
    ],
)
def test_integer_range_pattern_shape(lo: int | None, hi: int | None, pattern: str | None) -> None:
    got = integer_range_pattern(lo, hi)
    if pattern is not None:
        assert got == pattern
    assert got.startswith("^(?:")
    assert got.endswith(")$")
    # Only constructs common to Python re and ECMA-262: no \d (Unicode digits in Python), no lookaround, no
    # named groups, no possessive or lazy quantifiers.
    assert not re.search(r"\\|\(\?[^:]|[*+?}]\?|[*+}]\+", got), got


def test_integer_range_pattern_is_compact() -> None:
    assert len(integer_range_pattern(-(2**63), 2**63 - 1)) < 1000
    assert len(integer_range_pattern(0, 2**64 - 1)) < 500
    assert len(integer_range_pattern(-(10**60) + 12345, 10**60 - 54321)) < 3000


def test_integer_range_pattern_empty_range() -> None:
    with pytest.raises(ValueError, match=r"empty integer range \[5, 4\]"):
        integer_range_pattern(5, 4)


FIXED_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


def _near(*points: int | None) -> st.SearchStrategy[int]:
    """Integers at and around the given bounds, around 0 and powers of ten, or anywhere in a wide range."""
    anchors = [p for p in points if p is not None] + [0] + [s * 10**k for k in range(22) for s in (1, -1)]
    return st.one_of(
        st.builds(lambda a, d: a + d, st.sampled_from(anchors), st.integers(-3, 3)),
        st.integers(-(2**66), 2**66),
        st.integers(),
    )


def _check_canonical(pattern: str, lo: int | None, hi: int | None, x: int) -> None:
    inside = (lo is None or lo <= x) and (hi is None or x <= hi)
    assert (re.fullmatch(pattern, str(x)) is not None) == inside, (lo, hi, x, pattern)
    # Non-canonical spellings of the same value never match.
    for spelling in (f"+{abs(x)}", f"0{abs(x)}", f"-0{abs(x)}", f"00{abs(x)}", f"{x} ", f" {x}", "-0"):
        assert re.fullmatch(pattern, spelling) is None, (lo, hi, spelling, pattern)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_integer_range_pattern_fixed_width_types(data: st.DataObject) -> None:
    lo, hi = FIXED_RANGES[data.draw(st.sampled_from(sorted(FIXED_RANGES)))]
    pattern = integer_range_pattern(lo, hi)
    _check_canonical(pattern, lo, hi, data.draw(_near(lo, hi)))


_BIG = st.one_of(st.integers(-(10**30), 10**30), st.integers(-(2**64), 2**64), st.integers(-1000, 1000))


@settings(max_examples=400, deadline=None)
@given(st.data(), st.one_of(st.none(), _BIG), st.one_of(st.none(), _BIG))
def test_integer_range_pattern_random_bounds(data: st.DataObject, a: int | None, b: int | None) -> None:
    lo, hi = (a, b) if a is None or b is None or a <= b else (b, a)
    pattern = integer_range_pattern(lo, hi)
    for _ in range(5):
        _check_canonical(pattern, lo, hi, data.draw(_near(lo, hi)))


_NODE_CHECK = """
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(([p, strings]) => strings.map((s) => new RegExp(p).test(s)))));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node (an ECMA-262 engine) is not installed")
def test_integer_range_pattern_means_the_same_in_ecmascript() -> None:
    ranges: list[tuple[int | None, int | None]] = [
        *FIXED_RANGES.values(),
        (None, None),
        (-5, 12),
        (None, -7),
        (123, None),
        (-(10**25) + 7, 10**20 - 3),
        (-120, -99),
    ]
    strings = [*_universe(-150, 150), "9223372036854775807", "9223372036854775808", "-9223372036854775808"]
    strings += ["-9223372036854775809", "18446744073709551615", "18446744073709551616", "4294967295", "4294967296"]
    strings += ["2147483647", "2147483648", "-2147483648", "-2147483649", str(10**20 - 3), str(10**20 - 2)]
    cases = [(integer_range_pattern(lo, hi), strings) for lo, hi in ranges]
    result = subprocess.run(
        ["node", "-e", _NODE_CHECK], input=json.dumps(cases), capture_output=True, text=True, check=True
    )
    ecma = json.loads(result.stdout)
    python = [[re.fullmatch(p, s) is not None for s in ss] for p, ss in cases]
    assert ecma == python


# ------------------------------------------------------------------------------------------------ field rules


@pytest.fixture(scope="module")
def forms_registry(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """tests/protos compiled (importing our protos/ for validation.proto) into a registry of its own."""
    out = tmp_path_factory.mktemp("forms") / "forms.binpb"
    generate.compile_descriptor_set(repo_root / "tests" / "protos", out, extra_includes=[repo_root / "protos"])
    return Registry.from_file_descriptor_set(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()))


@pytest.fixture(scope="module")
def forms(forms_registry: Registry) -> descriptor.Descriptor:
    return forms_registry.message_descriptor(FORMS)


@pytest.fixture(scope="module")
def rules_of(forms_registry: Registry, forms: descriptor.Descriptor) -> Callable[[str], FieldRules]:
    return lambda name: field_rules(forms_registry.options(forms.fields_by_name[name]), forms.fields_by_name[name])


EMPTY = FieldRules()
TS_2106 = calendar.timegm((2105, 12, 31, 23, 59, 59))
EXPECTED_RULES: dict[str, FieldRules] = {
    "length_le": FieldRules(length=one(None, 50)),
    "length_lt": FieldRules(length=one(None, 64, hi_open=True)),
    "length_ge": FieldRules(length=one(1, None)),
    "length_gt": FieldRules(length=one(0, None, lo_open=True)),
    "length_range": FieldRules(length=one(3, 63)),
    "length_exact": FieldRules(length=one(20, 20)),
    "length_list": FieldRules(length=(iv(36, 36), iv(40, 40))),
    "length_each": FieldRules(length=one(None, 253)),
    "size_le": FieldRules(size=one(None, 100)),
    "size_gt": FieldRules(size=one(0, None, lo_open=True)),
    "size_range": FieldRules(size=one(1, 10)),
    "size_exact": FieldRules(size=one(2, 2)),
    "size_map": FieldRules(size=one(None, 64), length=one(None, 63), pattern="[-_0-9a-z]*"),
    "value_negative_lo": FieldRules(value=one(-1, 2147483647), value_kind="number"),
    "value_negative_range": FieldRules(value=one(-10, -1), value_kind="number"),
    "value_uint64": FieldRules(value=one(1, None), value_kind="number"),
    "value_double": FieldRules(value=one("0.0", "1.0"), value_kind="number"),
    "value_gt": FieldRules(value=one(0, None, lo_open=True), value_kind="number"),
    "value_lt": FieldRules(value=one(None, 100, hi_open=True), value_kind="number"),
    "value_list": FieldRules(value=(iv(0, 0), iv(5, 10), iv(100, None, lo_open=True)), value_kind="number"),
    "value_float_gt": FieldRules(value=one("0.5", None, lo_open=True), value_kind="number"),
    "value_enum": FieldRules(value=(iv(1, 1), iv(2, 2)), value_kind="number"),
    "value_each": FieldRules(value=one(None, 1000), value_kind="number"),
    "duration_range": FieldRules(value=one(1, 60), value_kind="duration"),
    "duration_le": FieldRules(value=one(None, 86400), value_kind="duration"),
    "duration_fractional": FieldRules(value=(iv("0.1", None), iv("1.5", "1.5")), value_kind="duration"),
    "timestamp_ge": FieldRules(value=one(1577836800, None), value_kind="timestamp"),
    "timestamp_range": FieldRules(value=one(0, f"{TS_2106}.999999999"), value_kind="timestamp"),
    "bytes_on_bytes": FieldRules(bytes=one(None, 1048576)),
    "bytes_on_string": FieldRules(bytes=one(None, 1048576)),
    "pattern": FieldRules(pattern="[a-z][-a-z0-9]{1,61}[a-z0-9]"),
    "required_string": FieldRules(required=True),
    "required_int64": FieldRules(required=True),
    "required_enum": FieldRules(required=True),
    "required_message": FieldRules(required=True),
    "required_repeated": FieldRules(required=True),
    "required_false": EMPTY,
    "unique": FieldRules(unique=True),
    "unique_enum": FieldRules(unique=True),
    "unique_int64": FieldRules(unique=True),
    "map_key_string": FieldRules(
        map_key=MapKeyRules(value=one(1, 9999), pattern="[1-9][0-9]*", length=one(1, 4)),
    ),
    "map_key_labels": FieldRules(map_key=MapKeyRules(pattern="[a-z][-_0-9a-z]*", length=one(1, 63))),
    "map_key_int": FieldRules(map_key=MapKeyRules(value=one(0, 1000))),
    "combined": FieldRules(required=True, length=one(None, 50)),
    "plain": EMPTY,
    "source_uri": EMPTY,
    "source_content": EMPTY,
    "choice_a": EMPTY,
    "choice_b": EMPTY,
}


def test_every_field_of_the_fixture_is_expected(forms: descriptor.Descriptor) -> None:
    assert set(forms.fields_by_name) == set(EXPECTED_RULES)


@pytest.mark.parametrize("name", sorted(EXPECTED_RULES))
def test_field_rules_of_the_fixture(name: str, rules_of: Callable[[str], FieldRules]) -> None:
    rules = rules_of(name)
    assert rules == EXPECTED_RULES[name]
    assert rules.is_empty == (EXPECTED_RULES[name] == EMPTY)


def test_raw_keeps_the_options_as_written(rules_of: Callable[[str], FieldRules]) -> None:
    assert dict(rules_of("combined").raw) == {REQUIRED: True, LENGTH: "<=50"}
    assert dict(rules_of("value_negative_lo").raw) == {VALUE: "-1-2147483647"}
    assert dict(rules_of("required_false").raw) == {REQUIRED: False}
    assert dict(rules_of("plain").raw) == {}
    raw = rules_of("map_key_labels").raw
    assert dict(raw[MAP_KEY]) == {"pattern": "[a-z][-_0-9a-z]*", "length": "1-63"}  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        raw[LENGTH] = "x"  # type: ignore[index]


def test_field_rules_are_frozen_values(rules_of: Callable[[str], FieldRules]) -> None:
    rules = rules_of("combined")
    assert hash(rules) == hash(FieldRules(required=True, length=one(None, 50)))
    with pytest.raises(AttributeError):
        rules.required = False  # type: ignore[misc]


def test_oneof_exactly_one(forms_registry: Registry, forms: descriptor.Descriptor) -> None:
    source, optional_choice = forms.oneofs_by_name["source"], forms.oneofs_by_name["optional_choice"]
    assert forms_registry.options(source) == {EXACTLY_ONE: True}
    assert oneof_exactly_one(forms_registry.options(source)) is True
    assert oneof_exactly_one(forms_registry.options(optional_choice)) is False
    assert oneof_exactly_one({EXACTLY_ONE: False}) is False
    with pytest.raises(OptionSyntaxError, match="expected a bool, got str"):
        oneof_exactly_one({EXACTLY_ONE: "true"})


def test_field_rules_ignores_other_options(forms: descriptor.Descriptor) -> None:
    options = {"google.api.field_behavior": [2], "yandex.cloud.api.tools.field": object(), LENGTH: "<=5"}
    rules = field_rules(options, forms.fields_by_name["length_le"])
    assert rules == FieldRules(length=one(None, 5))
    assert dict(rules.raw) == {LENGTH: "<=5"}


def test_field_rules_accepts_map_key_as_a_mapping(forms: descriptor.Descriptor) -> None:
    rules = field_rules({MAP_KEY: {"pattern": "[a-z]+", "length": "", "value": None}}, forms.fields_by_name["size_map"])
    assert rules == FieldRules(map_key=MapKeyRules(pattern="[a-z]+"))


def test_false_flags_fit_any_field(forms: descriptor.Descriptor) -> None:
    assert field_rules({UNIQUE: False, REQUIRED: False}, forms.fields_by_name["value_gt"]).is_empty


MISFITS: list[tuple[str, Mapping[str, object], str, str]] = [
    # (field, options, option named in the message, problem)
    ("value_negative_lo", {LENGTH: "<=5"}, LENGTH, "applies to string and bytes fields, not to int64 fields"),
    ("length_le", {SIZE: "<=5"}, SIZE, "applies to repeated and map fields, not to string fields"),
    ("length_le", {UNIQUE: True}, UNIQUE, "applies to repeated (non-map) fields"),
    ("size_map", {UNIQUE: True}, UNIQUE, "not to map<string, string> fields"),
    ("length_le", {MAP_KEY: {"pattern": "a"}}, MAP_KEY, "applies to map fields"),
    ("length_le", {VALUE: "1-2"}, VALUE, "applies to numeric, enum, Duration and Timestamp fields"),
    ("size_map", {VALUE: "1-2"}, VALUE, "not to map<string, string> fields"),
    ("required_message", {VALUE: "1-2"}, VALUE, "not to yc_test.v1.Item fields"),
    ("value_gt", {PATTERN: "a"}, PATTERN, "applies to string fields"),
    ("bytes_on_bytes", {PATTERN: "a"}, PATTERN, "not to bytes fields"),
    ("value_gt", {BYTES: "<=1"}, BYTES, "applies to string, bytes and Struct/Value/ListValue fields"),
    ("required_message", {BYTES: "<=1"}, BYTES, "not to yc_test.v1.Item fields"),
    ("size_gt", {LENGTH: "<=1"}, LENGTH, "not to repeated yc_test.v1.Item fields"),
    ("duration_le", {LENGTH: "<=1"}, LENGTH, "not to google.protobuf.Duration fields"),
    ("required_enum", {LENGTH: "<=1"}, LENGTH, "not to enum yc_test.v1.Color fields"),
    ("length_le", {LENGTH: 50}, LENGTH, "expected a string, got int"),
    ("length_le", {REQUIRED: "true"}, REQUIRED, "expected a bool, got str"),
    ("length_le", {UNIQUE: 1}, UNIQUE, "expected a bool, got int"),
    ("length_le", {LENGTH: "<=x"}, LENGTH, "'x' is not a number"),
    ("length_le", {LENGTH: "<=1s"}, LENGTH, "'1s' is not a number"),
    ("size_le", {SIZE: "1,,2"}, SIZE, "item 2 of 3 is empty"),
    ("bytes_on_string", {BYTES: "<=1MiB"}, BYTES, "is not a number"),
    ("value_gt", {VALUE: "<=1h"}, VALUE, "'1h' is not a number"),
    ("duration_le", {VALUE: "1-2"}, VALUE, "neither a duration nor a range"),
    ("duration_le", {VALUE: "<=86400"}, VALUE, "'86400' is not a duration"),
    ("timestamp_ge", {VALUE: ">=2020-01-01"}, VALUE, "not a timestamp"),
    ("timestamp_ge", {VALUE: ">=1577836800"}, VALUE, "not a timestamp"),
    ("value_negative_lo", {VALUE: ""}, VALUE, "is empty"),
    ("pattern", {PATTERN: "[a-"}, PATTERN, "not a regular expression"),
    ("pattern", {PATTERN: ""}, PATTERN, "is empty"),
    ("map_key_int", {MAP_KEY: {"pattern": "[0-9]+"}}, f"{MAP_KEY}.pattern", "applies to string keys only"),
    ("map_key_int", {MAP_KEY: {"length": "<=3"}}, f"{MAP_KEY}.length", "applies to string keys only"),
    ("map_key_string", {MAP_KEY: {"length": "x"}}, f"{MAP_KEY}.length", "'x' is not a number"),
    ("map_key_string", {MAP_KEY: {"value": "<=1s"}}, f"{MAP_KEY}.value", "'1s' is not a number"),
    ("map_key_string", {MAP_KEY: {"pattern": "("}}, f"{MAP_KEY}.pattern", "not a regular expression"),
    ("map_key_string", {MAP_KEY: {"colour": "x"}}, MAP_KEY, "unknown members colour"),
    ("map_key_string", {MAP_KEY: {"length": 3}}, MAP_KEY, "member 'length': expected a string, got int"),
    ("map_key_string", {MAP_KEY: 5}, MAP_KEY, "expected a yandex.cloud.MapKeySpec message, got int"),
]


@pytest.mark.parametrize(("name", "options", "option", "problem"), MISFITS)
def test_field_rules_rejects(
    name: str, options: Mapping[str, object], option: str, problem: str, forms: descriptor.Descriptor
) -> None:
    field = forms.fields_by_name[name]
    with pytest.raises(OptionSyntaxError, match=re.escape(problem)) as info:
        field_rules(options, field)
    assert info.value.field == field.full_name
    assert info.value.option == option
    assert str(info.value).startswith(f"{FORMS}.{name}: option ({option}) = ")


def test_field_rules_error_shows_the_map_key_spec(forms_registry: Registry, forms: descriptor.Descriptor) -> None:
    field = forms.fields_by_name["map_key_labels"]
    spec = forms_registry.options(field)[MAP_KEY]
    with pytest.raises(OptionSyntaxError) as info:
        field_rules({MAP_KEY: spec}, forms.fields_by_name["length_le"])
    assert "option (yandex.cloud.map_key) = \"{pattern: '[a-z][-_0-9a-z]*', length: '1-63'}\"" in str(info.value)


# ------------------------------------------------------------------------------------------------ the contract


def _contract_fields() -> Iterator[descriptor.FieldDescriptor]:
    reg = yc_contracts.registry
    for name in reg.messages():
        yield from reg.message_descriptor(name).fields


def test_every_field_of_the_contract_has_valid_rules() -> None:
    """Every field and oneof of the package's own protos reads without error; these are the constrained ones."""
    reg = yc_contracts.registry
    rules = {f.full_name: field_rules(reg.options(f), f) for f in _contract_fields()}
    assert {name: r for name, r in rules.items() if not r.is_empty} == {
        "speechkit.stt.v3.GetRecognitionRequest.operation_id": FieldRules(required=True, length=one(None, 50)),
        "yandex.cloud.ai.ocr.v1.GetRecognitionRequest.operation_id": FieldRules(required=True, length=one(None, 50)),
        "yandex.cloud.ai.ocr.v1.RecognizeTextRequest.model": FieldRules(length=one(None, 50)),
        "yandex.cloud.operation.GetOperationRequest.operation_id": FieldRules(required=True),
        "yandex.cloud.operation.CancelOperationRequest.operation_id": FieldRules(required=True),
    }
    for name in reg.messages():
        for oneof in reg.message_descriptor(name).oneofs:
            assert oneof_exactly_one(reg.options(oneof)) is False
