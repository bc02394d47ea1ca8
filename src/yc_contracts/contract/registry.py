"""The descriptor registry: the one module that touches generated code.

Everything else in yc-contracts asks the registry for descriptors and message classes by full name (or by a
message class/instance, ours or the official SDK's, matched by full name) and never imports ``_gen``.

It also decodes the contract's custom options once, so callers see plain values:

- ``google.api.http`` → :class:`HttpRule` (with ``additional_bindings``) and :class:`Route` entries;
- ``yandex.cloud.api.operation`` → :class:`OperationTypes`, with the relative type names resolved the way
  protoc resolves names (innermost package scope first);
- ``yandex.cloud.*`` field and oneof validation options → :meth:`Registry.options`.
"""

from __future__ import annotations

import importlib
import importlib.resources
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any, Final, TypeAlias

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, message, message_factory

from yc_contracts.contract import pool as _pool
from yc_contracts.contract.errors import ContractError, MissingDependencyError, UnknownNameError

MessageRef: TypeAlias = str | type[message.Message] | message.Message
"""A message type named by full name, or given as a message class or instance (ours or another package's)."""

TYPE_URL_PREFIX: Final = "type.googleapis.com/"

# Well-known types a google.protobuf.Any may carry; loaded into the private pool so type URLs naming them
# resolve even when none of our files imports them.
_WELL_KNOWN_MODULES: Final = (
    "google.protobuf.any_pb2",
    "google.protobuf.duration_pb2",
    "google.protobuf.empty_pb2",
    "google.protobuf.field_mask_pb2",
    "google.protobuf.struct_pb2",
    "google.protobuf.timestamp_pb2",
    "google.protobuf.wrappers_pb2",
    "google.rpc.status_pb2",
    "google.rpc.code_pb2",  # the codes of google.rpc.Status, which Operation.error carries
)
_HTTP_VERBS: Final = ("get", "put", "post", "delete", "patch")
_HTTP_OPTION: Final = "google.api.http"
_OPERATION_OPTION: Final = "yandex.cloud.api.operation"


@dataclass(frozen=True)
class HttpRule:
    """One ``google.api.http`` binding of a method.

    ``verb`` is upper case (``"POST"``) or, for a custom rule, the custom kind as written. ``body`` is ``"*"``
    (the whole request), a field path, or ``""`` (no body); ``response_body`` likewise for the response.
    """

    verb: str
    path: str
    body: str = ""
    response_body: str = ""
    additional_bindings: tuple[HttpRule, ...] = ()

    def bindings(self) -> Iterator[HttpRule]:
        """This rule and its additional bindings, flattened (bindings of bindings are not allowed)."""
        yield self
        for extra in self.additional_bindings:
            yield from extra.bindings()


@dataclass(frozen=True)
class OperationTypes:
    """What a long-running method's ``Operation`` carries, by full name (``None`` where unspecified)."""

    response: str | None
    metadata: str | None


@dataclass(frozen=True)
class Method:
    """An RPC of the contract."""

    service: str
    """Full name of the service, e.g. ``"speechkit.stt.v3.AsyncRecognizer"``."""
    name: str
    input_type: str
    output_type: str
    client_streaming: bool
    server_streaming: bool
    http: HttpRule | None
    operation: OperationTypes | None
    deprecated: bool
    descriptor: descriptor.MethodDescriptor = field(repr=False, compare=False)

    @property
    def full_name(self) -> str:
        """``"speechkit.stt.v3.AsyncRecognizer.RecognizeFile"``."""
        return f"{self.service}.{self.name}"

    @property
    def grpc_path(self) -> str:
        """The HTTP/2 path gRPC uses: ``"/speechkit.stt.v3.AsyncRecognizer/RecognizeFile"``."""
        return f"/{self.service}/{self.name}"

    @property
    def routes(self) -> tuple[Route, ...]:
        """The method's HTTP routes (primary binding first)."""
        if self.http is None:
            return ()
        return tuple(Route(rule.verb, rule.path, rule.body, rule.response_body, self) for rule in self.http.bindings())


@dataclass(frozen=True)
class Route:
    """One HTTP route: a ``google.api.http`` binding together with the method it reaches."""

    verb: str
    path: str
    body: str
    response_body: str
    method: Method = field(repr=False)

    def __str__(self) -> str:
        return f"{self.verb} {self.path}"


@dataclass(frozen=True)
class Service:
    """A service of the contract and its methods, in declaration order."""

    full_name: str
    methods: tuple[Method, ...]
    file: str
    descriptor: descriptor.ServiceDescriptor = field(repr=False, compare=False)


