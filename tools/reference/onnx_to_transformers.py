"""A Hugging Face model folder made from a stand-in's fp32 ONNX file, for the PyTorch peers of
bench/peers.ts: the same weights as webrerank loads, in `XLMRobertaForSequenceClassification`.

The stand-in generator (tools/standin/xlmr-graph.ts) names every initializer after the PyTorch
parameter it stands for; a Linear's weight is stored [in, out] for MatMul, so it is transposed
back to PyTorch's [out, in]. Graph constants (`const_*`) are no parameters. Every parameter must
be found and every initializer used: a stand-in that drifts from the architecture fails here
rather than scoring something else.

Usage: python onnx_to_transformers.py MODEL_DIR OUT_DIR
  MODEL_DIR holds config.json, tokenizer files and onnx/model.onnx; OUT_DIR gets config.json,
  model.safetensors and the tokenizer files, loadable with `from_pretrained(OUT_DIR)`.
"""
import os
import shutil
import sys

import onnx
import torch
from onnx import numpy_helper
from safetensors.torch import save_file
from transformers import AutoConfig, XLMRobertaForSequenceClassification

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


class MappingError(Exception):
    """The ONNX file's initializers do not match the transformers architecture one to one."""


def linear_weight_names(model: torch.nn.Module) -> set:
    return {f"{name}.weight" for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)}


def state_dict_from_onnx(onnx_path: str, model: torch.nn.Module) -> dict:
    graph = onnx.load(onnx_path, load_external_data=True).graph
    initializers = {tensor.name: tensor for tensor in graph.initializer if not tensor.name.startswith("const_")}
    expected = model.state_dict()
    linears = linear_weight_names(model)
    state = {}
    for name, parameter in expected.items():
        if name not in initializers:
            # position_ids / token_type_ids are buffers transformers fills itself, not weights.
            if name.endswith("_ids"):
                continue
            raise MappingError(f"the ONNX file has no initializer for parameter {name}")
        array = numpy_helper.to_array(initializers.pop(name))
        tensor = torch.from_numpy(array.copy())
        if name in linears:
            tensor = tensor.t().contiguous()
        if tuple(tensor.shape) != tuple(parameter.shape):
            raise MappingError(f"{name}: ONNX shape {tuple(tensor.shape)} does not fit PyTorch shape {tuple(parameter.shape)}")
        if tensor.dtype != parameter.dtype:
            raise MappingError(f"{name}: ONNX type {tensor.dtype} is not {parameter.dtype}; map the fp32 file")
        state[name] = tensor
    if initializers:
        raise MappingError(f"initializers with no PyTorch parameter: {', '.join(sorted(initializers))}")
    return state


def convert(model_dir: str, out_dir: str) -> None:
    config = AutoConfig.from_pretrained(model_dir)
    # On the meta device the model has its parameters' names and shapes but no memory: the
    # weights (2.3 GB at full size) are not held a second time in a randomly initialised model.
    with torch.device("meta"):
        model = XLMRobertaForSequenceClassification(config)
    state = state_dict_from_onnx(os.path.join(model_dir, "onnx", "model.onnx"), model)
    os.makedirs(out_dir, exist_ok=True)
    config.save_pretrained(out_dir)
    save_file(state, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    for file in TOKENIZER_FILES:
        if os.path.exists(os.path.join(model_dir, file)):
            shutil.copyfile(os.path.join(model_dir, file), os.path.join(out_dir, file))


if __name__ == "__main__":
    try:
        convert(sys.argv[1], sys.argv[2])
    except MappingError as error:
        sys.exit(f"onnx_to_transformers: {error}")
