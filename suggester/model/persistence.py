"""Save and load the model artifact with its model card, refusing anything we did not build.

Layout of a model directory::

    model.npz      the fitted SegmentCodeClassifier in compiled form: numpy arrays only, read with
                   ``allow_pickle=False`` (no code runs when loading; neither scikit-learn, scipy nor joblib
                   is imported; see suggester.model.compiled); the shipped model keeps only weights of
                   magnitude >= the card's ``prune_below``, as float16
    model.sha256   SHA-256 of model.npz, checked before it is read
    meta.json      model card: versions, label set, catalogue and training-data hashes, CV metrics, created time

A directory written before model.npz (``model.joblib``, a pickled state dict) still loads after the same SHA-256
check; loading it imports joblib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import tempfile
import warnings
from importlib import resources
from pathlib import Path

from .._version import __version__
from ..errors import InconsistentVersionWarning, ModelLoadError

__all__ = ["default_model_dir", "load_model", "save_model"]

ARTIFACT = "model.npz"
LEGACY_ARTIFACT = "model.joblib"   # written before model.npz: the same state dict, pickled by joblib
DIGEST = "model.sha256"
CARD = "meta.json"
_RETRAIN = "Rebuild it with `suggester train` (or `make train`) from training_data/."


def default_model_dir() -> Path:
    """The shipped model: ``$SUGGESTER_MODEL_DIR`` if set, else the packaged ``models/`` directory."""
    env = os.environ.get("SUGGESTER_MODEL_DIR")
    if env:
        return Path(env)
    return Path(str(resources.files("suggester._models")))


def _versions() -> dict[str, str]:
    """Installed versions, read from package metadata (importing scikit-learn would cost a second)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"suggester": __version__, "python": platform.python_version()}
    for pkg in ("scikit-learn", "spacy", "numpy", "joblib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "unknown"
    return out


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; model files are meant to be shared read-only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model, directory: str | Path, *, card: dict, prune_below: float = 0.0) -> dict:
    """Write the fitted model's compiled state, its SHA-256 and the model card atomically; return the card.

    ``prune_below`` > 0 writes the compact form (weights below it dropped, the rest float16)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = state_to_bytes(model.compiled_state(prune_below=prune_below))
    digest = hashlib.sha256(data).hexdigest()
    full = {"name": "suggester-segment-codes", **card, "versions": _versions(), "artifact": ARTIFACT,
            "sha256": digest, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    _atomic_write(directory / ARTIFACT, data)
    _atomic_write(directory / DIGEST, f"{digest}  {ARTIFACT}\n".encode())
    _atomic_write(directory / CARD, (json.dumps(full, indent=2, sort_keys=True) + "\n").encode())
    (directory / LEGACY_ARTIFACT).unlink(missing_ok=True)   # an older artifact left beside the new one would mislead
    return full


# the compiled state's arrays; everything else in it (format, classes, params, vectorizer settings) is JSON
_ARRAYS = ("intercept", "platt", "coef", "coef_index", "coef_value")
_VECTORIZER_ARRAYS = ("vocabulary", "idf")


def state_to_bytes(state: dict) -> bytes:
    """``state`` (see ``SegmentCodeClassifier.compiled_state``) as the bytes of an uncompressed ``.npz``: its arrays
    as arrays, each vectorizer's vocabulary as UTF-8 bytes, the rest as one JSON header. Uncompressed because the
    float weights barely compress and load faster raw."""
    import io

    import numpy as np

    arrays, header = {}, {}
    for key, value in state.items():
        if key in _ARRAYS:
            arrays[key] = np.asarray(value)
        elif key != "vectorizers":
            header[key] = value
    header["vectorizers"] = []
    for i, vec in enumerate(state["vectorizers"]):
        arrays[f"vocabulary_{i}"] = np.frombuffer(vec["vocabulary"].encode("utf-8"), dtype=np.uint8)
        arrays[f"idf_{i}"] = np.asarray(vec["idf"], dtype=float)
        header["vectorizers"].append({k: v for k, v in vec.items() if k not in _VECTORIZER_ARRAYS})
    arrays["header"] = np.frombuffer(json.dumps(header, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def state_from_bytes(data: bytes) -> dict:
    """The state dict :func:`state_to_bytes` wrote; never unpickles (``allow_pickle=False``)."""
    import io

    import numpy as np

    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        state = json.loads(npz["header"].tobytes().decode("utf-8"))
        for key in _ARRAYS:
            if key in npz.files:
                state[key] = npz[key]
        for i, vec in enumerate(state["vectorizers"]):
            vec["vocabulary"] = npz[f"vocabulary_{i}"].tobytes().decode("utf-8")
            vec["idf"] = npz[f"idf_{i}"]
    return state


def load_model(directory: str | Path | None = None, *, labels_allowed=None):
    """Verify and load a model directory; return ``(model, card)``.

    Raises
    ------
    ModelLoadError
        Missing files, hash mismatch (tampered or corrupted), unreadable artifact, or a
        label set that the catalogue does not know. The message says how to rebuild.
    """
    directory = Path(directory) if directory is not None else default_model_dir()
    artifact = ARTIFACT if (directory / ARTIFACT).is_file() or not (directory / LEGACY_ARTIFACT).is_file() else LEGACY_ARTIFACT
    paths = {name: directory / name for name in (artifact, DIGEST, CARD)}
    missing = [name for name, p in paths.items() if not p.is_file()]
    if missing:
        raise ModelLoadError(f"Model directory {directory} is missing {', '.join(missing)}. {_RETRAIN}")
    try:
        card = json.loads(paths[CARD].read_text("utf-8"))
        expected = paths[DIGEST].read_text("utf-8").split()[0]
    except (ValueError, IndexError, OSError) as exc:
        raise ModelLoadError(f"Model card or digest in {directory} is unreadable ({exc.__class__.__name__}). {_RETRAIN}") from None
    data = paths[artifact].read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected or card.get("sha256") != expected:
        raise ModelLoadError(
            f"Model artifact {paths[artifact]} does not match its recorded SHA-256 (expected {expected[:12]}..., "
            f"got {actual[:12]}...); it was modified or corrupted and will not be loaded. {_RETRAIN}")
    installed = _versions()
    built = card.get("versions", {})
    for pkg in ("scikit-learn", "numpy"):
        if built.get(pkg) and built[pkg] != installed[pkg]:
            warnings.warn(InconsistentVersionWarning(pkg, built[pkg], installed[pkg]), stacklevel=2)
    from .compiled import CompiledClassifier

    try:
        if artifact == ARTIFACT:
            state = state_from_bytes(data)
        else:
            import io

            import joblib

            state = joblib.load(io.BytesIO(data))
        if not isinstance(state, dict) or state.get("format") not in ("suggester-compiled-1", "suggester-compiled-2"):
            raise ValueError("not a compiled suggester model")
        model = CompiledClassifier(state)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means the artifact is unusable
        raise ModelLoadError(f"Model artifact {paths[artifact]} could not be loaded ({exc.__class__.__name__}). {_RETRAIN}") from None
    classes = [str(c) for c in getattr(model, "classes_", [])]
    if classes != card.get("labels"):
        raise ModelLoadError(f"Model card labels do not match the artifact in {directory}. {_RETRAIN}")
    if labels_allowed is not None:
        unknown = sorted(set(classes) - set(labels_allowed))
        if unknown:
            raise ModelLoadError(
                f"The model predicts codes the catalogue does not list as suggestible: {unknown}. "
                f"Update the catalogue or {_RETRAIN[0].lower()}{_RETRAIN[1:]}")
    return model, card
