"""How much of the whole Yandex Cloud API works today, surface by surface (issue 17).

Builds the registry of every ``*_pb2`` module the official SDK (``yandexcloud``) ships, at run time, and runs each
surface over every message type and route of it (or a seeded sample), counting what works and grouping what
does not by exception type, with the first few reasons of each:

- **registry**: SDK import and registry build times, counts of files/messages/enums/services/methods/routes,
  and the custom options of every element decoded (nothing may raise; what is skipped is listed);
- **schemas**: a JSON Schema document per message type (``SchemaGenerator`` over the SDK registry, no service
  rules), each checked against the 2020-12 meta-schema; then the ``google.protobuf.Any`` document;
- **validators**: the public ``check(..., registry=)`` per type: the first use compiles the type's validator
  (timed, apart for the types reaching ``Any``), then the drawn instances are checked: accepted, rejected for
  ``yandex.cloud`` options only (expected of random data), or rejected for another reason (a bug); resident
  memory is sampled every 500 types (the cache of compiled validators is bounded);
- **converters**: ``--instances`` random instances per type, built with the SDK's classes:
  ``to_rest(msg) == MessageToDict(msg)`` and ``to_proto(MessageToDict(msg))`` byte-equal to ``ParseDict``'s;
- **transcoding**: an HTTP request per route built from its template, transcoded with ``registry=``: the right
  method, and the request message the template, body and query say.

Times are wall-clock; memory is the process's peak resident set after each surface (it only grows).

Usage: python bench/anyapi.py [--sample N] [--instances K] [--seed S] [--surfaces a,b] [--budget SECONDS]
       [--json FILE]

``--sample N`` draws N message types (and N routes); the default is all of them. ``--budget`` stops a surface
after that many seconds and says so.
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "anyapi"))  # the helper module the tests use (not a package here)

import sdk_tree  # noqa: E402 - put on the path just above
from google.protobuf import json_format, message  # noqa: E402
from google.protobuf.internal import api_implementation  # noqa: E402

import yc_contracts  # noqa: E402
from yc_contracts import Registry  # noqa: E402

SURFACES = ("registry", "schemas", "validators", "converters", "transcoding")
EXAMPLES = 3
EXPECTED_RULES = ("option.", "oneof.exactly_one", "content.")
"""Violations random data is expected to cause: ``yandex.cloud`` options (and exactly-one oneofs) it ignores, and
content inspection (keyed by type name, so the contract's inspectors also read the SDK's same-named requests)."""


# ------------------------------------------------------------------------------------------------ tallies


class Tally:
    """Counts of one surface: what worked, and what did not, grouped by kind (an exception type or a label)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = 0
        self.total = 0
        self.kinds: collections.Counter[str] = collections.Counter()
        self.examples: dict[str, list[str]] = {}
        self.notes: list[str] = []
        self.extra: dict[str, Any] = {}

    def good(self) -> None:
        self.ok += 1
        self.total += 1

    def bad(self, kind: str, subject: str, detail: str) -> None:
        self.total += 1
        self.kinds[kind] += 1
        found = self.examples.setdefault(kind, [])
        if len(found) < EXAMPLES:
            found.append(f"{subject}: {_short(detail)}")

    def failed(self, subject: str, error: BaseException) -> None:
        self.bad(type(error).__name__, subject, str(error))

    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "total": self.total,
            "failures": {kind: {"count": n, "examples": self.examples[kind]} for kind, n in self.kinds.most_common()},
            "notes": self.notes,
            **self.extra,
        }

    def lines(self) -> Iterator[str]:
        yield f"  {self.name}: {self.ok:,} of {self.total:,}"
        for kind, n in self.kinds.most_common():
            yield f"    {kind} x{n:,}"
            for example in self.examples[kind]:
                yield f"      - {example}"
        for note in self.notes:
            yield f"    note: {note}"


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _distribution(times: list[float]) -> str:
    if not times:
        return "none"
    ordered = sorted(times)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p90 {at(0.9):.1f} ms, p99 {at(0.99):.1f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


class Budget:
    """A surface's time allowance (``None``: unlimited)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.start = time.perf_counter()

    def spent(self) -> bool:
        return self.seconds is not None and time.perf_counter() - self.start > self.seconds

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


# ------------------------------------------------------------------------------------------------ registry


def registry_surface(report: dict[str, Any]) -> Registry:
    start = time.perf_counter()
    reg = sdk_tree.build_sdk_registry()  # the SDK's modules are imported here, once
    first = time.perf_counter() - start
    start = time.perf_counter()
    sdk_tree.build_sdk_registry()
    rebuild = time.perf_counter() - start
    data = reg.file_descriptor_set().SerializeToString()
    start = time.perf_counter()
    Registry.from_file_descriptor_set(type(reg.file_descriptor_set()).FromString(data))
    from_bytes = time.perf_counter() - start

    counts: dict[str, Any] = {"files": len(reg.files)}
    counts["messages"] = len(reg.messages())
    counts["message_types_with_map_entries"] = len(sdk_tree.message_types(reg))
    counts["enums"] = len(reg.enums())
    listing = Tally("services, methods and routes listed")
    try:
        counts["services"] = len(reg.services())
        counts["methods"] = len(reg.methods())
        counts["routes"] = len(reg.routes())
        listing.good()
    except Exception as e:
        listing.failed("Registry.methods()", e)

    options = Tally("elements whose options decode")
    found = 0
    start = time.perf_counter()
    for element in sdk_tree.elements(reg):
        try:
            found += len(reg.options(element))
            options.good()
        except Exception as e:
            options.failed(getattr(element, "full_name", str(element)), e)
    decode = time.perf_counter() - start
    skipped = list(reg.skipped()) if hasattr(reg, "skipped") else []
    options.extra = {"option_values": found, "seconds": round(decode, 3), "skipped": [str(s) for s in skipped]}
    report["registry"] = {
        "seconds": {
            "import_and_build": round(first, 3),
            "build": round(rebuild, 3),
            "from_bytes": round(from_bytes, 3),
        },
        "descriptor_set_bytes": len(data),
        "counts": counts,
        "listing": listing.summary(),
        "options": options.summary(),
        "peak_rss_mib": round(_peak_rss_mib()),
    }
    print(
        f"registry: SDK import + build {first:.2f} s, build again {rebuild:.2f} s, "
        f"from its {len(data) / 2**20:.1f} MiB descriptor set {from_bytes:.2f} s"
    )
    print("  " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()))
    for line in (*listing.lines(), *options.lines()):
        print(line)
    print(f"    {found:,} option values on {options.total:,} elements in {decode:.2f} s; {len(skipped)} skipped")
    for record in skipped[:EXAMPLES]:
        print(f"      - {record}")
    return reg


# ------------------------------------------------------------------------------------------------- schemas


def schemas_surface(reg: Registry, types: list[str], budget: Budget, report: dict[str, Any]) -> None:
    import jsonschema_rs

    from yc_contracts.schema.generator import SchemaGenerator
    from yc_contracts.schema.store import documents

    docs = documents(reg)
    gen = SchemaGenerator(reg, docs.rules)  # type: ignore[attr-defined]
    tally = Tally("message types with a schema valid under 2020-12")
    times: list[float] = []
    for name in types:
        if budget.spent():
            tally.notes.append(f"stopped by --budget after {tally.total:,} of {len(types):,} types")
            break
        start = time.perf_counter()
        try:
            doc = docs[name]
        except Exception as e:
            tally.failed(name, e)
            continue
        times.append(time.perf_counter() - start)
        if jsonschema_rs.meta.is_valid(doc):
            tally.good()
        else:
            tally.bad("not valid under the 2020-12 meta-schema", name, "jsonschema_rs.meta.is_valid is false")
    any_tally = Tally("the google.protobuf.Any document")
    any_info: dict[str, Any] = {}
    start = time.perf_counter()
    try:
        doc = gen.any_document()
        any_info = {
            "seconds": round(time.perf_counter() - start, 2),
            "mib": round(len(json.dumps(doc)) / 2**20, 1),
            "types": len(doc["properties"]["@type"]["enum"]),
        }
        any_tally.good()
        del doc
    except Exception as e:
        any_tally.failed("google.protobuf.Any", e)
        any_info = {"seconds": round(time.perf_counter() - start, 2)}
    report["schemas"] = {
        "per_type": {**tally.summary(), "seconds": round(sum(times), 2), "time": _distribution(times)},
        "any": {**any_tally.summary(), **any_info},
        "peak_rss_mib": round(_peak_rss_mib()),
    }
    print(f"schemas: {tally.ok:,} of {tally.total:,} types in {sum(times):.1f} s ({_distribution(times)})")
    for line in (*tally.lines(), *any_tally.lines()):
        print(line)
    if any_info.get("mib") is not None:
        print(f"    Any: {any_info['types']:,} types, {any_info['mib']} MiB of JSON, built in {any_info['seconds']} s")


# ---------------------------------------------------------------------------------------------- instances


def _instances(reg: Registry, name: str, count: int, seed: int, any_types: list[str]) -> list[message.Message]:
    maker = sdk_tree.InstanceMaker(random.Random(f"{seed}:{name}"), any_types)
    return [maker.make(name) for _ in range(count)]


# ---------------------------------------------------------------------------------------------- validators


def _rss_mib() -> float:
    """The resident set now (not the peak), from /proc."""
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def validators_surface(
    reg: Registry, types: list[str], *, instances: int, seed: int, budget: Budget, report: dict[str, Any]
) -> None:
    """The public ``check(..., registry=)`` over every type: the first use of a type compiles its validator
    (timed), then the drawn instances are checked. Memory is sampled as the types go by, to show the bounded
    cache (``CACHE_SIZE`` validators) keeps it flat."""
    from yc_contracts.validation.cache import CACHE_SCHEMA_BYTES, CACHE_SIZE
    from yc_contracts.validation.validator import compiled_for

    heavy = sdk_tree.reaching_any(reg)
    compiled = Tally("validators compiled on first use")
    verdicts = Tally("drawn instances accepted, or rejected for options only")
    times: list[float] = []
    heavy_times: list[float] = []
    checks: list[float] = []
    rss: list[tuple[int, float]] = []
    any_types = sdk_tree.message_types(reg, map_entries=False)
    start_rss = _rss_mib()
    for i, name in enumerate(types):
        if budget.spent():
            compiled.notes.append(f"stopped by --budget after {compiled.total:,} of {len(types):,} types")
            break
        start = time.perf_counter()
        try:
            compiled_for(name, registry=reg)
        except Exception as e:
            compiled.failed(name, e)
            continue
        (heavy_times if name in heavy else times).append(time.perf_counter() - start)
        compiled.good()
        for msg in _instances(reg, name, instances, seed, any_types):
            try:
                payload = json_format.MessageToDict(msg)
                start = time.perf_counter()
                found = [v for v in yc_contracts.check(name, payload, registry=reg) if v.severity == "error"]
                checks.append(time.perf_counter() - start)
            except Exception as e:
                verdicts.failed(name, e)
                continue
            other = [v for v in found if not v.rule.startswith(EXPECTED_RULES)]
            if other:
                verdicts.bad(f"rejected for {other[0].rule}", name, f"{other[0].path}: {other[0].message}")
            else:
                verdicts.good()
        if i % 500 == 499:
            rss.append((i + 1, _rss_mib()))
    rss.append((len(types), _rss_mib()))
    report["validators"] = {
        "compiled": {**compiled.summary(), "seconds": round(sum(times) + sum(heavy_times), 2)},
        "compile_time": _distribution(times),
        "compile_time_reaching_any": _distribution(heavy_times),
        "check_time": _distribution(checks),
        "reaching_any": len([n for n in types if n in heavy]),
        "instances": verdicts.summary(),
        "cache_size": CACHE_SIZE,
        "cache_schema_mib": CACHE_SCHEMA_BYTES // 2**20,
        "rss_mib_by_types_used": [(n, round(m)) for n, m in rss],
        "rss_mib_at_start": round(start_rss),
        "peak_rss_mib": round(_peak_rss_mib()),
    }
    print(
        f"validators: compiled {compiled.ok:,} of {compiled.total:,} types on first use in "
        f"{sum(times) + sum(heavy_times):.1f} s; {len(heavy_times):,} of them reach Any"
    )
    print(f"    compile, types not reaching Any: {_distribution(times)}")
    print(f"    compile, types reaching Any:     {_distribution(heavy_times)}")
    print(f"    check of a drawn instance:       {_distribution(checks)}")
    print(
        f"    resident memory (cache: {CACHE_SIZE} validators, {CACHE_SCHEMA_BYTES // 2**20} MiB of schema JSON): "
        f"{start_rss:,.0f} MiB at the start, then " + ", ".join(f"{m:,.0f} after {n:,}" for n, m in rss)
    )
    for line in (*compiled.lines(), *verdicts.lines()):
        print(line)


# ---------------------------------------------------------------------------------------------- converters


def converters_surface(
    reg: Registry, types: list[str], *, instances: int, seed: int, budget: Budget, report: dict[str, Any]
) -> None:
    conv = sdk_tree.converters(reg)
    to_rest = Tally("to_rest equal to MessageToDict")
    to_proto = Tally("to_proto(MessageToDict) byte-equal to ParseDict")
    reference = Tally("instances json_format itself can print and parse")
    any_types = sdk_tree.message_types(reg, map_entries=False)
    start = time.perf_counter()
    for done, name in enumerate(types):
        if budget.spent():
            to_proto.notes.append(f"stopped by --budget after {done:,} of {len(types):,} types")
            break
        cls = sdk_tree.sdk_class(name)
        for msg in _instances(reg, name, instances, seed, any_types):
            try:
                printed = json_format.MessageToDict(msg)
                expected = json_format.ParseDict(printed, cls()).SerializeToString(deterministic=True)
            except Exception as e:
                reference.failed(name, e)
                continue
            reference.good()
            try:
                if sdk_tree.same_json(conv.to_rest(msg), printed):
                    to_rest.good()
                else:
                    to_rest.bad("differs", name, _first_difference(conv.to_rest(msg), printed))
            except Exception as e:
                to_rest.failed(name, e)
            try:
                message_built = conv.to_proto(name, printed)
                built = message_built.SerializeToString(deterministic=True)
                if built == expected:
                    to_proto.good()
                else:
                    to_proto.bad("not byte-equal", name, f"{len(built)} bytes against {len(expected)}")
            except Exception as e:
                to_proto.failed(name, e)
    elapsed = time.perf_counter() - start
    report["converters"] = {
        "how": conv.how,
        "reference": reference.summary(),
        "to_rest": to_rest.summary(),
        "to_proto": to_proto.summary(),
        "seconds": round(elapsed, 2),
        "peak_rss_mib": round(_peak_rss_mib()),
    }
    print(f"converters ({conv.how}), {instances} instances per type, {elapsed:.1f} s:")
    for line in (*reference.lines(), *to_rest.lines(), *to_proto.lines()):
        print(line)


def _first_difference(got: Any, want: Any, path: str = "") -> str:
    if isinstance(got, dict) and isinstance(want, dict):
        for key in [*want, *(k for k in got if k not in want)]:
            if key not in got:
                return f"{path}/{key}: missing"
            if key not in want:
                return f"{path}/{key}: unexpected"
            if not sdk_tree.same_json(got[key], want[key]):
                return _first_difference(got[key], want[key], f"{path}/{key}")
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            if not sdk_tree.same_json(a, b):
                return _first_difference(a, b, f"{path}/{i}")
    return f"{path or '/'}: {_short(repr(got), 80)} instead of {_short(repr(want), 80)}"


# --------------------------------------------------------------------------------------------- transcoding


def transcoding_surface(reg: Registry, routes: list[Any], seed: int, budget: Budget, report: dict[str, Any]) -> None:
    from yc_contracts.transcoding.routes import table_for

    tally = Tally("routes transcoding to their method and request")
    start = time.perf_counter()
    try:
        table_for(reg)
        table_seconds = time.perf_counter() - start
    except Exception as e:
        tally.failed("the route table", e)
        table_seconds = time.perf_counter() - start
    by_template = collections.defaultdict(list)
    try:
        for route in reg.routes():
            by_template[(route.verb, route.path)].append(route.method.full_name)
    except Exception as e:
        tally.failed("Registry.routes()", e)
        tally.notes.append("the routes cannot be listed, so none can be transcoded")
    duplicates = {key: names for key, names in by_template.items() if len(names) > 1}
    any_types = sdk_tree.message_types(reg, map_entries=False)
    times: list[float] = []
    for route in routes:
        if budget.spent():
            tally.notes.append(f"stopped by --budget after {tally.total:,} of {len(routes):,} routes")
            break
        _transcode_one(reg, route, seed=seed, any_types=any_types, duplicates=duplicates, tally=tally, times=times)
    elapsed = time.perf_counter() - start
    report["transcoding"] = {
        **tally.summary(),
        "route_table_seconds": round(table_seconds, 3),
        "duplicate_templates": {f"{v} {p}": names for (v, p), names in duplicates.items()},
        "seconds": round(elapsed, 2),
        "time": _distribution(times),
        "peak_rss_mib": round(_peak_rss_mib()),
    }
    print(
        f"transcoding: {tally.ok:,} of {tally.total:,} routes in {elapsed:.1f} s (route table {table_seconds:.2f} s; "
        f"per request {_distribution(times)})"
    )
    for line in tally.lines():
        print(line)
    if duplicates:
        print(f"    {len(duplicates)} verb+template pairs are declared by more than one method:")
        for (verb, path), names in list(duplicates.items())[:EXAMPLES]:
            print(f"      - {verb} {path}: {', '.join(names)}")


def _transcode_one(
    reg: Registry,
    route: Any,
    *,
    seed: int,
    any_types: list[str],
    duplicates: Mapping[tuple[str, str], list[str]],
    tally: Tally,
    times: list[float],
) -> None:
    """Transcode one request built from ``route``'s template and tally the verdict."""
    subject = f"{route.verb} {route.path}"
    rng = random.Random(f"{seed}:{subject}:{route.method.full_name}")
    try:
        request = sdk_tree.route_request(route, sdk_tree.InstanceMaker(rng, any_types, special=False), rng)
    except Exception as e:
        tally.bad(f"harness: {type(e).__name__}", subject, str(e))
        return
    body = None if request.body is None else json.dumps(request.body)
    begin = time.perf_counter()
    try:
        # Without validation: random bodies break their options (the validators surface counts those).
        call = yc_contracts.transcode(
            request.verb, request.path, query=request.query, body=body, registry=reg, validate=False
        )
    except Exception as e:
        tally.bad(type(e).__name__, f"{subject} as {request.verb} {request.path}", str(e))
        return
    times.append(time.perf_counter() - begin)
    if call.method != route.method.grpc_path:
        if (route.verb, route.path) in duplicates:
            tally.bad("same verb and template as another method's route", subject, f"reached {call.method}")
        else:
            tally.bad("wrong method", f"{subject} as {request.path}", f"reached {call.method}")
        return
    got = call.request.SerializeToString(deterministic=True)
    want = request.expected.SerializeToString(deterministic=True)
    if got != want:
        difference = _first_difference(_as_json(reg, call.request), json_format.MessageToDict(request.expected))
        tally.bad("wrong request", f"{subject} as {request.path}", difference)
        return
    tally.good()


def _as_json(reg: Registry, msg: message.Message) -> Any:
    return json_format.MessageToDict(msg, descriptor_pool=reg.descriptor_pool)


# ---------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=None, help="N message types and N routes (default: all)")
    parser.add_argument("--instances", type=int, default=3, help="random instances per type (default 3)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--surfaces", default=",".join(SURFACES), help=f"a subset of {','.join(SURFACES)}")
    parser.add_argument("--budget", type=float, default=None, help="seconds per surface (default: none)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    surfaces = [s.strip() for s in args.surfaces.split(",") if s.strip()]
    unknown = set(surfaces) - set(SURFACES)
    if unknown:
        parser.error(f"unknown surfaces {', '.join(sorted(unknown))}")
    if not sdk_tree.HAVE_SDK:
        print("yandexcloud is not installed: run this in the protobuf 6 environment (.venv or .venv-pb6)")
        return 2

    versions = {
        "yandexcloud": metadata.version("yandexcloud"),
        "protobuf": metadata.version("protobuf"),
        "backend": api_implementation.Type(),
        "python": platform.python_version(),
        "yc_contracts": yc_contracts.__version__,
    }
    print(
        f"yandexcloud {versions['yandexcloud']}, protobuf {versions['protobuf']} ({versions['backend']}), "
        f"Python {versions['python']}; sample {args.sample or 'all'}, {args.instances} instances per type, "
        f"seed {args.seed}"
    )
    report: dict[str, Any] = {"versions": versions, "arguments": {k: str(v) for k, v in vars(args).items()}}
    reg = registry_surface(report)
    types = sdk_tree.sample(sdk_tree.message_types(reg), args.sample, args.seed)
    try:
        routes = sdk_tree.sample(list(reg.routes()), args.sample, args.seed)
    except Exception as e:
        print(f"no routes to transcode: {type(e).__name__}: {e}")
        routes = []
    steps: dict[str, Callable[[], None]] = {
        "schemas": lambda: schemas_surface(reg, types, Budget(args.budget), report),
        "validators": lambda: validators_surface(
            reg, types, instances=args.instances, seed=args.seed, budget=Budget(args.budget), report=report
        ),
        "converters": lambda: converters_surface(
            reg, types, instances=args.instances, seed=args.seed, budget=Budget(args.budget), report=report
        ),
        "transcoding": lambda: transcoding_surface(reg, routes, args.seed, Budget(args.budget), report),
    }
    for name in SURFACES[1:]:
        if name in surfaces:
            start = time.perf_counter()
            steps[name]()
            print(f"  ({name}: {time.perf_counter() - start:.1f} s, peak RSS so far {_peak_rss_mib():,.0f} MiB)")
    report["peak_rss_mib"] = round(_peak_rss_mib())
    print(f"peak RSS {_peak_rss_mib():,.0f} MiB")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
