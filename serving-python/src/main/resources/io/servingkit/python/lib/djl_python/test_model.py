"""Tries a handler without a server, like DJL Serving's tool of the same name:

    python3 -m djl_python.test_model --model-dir DIR [--entry-point model.py] [--handler handle]
        [--input FILE_OR_TEXT | key=FILE_OR_TEXT ...] [--parameters key=value ...]

Each --input is a file (its bytes) or, when no such file exists, the text itself; `key=` names the content entry.
The request's content-type comes from the data file's extension (.json, .txt, .png, .jpg, .npz, .ndlist) or, for
text, from whether it looks like a JSON object. --parameters become request properties, next to device_id=-1.
The handler's answer is printed as `output: {...}`. In Python code, TestHandler(entry_point, model_dir) runs the same
way: handler.inference(create_text_request("hi")), and extract_output_as_string(output) reads the answer.

To use it outside ServingKit, put the folder holding djl_python on PYTHONPATH (serving-python's
src/main/resources/io/servingkit/python/lib).
"""

import argparse
import importlib.util
import logging
import os
import sys
from types import ModuleType

from .inputs import Input
from .outputs import Output, encode_json
from .pair_list import PairList

_TYPES_BY_EXTENSION = {
    ".json": "application/json",
    ".txt": "text/plain",
    ".gif": "images/gif",
    ".png": "images/png",
    ".jpeg": "images/jpeg",
    ".jpg": "images/jpeg",
    ".ndlist": "tensor/ndlist",
    ".npz": "tensor/npz",
}


def create_request(input_files, parameters):
    """An Input from --input values (files or literal text, optionally key=) and --parameters (key=value)."""
    request = Input()
    request.properties["device_id"] = "-1"
    for parameter in parameters or []:
        name, sep, value = parameter.partition("=")
        if not sep:
            raise ValueError("Invalid model parameter: %s" % parameter)
        request.properties[name] = value
    data_file = None
    for item in input_files or []:
        key, sep, value = item.partition("=")
        if not sep:
            key, value = None, item
        if data_file is None or key == "data":
            data_file = value
        if os.path.exists(value):
            with open(value, "rb") as f:
                request.content.add(key=key, value=f.read())
        else:
            request.content.add(key=key, value=value.encode("utf-8"))
            looks_json = value.startswith("{") and value.endswith("}")
            request.properties["content-type"] = "application/json" if looks_json else "text/plain"
    if data_file is not None:
        content_type = _TYPES_BY_EXTENSION.get(os.path.splitext(data_file)[1].lower())
        if content_type is not None:
            request.properties["content-type"] = content_type
    return request


def create_text_request(text, key=None):
    request = _request("text/plain")
    request.content.add(key=key, value=text.encode("utf-8"))
    return request


def create_numpy_request(arrays, key=None):
    from .np_util import to_nd_list
    request = _request("tensor/ndlist")
    request.content.add(key=key, value=to_nd_list(arrays))
    return request


def create_npz_request(arrays, key=None):
    from .np_util import to_npz
    request = _request("tensor/npz")
    request.content.add(key=key, value=to_npz(arrays))
    return request


def create_concurrent_batch_request(inputs, properties=None, serving_properties=None):
    """One batched Input of several JSON requests, keyed batch_NNN_data as DJL's tool does."""
    merged = dict(serving_properties or {})
    for index, props in enumerate(properties or []):
        for name, value in props.items():
            merged["batch_%03d_%s" % (index, name)] = value
    content = PairList()
    for index, data in enumerate(inputs):
        content.add("batch_%03d_data" % index, encode_json(data))
    merged["batch_size"] = len(inputs)
    request = Input()
    request.properties = merged
    request.function_name = merged.get("handler", "handle")
    request.content = content
    return request


def extract_output_as_input(outputs):
    inputs = Input()
    inputs.properties = outputs.properties
    inputs.content = outputs.content
    return inputs


def extract_output_as_bytes(outputs, key=None):
    return extract_output_as_input(outputs).get_as_bytes(key)


def extract_output_as_numpy(outputs, key=None):
    return extract_output_as_input(outputs).get_as_numpy(key)


def extract_output_as_npz(outputs, key=None):
    return extract_output_as_input(outputs).get_as_npz(key)


def extract_output_as_string(outputs, key=None):
    return extract_output_as_input(outputs).get_as_string(key)


def load_properties(model_dir):
    """serving.properties of model_dir as a dict, `option.` dropped from the keys; {} without one."""
    properties = {}
    path = os.path.join(model_dir, "serving.properties") if model_dir else None
    if not path or not os.path.isfile(path):
        return properties
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            name, _, value = line.partition("=")
            name = name.strip()
            if name.startswith("option."):
                name = name[len("option."):]
            properties[name] = value.strip()
    return properties


def update_properties_with_env_vars(properties):
    """Adds OPTION_<NAME> environment variables as lower-case names (entryPoint spelled so), not overriding."""
    for name, value in os.environ.items():
        if name.startswith("OPTION_") and len(name) > len("OPTION_"):
            key = name[len("OPTION_"):].lower()
            properties.setdefault("entryPoint" if key == "entrypoint" else key, value)
    return properties


class TestHandler(object):
    """A handler module loaded in this process, called with Inputs directly."""

    def __init__(self, entry_point, model_dir=None):
        self.serving_properties = update_properties_with_env_vars({})
        self.serving_properties.update(load_properties(model_dir))
        if isinstance(entry_point, ModuleType):
            self.module = entry_point
        else:
            model_dir = os.path.abspath(model_dir or ".")
            os.chdir(model_dir)
            if model_dir not in sys.path:
                sys.path.append(model_dir)
            self.module = _load_module(model_dir, entry_point or "model.py")

    def inference(self, inputs):
        name = inputs.get_function_name() or "handle"
        function = getattr(self.module, name, None)
        if function is None or not callable(function):
            raise AttributeError("%s has no handler function %r" % (self.module.__name__, name))
        return function(inputs)

    def inference_batch(self, inputs, properties=None, serving_properties=None):
        if serving_properties is None:
            serving_properties = self.serving_properties
        return self.inference(create_concurrent_batch_request(inputs, properties, serving_properties))


def _request(content_type):
    request = Input()
    request.properties["device_id"] = "-1"
    request.properties["content-type"] = content_type
    return request


def _load_module(model_dir, entry_point):
    if entry_point.endswith(".py"):
        path = entry_point if os.path.isabs(entry_point) else os.path.join(model_dir, entry_point)
        if not os.path.isfile(path):
            raise FileNotFoundError("entry point file not found: %s" % path)
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(entry_point)


def _arguments():
    parser = argparse.ArgumentParser(prog="djl-test-model", description="Test DJL Python model")
    parser.add_argument("--model-dir", dest="model_dir", help="Model directory")
    parser.add_argument("--entry-point", dest="entry_point", default="model.py", help="The model entry point file")
    parser.add_argument("--handler", dest="handler", default="handle", help="Python function to invoke")
    parser.add_argument("--input", dest="input", nargs="+", default=["input.txt"], help="Input file")
    parser.add_argument("--parameters", dest="parameters", nargs="+", help="Model parameters")
    return parser


def run(argv=None):
    logging.basicConfig(stream=sys.stdout, format="%(message)s", level=logging.INFO)
    args = _arguments().parse_args(argv)
    inputs = create_request(args.input, args.parameters)
    handler = TestHandler(args.entry_point, args.model_dir)
    inputs.function_name = args.handler
    outputs = handler.inference(inputs)
    print("output: " + str(outputs))


if __name__ == "__main__":
    run()
