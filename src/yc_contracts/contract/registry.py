"""The descriptor registry: the one module that touches generated code.

Everything else in yc-contracts asks the registry for descriptors and message classes by full name (or by a
message class/instance, ours or the official SDK's, matched by full name) and never imports ``_gen``.

It also decodes the contract's custom options once, so callers see plain values:

- ``google.api.http`` → :class:`HttpRule` (with ``additional_bindings``) and :class:`Route` entries;
- ``yandex.cloud.api.operation`` → :class:`OperationTypes`, with the relative type names resolved the way
  protoc resolves names (innermost package scope first);
- ``yandex.cloud.*`` field and oneof validation options → :meth:`Registry.options`.

Registries over other trees come from a ``FileDescriptorSet`` (:meth:`Registry.from_file_descriptor_set`), a folder
of ``.proto`` files compiled at run time (:meth:`Registry.from_proto_tree`), or installed generated modules such as
the official SDK's (:meth:`Registry.from_modules`). Decoding options never fails a listing: an option that cannot
be decoded is left out and recorded in :meth:`Registry.skipped` (and logged once), like a method's HTTP rule or
Operation types that make no sense.
"""

from __future__ import annotations

import importlib
import importlib.resources
import logging
import os
import pkgutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, Final, Literal, TypeAlias, TypeVar, cast

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, message, message_factory
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message import DecodeError

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
_GENERATED_SUFFIX: Final = "_pb2"
_DECODING_ERRORS: Final = (DecodeError, KeyError, TypeError, ValueError, AttributeError, RuntimeError)
"""What protobuf raises, across runtimes, for option bytes or extensions it cannot make sense of."""
_log = logging.getLogger(__name__)
_T = TypeVar("_T")
_HTTP_OPTION: Final = "google.api.http"
_OPERATION_OPTION: Final = "yandex.cloud.api.operation"


