"""The test registry of HTTP routes (``tests/protos/yc_test/v1/routes.proto``) and a query that sets every kind of
field it has: shared by the transcoder's tests and the gateway's, which check the same request both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import generate

from yc_contracts import Registry

ROOT: Final = Path(__file__).resolve().parents[1]
ROUTES_FILE: Final = "yc_test/v1/routes.proto"


def compile_routes(folder: Path) -> Registry:
    """tests/protos compiled with protoc into ``folder`` (importing our protos/), indexing routes.proto only."""
    out = folder / "routes.binpb"
    generate.compile_descriptor_set(ROOT / "tests" / "protos", out, extra_includes=[ROOT / "protos"])
    return Registry.from_file_descriptor_set(out.read_bytes(), [ROUTES_FILE])


EVERY_QUERY_KIND: Final = (
    "fDouble=1.5&f_float=-2.25&fInt32=-3&fInt64=-4000000000&fUint32=4294967295&fUint64=18446744073709551615"
    "&fSint32=-7&fSint64=-8&fFixed32=9&fFixed64=10&fSfixed32=-11&fSfixed64=-12&fBool=true&fString=hi+there%21"
    "&fBytes=AAH_&fEnum=2&rString=a&rString=b&r_int64=1&r_int64=%2B2&rEnum=LIGHT&rEnum=2"
    "&filter.pageSize=10&filter.page_token=t&filter.order=DARK&filter.part.count=3"
    "&labels[a]=1&labels[b.c]=2&codes[5]=x&since=2026-01-01T00:00:00Z&within=1.5s&readMask=title,size_bytes"
    "&minSize=5&onlyActive=false&prefix=p&cursor=&scopeShelf=s"
)
"""Query parameters for ``GET /v1/widgets`` setting every scalar kind, repeated fields, nested messages, maps and
well-known types, in both spellings of names."""

EVERY_QUERY_KIND_REQUEST: Final[dict[str, Any]] = {
    "fDouble": 1.5,
    "fFloat": -2.25,
    "fInt32": -3,
    "fInt64": "-4000000000",
    "fUint32": 4294967295,
    "fUint64": "18446744073709551615",
    "fSint32": -7,
    "fSint64": "-8",
    "fFixed32": 9,
    "fFixed64": "10",
    "fSfixed32": -11,
    "fSfixed64": "-12",
    "fBool": True,
    "fString": "hi there!",
    "fBytes": "AAH/",
    "fEnum": "DARK",
    "rString": ["a", "b"],
    "rInt64": ["1", "2"],
    "rEnum": ["LIGHT", "DARK"],
    "filter": {"pageSize": 10, "pageToken": "t", "order": "DARK", "part": {"count": 3}},
    "labels": {"a": "1", "b.c": "2"},
    "codes": {"5": "x"},
    "since": "2026-01-01T00:00:00Z",
    "within": "1.500s",
    "readMask": "title,sizeBytes",
    "minSize": "5",
    "onlyActive": False,
    "prefix": "p",
    "cursor": "",
    "scopeShelf": "s",
}
"""The request :data:`EVERY_QUERY_KIND` binds, as ``MessageToDict`` prints it."""