class Registry:
    """Lookups over the contract's descriptors, held in yc-contracts' private descriptor pool.

    Use the shared instance, :data:`yc_contracts.registry`; build another only for a different set of files.
    Every lookup that can fail raises :class:`~yc_contracts.UnknownNameError` (a :class:`LookupError`) naming
    the closest names the contract does define.
    """

    def __init__(
        self,
        pool: descriptor_pool.DescriptorPool,
        files: Iterable[str],
        *,
        descriptor_set: descriptor_pb2.FileDescriptorSet | None = None,
    ) -> None:
        """Index the named files of ``pool``.

        Use :data:`yc_contracts.registry` for the contract itself; :meth:`from_file_descriptor_set` builds a
        registry over any other compiled protos (for example, another version of the contract).

        Raises:
            KeyError: a file is not in ``pool``.
        """
        self._pool = pool
        self._files = tuple(pool.FindFileByName(name) for name in files)
        self._descriptor_set = descriptor_set
        self._options_classes: dict[str, type[message.Message]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_file_descriptor_set(
        cls, fds: descriptor_pb2.FileDescriptorSet, files: Iterable[str] | None = None
    ) -> Registry:
        """A registry over a compiled ``FileDescriptorSet`` (``protoc --include_imports``), in a pool of its own.

        ``files`` names the files to index; by default every file outside ``google/``.

        Raises:
            ContractError: the set is incomplete or inconsistent (a missing import, a duplicate symbol).
        """
        pool = descriptor_pool.DescriptorPool()
        try:
            for file in fds.file:
                pool.Add(file)
            for wkt in _WELL_KNOWN_MODULES:  # so Any type URLs naming them resolve here too
                _pool.add_borrowed_file(importlib.import_module(wkt).DESCRIPTOR.name, pool)
        except (TypeError, KeyError, ValueError) as e:
            raise ContractError(f"cannot load the descriptor set: {e}") from e
        names = [f.name for f in fds.file if not f.name.startswith("google/")] if files is None else list(files)
        return cls(pool, names, descriptor_set=fds)

    # ----------------------------------------------------------------------------------------- files

    @property
    def descriptor_pool(self) -> descriptor_pool.DescriptorPool:
        """The private pool holding the contract (pass it to ``text_format``/``json_format`` for ``Any``)."""
        return self._pool

    @property
    def files(self) -> tuple[str, ...]:
        """Names of the contract's ``.proto`` files."""
        return tuple(f.name for f in self._files)

    def file_descriptor_set(self) -> descriptor_pb2.FileDescriptorSet:
        """The files and everything they import, with source info (comments) where protoc kept it.

        For the contract's registry this is the set generated with the code (package data).
        """
        if self._descriptor_set is None:
            data = importlib.resources.files("yc_contracts._gen").joinpath("descriptors.binpb").read_bytes()
            self._descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(data)
        return self._descriptor_set

    # -------------------------------------------------------------------------------------- messages

    @cached_property
    def _message_descriptors(self) -> dict[str, descriptor.Descriptor]:
        found: dict[str, descriptor.Descriptor] = {}

        def walk(descs: Iterable[descriptor.Descriptor]) -> None:
            for desc in descs:
                if not desc.GetOptions().map_entry:
                    found[desc.full_name] = desc
                walk(desc.nested_types)

        for file in self._files:
            walk(file.message_types_by_name.values())
        return found

    @cached_property
    def _enum_descriptors(self) -> dict[str, descriptor.EnumDescriptor]:
        found: dict[str, descriptor.EnumDescriptor] = {}
        for file in self._files:
            found.update({e.full_name: e for e in file.enum_types_by_name.values()})
        for desc in self._message_descriptors.values():
            found.update({e.full_name: e for e in desc.enum_types})
        return found

    def messages(self) -> tuple[str, ...]:
        """Full names of every message the contract's files define (nested ones included), sorted."""
        return tuple(sorted(self._message_descriptors))

    def enums(self) -> tuple[str, ...]:
        """Full names of every enum the contract's files define, sorted."""
        return tuple(sorted(self._enum_descriptors))

    @staticmethod
    def full_name(ref: MessageRef) -> str:
        """The full name of a message type given by name, class or instance.

        Raises:
            TypeError: ``ref`` is none of those.
        """
        if isinstance(ref, str):
            return ref.lstrip(".")
        desc = getattr(ref, "DESCRIPTOR", None)
        if isinstance(desc, descriptor.Descriptor):
            return desc.full_name
        raise TypeError(f"expected a message full name, class or instance, got {type(ref).__name__}")

    def message_descriptor(self, ref: MessageRef) -> descriptor.Descriptor:
        """Descriptor of a message type: the contract's own, or any type in the pool (e.g. well-known types).

        Raises:
            UnknownNameError: no such message.
            TypeError: ``ref`` is not a name, message class or message instance.
        """
        name = self.full_name(ref)
        found = self._message_descriptors.get(name)
        if found is not None:
            return found
        try:
            return self._pool.FindMessageTypeByName(name)
        except KeyError:
            raise UnknownNameError("message", name, self._message_descriptors) from None

    def message_class(self, ref: MessageRef) -> type[message.Message]:
        """Our class for a message type; a class or instance of another package is matched by full name.

        Raises:
            UnknownNameError: no such message.
            TypeError: ``ref`` is not a name, message class or message instance.
        """
        return message_factory.GetMessageClass(self.message_descriptor(ref))

    def coerce(self, msg: message.Message) -> message.Message:
        """``msg`` as an instance of our class of the same full name (the wire bytes are carried over).

        Our own instances are returned as they are; an official SDK instance becomes an equal instance of ours.

        Raises:
            UnknownNameError: the message type is not one the registry knows.
        """
        cls = self.message_class(msg)
        if type(msg) is cls:
            return msg
        return cls.FromString(msg.SerializeToString(deterministic=True))

    def enum_descriptor(self, name: str) -> descriptor.EnumDescriptor:
        """Descriptor of an enum by full name.

        Raises:
            UnknownNameError: no such enum.
        """
        name = name.lstrip(".")
        found = self._enum_descriptors.get(name)
        if found is not None:
            return found
        try:
            return self._pool.FindEnumTypeByName(name)
        except KeyError:
            raise UnknownNameError("enum", name, self._enum_descriptors) from None

    # --------------------------------------------------------------------------------------- Any

    @staticmethod
    def type_url(ref: MessageRef) -> str:
        """``type.googleapis.com/<full name>``, the type URL a ``google.protobuf.Any`` uses for ``ref``."""
        return TYPE_URL_PREFIX + Registry.full_name(ref)

    def resolve_type_url(self, type_url: str) -> type[message.Message]:
        """The message class a ``google.protobuf.Any`` type URL names.

        As in protobuf's own resolvers, the type name is what follows the last ``/``; the host part is not
        interpreted.

        Raises:
            UnknownNameError: the URL has no ``/`` or names a type the registry does not know.
        """
        if not isinstance(type_url, str) or "/" not in type_url or not type_url.rsplit("/", 1)[1]:
            raise UnknownNameError("type URL", str(type_url), (self.type_url(n) for n in self._message_descriptors))
        name = type_url.rsplit("/", 1)[1]
        try:
            return self.message_class(name)
        except UnknownNameError:
            raise UnknownNameError(
                "type URL", type_url, (self.type_url(n) for n in self._message_descriptors)
            ) from None

    # ------------------------------------------------------------------------------ services/methods

    @cached_property
    def _services(self) -> dict[str, Service]:
        services: dict[str, Service] = {}
        for file in self._files:
            for svc in file.services_by_name.values():
                methods = tuple(self._method(svc, m) for m in svc.methods)
                services[svc.full_name] = Service(svc.full_name, methods, file.name, svc)
        return services

    @cached_property
    def _methods(self) -> dict[str, Method]:
        return {m.full_name: m for svc in self._services.values() for m in svc.methods}

    def services(self) -> tuple[Service, ...]:
        """Every service of the contract, in file order."""
        return tuple(self._services.values())

    def service(self, name: str) -> Service:
        """A service by full name.

        Raises:
            UnknownNameError: no such service.
        """
        found = self._services.get(name.lstrip("."))
        if found is None:
            raise UnknownNameError("service", name, self._services)
        return found

    def methods(self) -> tuple[Method, ...]:
        """Every method of every service, in declaration order."""
        return tuple(self._methods.values())

    def method(self, name: str) -> Method:
        """A method by ``"pkg.Service.Method"`` or by its gRPC path ``"/pkg.Service/Method"``.

        Raises:
            UnknownNameError: no such method.
        """
        key = name.strip().lstrip("/").replace("/", ".")
        found = self._methods.get(key)
        if found is None:
            raise UnknownNameError("method", name, [*self._methods, *(m.grpc_path for m in self._methods.values())])
        return found

    def routes(self) -> tuple[Route, ...]:
        """Every HTTP route of every method (each additional binding is a route of its own)."""
        return tuple(route for m in self._methods.values() for route in m.routes)

    def route(self, spec: str) -> Route:
        """A route by its rule as written, ``"VERB /path/template"`` (e.g. ``"GET /operations/{operation_id}"``).

        This matches route templates, not concrete request paths.

        Raises:
            UnknownNameError: no route has that verb and template.
        """
        verb, _, path = spec.strip().partition(" ")
        wanted = f"{verb.upper()} {path.strip()}"
        for route in self.routes():
            if str(route) == wanted:
                return route
        raise UnknownNameError("route", spec, (str(r) for r in self.routes()))

    def operation_types(self, method: str | Method) -> OperationTypes | None:
        """The ``Operation`` response/metadata types of a long-running method, or ``None`` for other methods.

        Raises:
            UnknownNameError: no such method.
        """
        return (method if isinstance(method, Method) else self.method(method)).operation

    def grpc_module(self, service: str) -> ModuleType:
        """The generated gRPC module (``*Stub``, ``*Servicer``, ``add_*Servicer_to_server``) of a service.

        Raises:
            UnknownNameError: no such service.
            MissingDependencyError: ``grpcio`` is not installed (install ``yc-contracts[grpc]``).
        """
        from yc_contracts._gen import _index

        svc = self.service(service)
        if self._pool is not _pool.POOL or svc.file not in _index.GRPC_MODULES:
            raise ContractError(
                f"no generated gRPC stubs for {svc.full_name}: only the contract's own services have them"
            )
        try:
            return importlib.import_module(_index.GRPC_MODULES[svc.file])
        except ImportError as e:
            if e.name == "grpc":
                raise MissingDependencyError(
                    "the gRPC stubs need grpcio: install yc-contracts[grpc]", name="grpc"
                ) from e
            raise

    # ---------------------------------------------------------------------------------- options

    def options(self, desc: Any) -> dict[str, Any]:
        """Custom option values set on a descriptor, by extension full name.

        Works for message, field, oneof, enum, enum value, service and method descriptors of the pool.
        Scalars come back as Python values; message-typed options as messages of the private pool.
        """
        raw = desc.GetOptions()
        options_name = raw.DESCRIPTOR.full_name
        cls = self._options_class(options_name)
        parsed = cls.FromString(raw.SerializeToString())
        options_desc = self._pool.FindMessageTypeByName(options_name)
        values: dict[str, Any] = {}
        for ext in self._pool.FindAllExtensions(options_desc):
            if parsed.HasExtension(ext):  # type: ignore[arg-type]
                values[ext.full_name] = parsed.Extensions[ext]  # type: ignore[index]
        return values

    def _options_class(self, options_name: str) -> type[message.Message]:
        with self._lock:
            cls = self._options_classes.get(options_name)
            if cls is None:
                cls = message_factory.GetMessageClass(self._pool.FindMessageTypeByName(options_name))
                self._options_classes[options_name] = cls
            return cls

    def _method(self, svc: descriptor.ServiceDescriptor, m: descriptor.MethodDescriptor) -> Method:
        options = self.options(m)
        http = options.get(_HTTP_OPTION)
        op = options.get(_OPERATION_OPTION)
        package = svc.file.package
        return Method(
            service=svc.full_name,
            name=m.name,
            input_type=m.input_type.full_name,
            output_type=m.output_type.full_name,
            client_streaming=bool(m.client_streaming),
            server_streaming=bool(m.server_streaming),
            http=None if http is None else _http_rule(http),
            operation=None
            if op is None
            else OperationTypes(
                response=self._resolve_relative(op.response, package, m),
                metadata=self._resolve_relative(op.metadata, package, m),
            ),
            deprecated=m.GetOptions().deprecated,
            descriptor=m,
        )

    def _resolve_relative(self, name: str, package: str, where: descriptor.MethodDescriptor) -> str | None:
        """Resolve a type name written in an option as protoc resolves names: innermost scope first."""
        if not name:
            return None
        if name.startswith("."):
            candidates = [name[1:]]
        else:
            parts = package.split(".") if package else []
            candidates = [".".join([*parts[:i], name]) for i in range(len(parts), -1, -1)]
        for candidate in candidates:
            try:
                self._pool.FindMessageTypeByName(candidate)
            except KeyError:
                continue
            return candidate
        raise ContractError(f"{where.full_name}: option {_OPERATION_OPTION} names unknown type {name!r}")


def _http_rule(rule: Any) -> HttpRule:
    pattern = rule.WhichOneof("pattern")
    if pattern == "custom":
        verb, path = rule.custom.kind, rule.custom.path
    elif pattern in _HTTP_VERBS:
        verb, path = pattern.upper(), getattr(rule, pattern)
    else:
        raise ContractError(f"google.api.http rule without a pattern: {rule}")
    return HttpRule(
        verb=verb,
        path=path,
        body=rule.body,
        response_body=rule.response_body,
        additional_bindings=tuple(_http_rule(b) for b in rule.additional_bindings),
    )


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The registry of the contract's 9 files, built on first use."""
    global _default  # noqa: PLW0603 - a process-wide cache built once
    with _default_lock:
        if _default is None:
            _default = _load_generated()
        return _default


def _load_generated() -> Registry:
    """Import the generated modules (they register into the private pool) and index their files."""
    from yc_contracts._gen import _index

    for module in _index.MODULES.values():
        importlib.import_module(module)
    for wkt in _WELL_KNOWN_MODULES:
        _pool.add_borrowed_file(importlib.import_module(wkt).DESCRIPTOR.name)
    return Registry(_pool.POOL, _index.MODULES)
