"""``return_mode="file"``: write a model, and its external data, so that an interruption
at any point leaves either the old files or the new ones.

A model with external data is a *pair*: ``model.onnx`` and a data file it names.
The data file gets a name unique to this write (``model.onnx.<8 hex>.data``), so
writing it never touches the data file of the model currently at ``path``:

1. both files are written completely into a temp dir beside ``path``
   (``.jax2onnx-*``, removed at the end, also on failure);
2. the new data file is moved beside ``path`` under its unique name (the old
   model still reads its own, untouched data file);
3. the model file is renamed over ``path`` — one atomic ``os.replace``: the
   switch from the old pair to the new pair;
4. the data file(s) of the old model — only files it referenced *and* named
   like ours (``<base>.data``, ``<base>.<tag>.data``) — are deleted.

A failure before step 3 removes what this write created (the old pair stays);
a failure in step 4 only leaves an unreferenced old data file (logged). A model
without weights large enough for external data gets no data file even with
``external_data=True``; a self-contained model replacing a pair removes the
old pair's data file (step 4), so no stale data file seems to belong to it.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tempfile

from .errors import ConversionError

__all__ = ["EXTERNAL_DATA_AUTO_BYTES", "check_output_path", "write_model_file", "data_file_pattern"]

log = logging.getLogger("jax2onnx")

#: ``external_data=None`` puts weights into a data file above this size
#: (protobuf cannot hold more than 2 GiB; keep headroom for the graph itself)
EXTERNAL_DATA_AUTO_BYTES = 2**31 - 2**27


def data_file_pattern(base: str) -> re.Pattern:
    """Names of data files a write of ``base`` creates (or an older version created)."""
    return re.compile(re.escape(base) + r"(\.[0-9a-f]{8})?\.data")


def check_output_path(output_path) -> str:
    """Validate ``output_path`` for ``return_mode='file'``; return it as a str."""
    if not isinstance(output_path, (str, os.PathLike)):
        raise TypeError(f"output_path must be a str or os.PathLike, got {type(output_path).__name__}")
    path = os.fspath(output_path)
    if isinstance(path, bytes):
        raise TypeError("output_path must be a str path, not bytes")
    if not path.strip():
        raise ValueError("output_path is empty; give a file path such as 'model.onnx'")
    seps = (os.sep, os.altsep) if os.altsep else (os.sep,)
    if path.endswith(seps):
        raise ValueError(
            f"output_path {path!r} ends with a path separator (a directory); give a file path "
            f"such as {os.path.join(path, 'model.onnx')!r}"
        )
    if os.path.isdir(path):
        raise ValueError(f"output_path {path!r} is a directory; give a file path such as model.onnx")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ValueError(f"output_path {path!r}: directory {parent!r} does not exist")
    return path


def _weight_bytes(model) -> int:
    if hasattr(model, "SerializeToString"):
        return sum(t.ByteSize() for t in model.graph.initializer)
    from .converter2.serialize import initializer_bytes

    return initializer_bytes(model)


def _serialize(model, tmp: str, data_name: str | None) -> None:
    """Write ``model`` to ``tmp`` (weights to ``data_name`` beside it when given)."""
    from .converter2.serialize import save

    if hasattr(model, "SerializeToString"):  # legacy ModelProto
        if data_name is None:
            import onnx

            onnx.save_model(model, tmp)
            return
        import onnx_ir as ir

        model = ir.from_proto(model)  # wraps the tensors; written one at a time
    save(model, tmp, external_data=data_name)


def _old_data_files(path: str, directory: str, base: str) -> list[str]:
    """Data files of the model now at ``path`` that one of our writes created."""
    if not os.path.isfile(path):
        return []
    pattern = data_file_pattern(base)
    try:
        candidates = {n for n in os.listdir(directory) if pattern.fullmatch(n)}
    except OSError:
        return []
    if not candidates:
        return []
    try:
        import onnx

        proto = onnx.load(path, load_external_data=False)
    except Exception as e:  # not a model we can read: leave its neighbours alone
        log.debug("could not read the previous %s (%s); keeping its files", path, e)
        return []
    used = {e.value for t in proto.graph.initializer for e in t.external_data if e.key == "location"}
    return sorted(used & candidates)


def _user_message(e: BaseException, tmpdir: str | None, directory: str, path: str) -> str:
    """The error text with temp-dir paths replaced by the user's path or directory."""
    if isinstance(e, OSError):
        where = e.filename if isinstance(e.filename, str) else None
        if where and tmpdir and (where == tmpdir or where.startswith(tmpdir + os.sep)):
            where = path if os.path.basename(where) == os.path.basename(path) else directory
        elif where is None or (tmpdir is None and ".jax2onnx-" in where):
            where = directory
        return f"{type(e).__name__}: {e.strerror or e}: {where!r}"
    text = f"{type(e).__name__}: {e}"
    return text.replace(tmpdir, directory) if tmpdir else text


def write_model_file(model, path: str, external_data: bool | None) -> str:
    """Write ``model`` (ModelProto or ir.Model) to ``path`` as described in the module doc."""
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    if external_data is None:
        external_data = _weight_bytes(model) > EXTERNAL_DATA_AUTO_BYTES
    data_name = None
    if external_data:
        while data_name is None or os.path.lexists(os.path.join(directory, data_name)):
            data_name = f"{base}.{secrets.token_hex(4)}.data"
    tmpdir = None
    moved_data = None
    try:
        tmpdir = tempfile.mkdtemp(prefix=".jax2onnx-", dir=directory)
        tmp = os.path.join(tmpdir, base)
        _serialize(model, tmp, data_name)
        tmp_data = os.path.join(tmpdir, data_name) if data_name else None
        if tmp_data and (not os.path.exists(tmp_data) or os.path.getsize(tmp_data) == 0):
            data_name = None  # nothing was large enough for external data: no data file
        old = _old_data_files(path, directory, base)
        if data_name:
            moved_data = os.path.join(directory, data_name)
            os.replace(tmp_data, moved_data)
        os.replace(tmp, path)  # the switch: from here on the new pair is in place
        moved_data = None
    except BaseException as e:
        if moved_data is not None:
            try:
                os.remove(moved_data)
            except OSError:
                pass
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise ConversionError("save", f"writing {path!r} failed: {_user_message(e, tmpdir, directory, path)}") from e
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    for name in old:
        if name != data_name:
            try:
                os.remove(os.path.join(directory, name))
            except OSError as e:
                log.warning("wrote %s; could not remove the previous data file %s: %s", path, name, e)
    return path