@dataclass(frozen=True)
class Skipped:
    """Something a registry left out rather than fail on, as a record (see :meth:`Registry.skipped`).

    ``kind`` says what: an ``"option"`` value that could not be decoded, a method's ``"http"`` rule or
    ``"operation"`` types that make no sense, or (building from modules) a ``"module"`` that cannot be imported or
    a ``"file"`` that cannot be loaded. ``subject`` is the full name of the element (the option's owner), the
    module or the file; ``name`` the option's extension full name, where there is one; ``reason`` one clause.
    """

    kind: Literal["option", "http", "operation", "module", "file"]
    subject: str
    reason: str
    name: str = ""

    def __str__(self) -> str:
        what = f"option ({self.name}) of {self.subject}" if self.name else f"{self.kind} {self.subject}"
        return f"skipped {what}: {self.reason}"


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
        self._extensions: dict[str, tuple[descriptor.FieldDescriptor, ...]] = {}
        self._skipped: dict[Skipped, None] = {}
        self._lock = threading.Lock()
        self._derived: dict[str, Any] = {}
        self._derived_lock = threading.RLock()

    @classmethod
    def from_file_descriptor_set(
        cls,
        fds: descriptor_pb2.FileDescriptorSet | bytes | str | os.PathLike[str],
        files: Iterable[str] | None = None,
    ) -> Registry:
        """A registry over a compiled ``FileDescriptorSet`` (``protoc --include_imports``), in a pool of its own.

        ``fds`` is the set, its serialized bytes, or the path of a file holding them. Files may come in any
        order; a file listed twice with the same content counts once. The ``google/protobuf``, ``google/api``,
        ``google/rpc`` and ``google/type`` files a set imports but leaves out are taken from the installed
        runtime. ``files`` names the files to index; by default every file outside ``google/``.

        Raises:
            ContractError: the set cannot be read, or is incomplete or inconsistent (a missing import, a
                duplicate symbol, two different files of one name).
        """
        fds = _read_descriptor_set(fds)
        pool = descriptor_pool.DescriptorPool()
        try:
            ordered = _dependency_order(fds.file)
            for file in ordered.values():
                for dependency in file.dependency:
                    if dependency not in ordered:
                        _borrow(dependency, file.name, pool)
                pool.Add(file)
            for wkt in _WELL_KNOWN_MODULES:  # so Any type URLs naming them resolve here too
                _pool.add_borrowed_file(importlib.import_module(wkt).DESCRIPTOR.name, pool)
        except (TypeError, KeyError, ValueError) as e:
            raise ContractError(f"cannot load the descriptor set: {e}") from e
        own = dict.fromkeys(f.name for f in fds.file if not f.name.startswith("google/"))
        names = list(own) if files is None else list(files)
        try:
            return cls(pool, names, descriptor_set=fds)
        except KeyError as e:
            raise ContractError(f"files= names a file the descriptor set does not hold: {e}") from None

    @classmethod
    def from_proto_tree(
        cls, root: str | os.PathLike[str], *, includes: Sequence[str | os.PathLike[str]] = ()
    ) -> Registry:
        """A registry over every ``.proto`` file under ``root``, compiled now with protoc (from grpcio-tools).

        Imports resolve against ``root``, then ``includes`` in order, then ``google/api`` and ``google/rpc`` from
        googleapis-common-protos and the well-known types; nothing is downloaded. The files under ``root`` are
        indexed (not those of ``includes``); comments are kept, as in :meth:`file_descriptor_set`.

        Raises:
            MissingDependencyError: grpcio-tools is not installed.
            ProtoTreeError: ``root`` is not a folder, holds no ``.proto`` file, or protoc reports an error.
            ContractError: the compiled files cannot be loaded.
        """
        from yc_contracts.contract import protoc

        tree = Path(root)
        fds = protoc.compile_tree(tree, includes=[Path(p) for p in includes])
        return cls.from_file_descriptor_set(fds, protoc.proto_files(tree))

    @classmethod
    def from_modules(cls, packages: Iterable[str | ModuleType], *, files: Iterable[str] | None = None) -> Registry:
        """A registry over installed generated code: every ``*_pb2`` module of the given packages (or the modules
        themselves), with the files they import, copied into a pool of its own.

        ``Registry.from_modules(["yandex.cloud"])`` indexes the official SDK's 1,076 files. The SDK's own classes
        and default-pool registrations are left as they are (the registry has classes of its own, which
        :meth:`coerce` converts to). A module that cannot be imported, or a file that cannot be loaded (another
        file of the same name came first, or a file it imports was skipped), is left out and recorded in
        :meth:`skipped`. ``files`` names the files to index; by default the files of the modules found.

        Raises:
            ModuleNotFoundError: a package itself cannot be found.
            ContractError: no generated module was found, or ``files`` names a file that was not loaded.
        """
        packages = list(packages)
        skipped: list[Skipped] = []
        found: dict[str, descriptor.FileDescriptor] = {}
        for module in _generated_modules(packages, skipped):
            desc = getattr(module, "DESCRIPTOR", None)
            if isinstance(desc, descriptor.FileDescriptor):
                _collect_file(desc, found, skipped, module.__name__)
        own = [name for name in found if not name.startswith("google/")]
        if not found:
            raise ContractError(f"no generated *{_GENERATED_SUFFIX} module in {', '.join(map(_name_of, packages))}")
        pool = descriptor_pool.DescriptorPool()
        fds = descriptor_pb2.FileDescriptorSet()
        loaded: set[str] = set()
        for name, desc in _file_order(found).items():
            proto = descriptor_pb2.FileDescriptorProto.FromString(desc.serialized_pb)
            try:
                pool.Add(proto)
            except (TypeError, KeyError, ValueError) as e:
                skipped.append(Skipped("file", name, f"cannot be loaded: {e}"))
                continue
            fds.file.append(proto)
            loaded.add(name)
        for wkt in _WELL_KNOWN_MODULES:
            _pool.add_borrowed_file(importlib.import_module(wkt).DESCRIPTOR.name, pool)
        names = [name for name in own if name in loaded] if files is None else list(files)
        missing = [name for name in names if name not in loaded]
        if missing:
            raise ContractError(f"files= names files that were not loaded: {', '.join(missing[:5])}")
        registry = cls(pool, names, descriptor_set=fds)
        for record in skipped:
            registry._skip(record)
        return registry

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

    def any_pool(self) -> DescriptorPool:
        """A pool to resolve ``Any`` types through when this registry alone cannot: its own files plus
        googleapis-common-protos' ``google/rpc/error_details.proto`` (``ErrorInfo``, ``RetryInfo``,
        ``BadRequest``, ``RequestInfo``…: the details a real service's ``google.rpc.Status`` carries, which the
        registry may not hold). For reading and printing such a message as REST JSON; built on first use, its
        files loaded on demand, kept as long as the registry."""
        return self.derived("contract.any_pool", self._build_any_pool)

    def _build_any_pool(self) -> DescriptorPool:
        from google.protobuf import descriptor_database, duration_pb2

        database = descriptor_database.DescriptorDatabase()
        files = self.file_descriptor_set().file
        for file in files:
            database.Add(file)
        present = {file.name for file in files}
        for module in (duration_pb2, importlib.import_module("google.rpc.error_details_pb2")):
            proto = descriptor_pb2.FileDescriptorProto()
            module.DESCRIPTOR.CopyToProto(proto)
            if proto.name not in present:
                database.Add(proto)
        return DescriptorPool(descriptor_db=database)

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

        Works for file, message, field, oneof, enum, enum value, service and method descriptors of the pool.
        Scalars come back as Python values; message-typed options as messages of the registry's pool; a repeated
        option (``google.api.method_signature``) as a tuple of its values, present when it has any. Options the
        pool has no extension for are not listed. Never raises for what the descriptor holds: an option that
        cannot be decoded is left out and recorded in :meth:`skipped`.
        """
        subject = str(getattr(desc, "full_name", None) or getattr(desc, "name", "?"))
        try:
            raw = desc.GetOptions()
            options_name = raw.DESCRIPTOR.full_name
            cls = self._options_class(options_name)
            data = raw.SerializeToString()
            extensions = self._extensions_of(options_name)
        except _DECODING_ERRORS as e:
            self._skip(Skipped("option", subject, f"the options cannot be read: {type(e).__name__}: {e}"))
            return {}
        values: dict[str, Any] = {}
        try:
            parsed = cls.FromString(data)
        except DecodeError:
            # One malformed value fails the whole message: decode each extension from its own bytes instead.
            fields = _split_fields(data)
            if fields is None:
                self._skip(Skipped("option", subject, "the options are not well-formed protobuf wire data"))
                return {}
            for ext in extensions:
                if ext.number in fields:
                    try:
                        self._read_extension(cls.FromString(fields[ext.number]), ext, values)
                    except _DECODING_ERRORS as e:
                        self._skip(_undecodable(subject, ext, e))
            return values
        for ext in extensions:
            try:
                self._read_extension(parsed, ext, values)
            except _DECODING_ERRORS as e:
                self._skip(_undecodable(subject, ext, e))
        return values

    @staticmethod
    def _read_extension(parsed: Any, ext: descriptor.FieldDescriptor, values: dict[str, Any]) -> None:
        if ext.is_repeated:  # HasExtension refuses repeated extensions ("a singular method is required")
            items: Sequence[Any] = parsed.Extensions[ext]
            if len(items):
                values[ext.full_name] = tuple(items)
        elif parsed.HasExtension(ext):
            values[ext.full_name] = parsed.Extensions[ext]

    def derived(self, name: str, build: Callable[[], _T]) -> _T:
        """What a higher layer derives from this registry (its route table, converters, schema documents): built
        by ``build()`` on first ask, once, and kept as long as the registry lives, never longer.

        (A cache beside the registry, keyed by it, would keep it alive through the values that refer to it.)
        """
        try:
            return cast("_T", self._derived[name])
        except KeyError:
            pass
        with self._derived_lock:
            if name not in self._derived:
                self._derived[name] = build()
            return cast("_T", self._derived[name])

    def skipped(self) -> tuple[Skipped, ...]:
        """What this registry has left out so far rather than fail on, in the order met (each once).

        Options are decoded when first asked for, so the list grows as the registry is used; listing
        :meth:`methods` decodes every method's options.
        """
        with self._lock:
            return tuple(self._skipped)

    def _skip(self, record: Skipped) -> None:
        with self._lock:
            if record in self._skipped:
                return
            self._skipped[record] = None
        _log.warning("%s", record)

    def _options_class(self, options_name: str) -> type[message.Message]:
        with self._lock:
            cls = self._options_classes.get(options_name)
            if cls is None:
                cls = message_factory.GetMessageClass(self._pool.FindMessageTypeByName(options_name))
                self._options_classes[options_name] = cls
            return cls

    def _extensions_of(self, options_name: str) -> tuple[descriptor.FieldDescriptor, ...]:
        # A pool only grows, and the registry's files (with every extension they can see) are loaded before it
        # is built; the contract's private pool is complete once default_registry() has imported _gen.
        found = self._extensions.get(options_name)
        if found is None:
            options_desc = self._pool.FindMessageTypeByName(options_name)
            found = self._extensions[options_name] = tuple(self._pool.FindAllExtensions(options_desc))
        return found

    def _method(self, svc: descriptor.ServiceDescriptor, m: descriptor.MethodDescriptor) -> Method:
        options = self.options(m)
        http = options.get(_HTTP_OPTION)
        op = options.get(_OPERATION_OPTION)
        rule = None
        if http is not None:
            try:
                rule = _http_rule(http)
            except ContractError as e:
                self._skip(Skipped("http", m.full_name, str(e), _HTTP_OPTION))
        operation = None
        if op is not None:
            try:
                operation = OperationTypes(
                    response=self._resolve_relative(op.response, svc.file.package, m),
                    metadata=self._resolve_relative(op.metadata, svc.file.package, m),
                )
            except ContractError as e:
                self._skip(Skipped("operation", m.full_name, str(e), _OPERATION_OPTION))
        return Method(
            service=svc.full_name,
            name=m.name,
            input_type=m.input_type.full_name,
            output_type=m.output_type.full_name,
            client_streaming=bool(m.client_streaming),
            server_streaming=bool(m.server_streaming),
            http=rule,
            operation=operation,
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


def _read_descriptor_set(
    fds: descriptor_pb2.FileDescriptorSet | bytes | str | os.PathLike[str],
) -> descriptor_pb2.FileDescriptorSet:
    if isinstance(fds, descriptor_pb2.FileDescriptorSet):
        return fds
    if isinstance(fds, message.Message):
        if fds.DESCRIPTOR.full_name != "google.protobuf.FileDescriptorSet":
            raise TypeError(f"expected a FileDescriptorSet, got a {fds.DESCRIPTOR.full_name}")
        return descriptor_pb2.FileDescriptorSet.FromString(fds.SerializeToString())
    if isinstance(fds, (bytes, bytearray, memoryview)):
        data = bytes(fds)
        where = "the bytes given"
    elif isinstance(fds, (str, os.PathLike)):
        try:
            data = Path(fds).read_bytes()
        except OSError as e:
            raise ContractError(f"cannot read the descriptor set {os.fspath(fds)}: {e.strerror or e}") from e
        where = os.fspath(fds)
    else:
        raise TypeError(f"expected a FileDescriptorSet, its bytes or a path, got {type(fds).__name__}")
    try:
        return descriptor_pb2.FileDescriptorSet.FromString(data)
    except DecodeError as e:
        raise ContractError(f"{where} is not a serialized FileDescriptorSet: {e}") from e


def _dependency_order(
    files: Iterable[descriptor_pb2.FileDescriptorProto],
) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """``files`` by name, each after the files of the set it imports; a repeated identical file counts once.

    Raises:
        ValueError: two different files of one name, or an import cycle.
    """
    by_name: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for file in files:
        first = by_name.setdefault(file.name, file)
        if first is not file and first != file:
            raise ValueError(f"the set holds two different files named {file.name!r}")
    ordered: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    visiting: list[str] = []

    def visit(name: str) -> None:
        # Recursive, as deep as the longest import chain (tens of files, whatever the size of the set).
        if name in ordered:
            return
        if name in visiting:
            raise ValueError(f"import cycle: {' -> '.join([*visiting[visiting.index(name) :], name])}")
        visiting.append(name)
        for dependency in by_name[name].dependency:
            if dependency in by_name:
                visit(dependency)
        visiting.pop()
        ordered[name] = by_name[name]

    for name in by_name:
        visit(name)
    return ordered


def _borrow(name: str, importer: str, pool: descriptor_pool.DescriptorPool) -> None:
    """Load a file the set imports but does not hold from the installed runtime, if it is a google file.

    Raises:
        ValueError: it is not one, or the runtime does not have it.
    """
    try:
        _pool.add_borrowed_file(name, pool)
        return
    except ImportError:
        raise ValueError(f"{importer} imports {name}, which the set does not hold") from None
    except KeyError:
        pass
    try:  # a google file no module imported yet: its generated module registers it (google/api/client_pb2, ...)
        importlib.import_module(name.removesuffix(".proto").replace("/", ".") + "_pb2")
        _pool.add_borrowed_file(name, pool)
    except (ImportError, KeyError):
        raise ValueError(f"{importer} imports {name}, which the set does not hold") from None


def _name_of(package: str | ModuleType) -> str:
    return package if isinstance(package, str) else package.__name__


def _generated_modules(packages: Iterable[str | ModuleType], skipped: list[Skipped]) -> Iterator[ModuleType]:
    """Every ``*_pb2`` module of the packages, each imported once; one that fails to import is recorded."""
    seen: set[str] = set()
    for package in packages:
        top = importlib.import_module(package) if isinstance(package, str) else package
        names = [top.__name__]
        path = getattr(top, "__path__", None)
        if path is not None:
            errors: list[str] = []
            walked = pkgutil.walk_packages(path, top.__name__ + ".", onerror=errors.append)
            names += sorted(info.name for info in walked if info.name.endswith(_GENERATED_SUFFIX))
            skipped.extend(Skipped("module", name, "the package cannot be imported") for name in errors)
        for name in names:
            if name in seen or not name.endswith(_GENERATED_SUFFIX):
                continue
            seen.add(name)
            try:
                module = importlib.import_module(name)
            except Exception as e:  # any failure of foreign generated code is recorded, not raised
                skipped.append(Skipped("module", name, f"cannot be imported: {type(e).__name__}: {e}"))
                continue
            yield module


def _collect_file(
    desc: descriptor.FileDescriptor, found: dict[str, descriptor.FileDescriptor], skipped: list[Skipped], module: str
) -> None:
    """``desc`` and the files it imports, keyed by name; a different file of a name already found is skipped."""
    stack = [desc]
    while stack:
        file = stack.pop()
        first = found.setdefault(file.name, file)
        if first is not file:
            if first.serialized_pb != file.serialized_pb and not any(
                s.kind == "file" and s.subject == file.name for s in skipped
            ):
                reason = f"{module} brings a different file of this name than the one found first"
                skipped.append(Skipped("file", file.name, reason))
            continue
        stack.extend(file.dependencies)


def _file_order(found: dict[str, descriptor.FileDescriptor]) -> dict[str, descriptor.FileDescriptor]:
    """``found`` with every file after the files it imports."""
    ordered: dict[str, descriptor.FileDescriptor] = {}
    for desc in found.values():
        stack: list[tuple[descriptor.FileDescriptor, bool]] = [(desc, False)]
        while stack:
            file, expanded = stack.pop()
            if file.name in ordered:
                continue
            if expanded:
                ordered[file.name] = found.get(file.name, file)
                continue
            stack.append((file, True))
            stack.extend((dep, False) for dep in reversed(file.dependencies) if dep.name not in ordered)
    return ordered


def _undecodable(subject: str, ext: descriptor.FieldDescriptor, error: Exception) -> Skipped:
    return Skipped("option", subject, f"cannot be decoded: {type(error).__name__}: {error}", ext.full_name)


def _split_fields(data: bytes) -> dict[int, bytes] | None:
    """The wire bytes of each field number of a serialized message (all its occurrences, in order), or ``None``
    when the bytes do not even split into fields (a truncated value, an unknown wire type)."""
    found: dict[int, bytearray] = {}
    pos = 0
    try:
        while pos < len(data):
            start = pos
            tag, pos = _varint(data, pos)
            pos = _skip_value(data, pos, tag)
            found.setdefault(tag >> 3, bytearray()).extend(data[start:pos])
    except (IndexError, ValueError):
        return None
    return {number: bytes(chunk) for number, chunk in found.items()}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("a varint longer than 10 bytes")


def _skip_value(data: bytes, pos: int, tag: int) -> int:
    """The position after the value of a field whose tag was just read."""
    wire = tag & 7
    if wire == 0:
        _, pos = _varint(data, pos)
    elif wire == 1:
        pos += 8
    elif wire == 5:
        pos += 4
    elif wire == 2:
        length, pos = _varint(data, pos)
        pos += length
    elif wire == 3:  # a group: fields up to the matching end-group tag
        while True:
            inner, pos = _varint(data, pos)
            if inner & 7 == 4:
                if inner >> 3 != tag >> 3:
                    raise ValueError("a group ends with another field's tag")
                return pos
            pos = _skip_value(data, pos, inner)
    else:
        raise ValueError(f"wire type {wire}")
    if pos > len(data):
        raise ValueError("truncated")
    return pos


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
