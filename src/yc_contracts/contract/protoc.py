"""``.proto`` trees compiled at run time (for ``yc-contracts breaking``), and trees taken from a git revision.

protoc comes from ``grpcio-tools`` when it is installed; nothing else is downloaded or looked for. Imports resolve
against the tree itself, any extra roots given, ``googleapis-common-protos``' ``google/api`` and ``google/rpc``
files (copied to a scratch folder, so no other ``.proto`` file installed in site-packages is visible), and the
well-known types ``grpcio-tools`` bundles.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from google.protobuf import descriptor_pb2

from yc_contracts.contract.errors import MissingDependencyError, YcContractsError


class ProtoTreeError(YcContractsError):
    """A tree of ``.proto`` files that cannot be compiled or found (protoc's own words are in the message)."""


def _protoc_available() -> Path:
    spec = importlib.util.find_spec("grpc_tools")
    if spec is None or spec.origin is None:
        raise MissingDependencyError(
            "compiling .proto files needs protoc from grpcio-tools: pip install grpcio-tools", name="grpc_tools"
        )
    return Path(spec.origin).parent / "_proto"


def _googleapis(scratch: Path) -> Path:
    spec = importlib.util.find_spec("google.api")
    root = scratch / "googleapis"
    if spec is None or not spec.submodule_search_locations:
        return root
    site_google = Path(next(iter(spec.submodule_search_locations))).parent
    for sub in ("api", "rpc"):
        dest = root / "google" / sub
        dest.mkdir(parents=True, exist_ok=True)
        for proto in sorted((site_google / sub).glob("*.proto")):
            shutil.copyfile(proto, dest / proto.name)
    return root


def proto_files(root: Path) -> list[str]:
    """The ``.proto`` files under ``root``, as import paths (``a/b.proto``), sorted; hidden folders skipped."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.proto")
        if not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def compile_tree(root: Path, *, includes: Sequence[Path] = ()) -> descriptor_pb2.FileDescriptorSet:
    """Every ``.proto`` file under ``root``, compiled with everything it imports (and comments, for positions).

    Raises:
        MissingDependencyError: grpcio-tools is not installed.
        ProtoTreeError: ``root`` holds no ``.proto`` file, or protoc reports an error.
    """
    well_known = _protoc_available()
    if not root.is_dir():
        raise ProtoTreeError(f"{root} is not a folder")
    files = proto_files(root)
    if not files:
        raise ProtoTreeError(f"{root} holds no .proto file")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "descriptors.binpb"
        roots = [root, *includes, _googleapis(Path(scratch)), well_known]
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            *(f"-I{r}" for r in roots),
            "--include_imports",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *files,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ProtoTreeError(f"protoc cannot compile {root}:\n{result.stderr.strip()}")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise ProtoTreeError("git is not installed: pass --against a folder of .proto files instead of a revision")
    return subprocess.run([git, *args], cwd=cwd, capture_output=True, check=False)


def is_git_revision(ref: str, where: Path) -> bool:
    """Whether ``ref`` names a commit in the git repository that holds ``where``."""
    if ref.startswith("-"):
        return False
    return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], where).returncode == 0


def export_revision(ref: str, tree: Path, dest: Path) -> Path:
    """The folder ``tree`` (inside a git work tree) as of revision ``ref``, unpacked under ``dest``.

    Uses ``git archive``: the repository, its index and its work tree are only read.

    Raises:
        ProtoTreeError: ``tree`` is not in a git repository, ``ref`` is no commit, or the folder does not exist at
            that revision.
    """
    where = tree if tree.is_dir() else Path.cwd()
    top = _git(["rev-parse", "--show-toplevel"], where)
    if top.returncode != 0:
        raise ProtoTreeError(f"{where} is not in a git repository, so {ref!r} names no revision")
    root = Path(top.stdout.decode().strip()).resolve()
    try:
        relative = tree.resolve().relative_to(root).as_posix()
    except ValueError:
        raise ProtoTreeError(f"{tree} is outside the git repository at {root}") from None
    if not is_git_revision(ref, root):
        raise ProtoTreeError(f"{ref!r} is neither a folder nor a revision of the git repository at {root}")
    archive = _git(["archive", "--format=tar", ref, "--", relative], root)
    if archive.returncode != 0:
        raise ProtoTreeError(f"{ref}: git cannot export {relative}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    found = dest / relative
    if not found.is_dir():
        raise ProtoTreeError(f"{relative} does not exist at revision {ref}")
    return found
