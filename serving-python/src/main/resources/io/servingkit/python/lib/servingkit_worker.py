"""ServingKit Python worker: runs one model's handler behind a Unix domain socket.

The Java side listens on the socket, starts `python -u -m servingkit_worker --socket PATH --model-dir DIR
--entry-point FILE_OR_MODULE --handler NAME --device-id N` with the model folder as working directory, and
then sends requests one at a time; the first is the initialisation call. The worker exits when the socket
closes.

Wire format. Integers are big-endian; a str is an int32 byte length (-1 for None) and UTF-8 bytes.
  request = int32 head length, head, body
    head  = uint8 kind (1 init, 2 predict), int32 n, n x (str key, str value) properties,
            int32 m, m x (str key, int32 length) content entries
    body  = the m content values back to back, no padding
  reply   = int32 head length, head, body
    kind 1 output: uint8 1, int32 code, str message, properties as above, content entries as above; body
    kind 2 stream: uint8 2, int32 code, str message, properties, int32 0; then chunks, each
                   uint8 more (1, or 0 on the last), int32 length, bytes
    kind 3 error:  uint8 3, str type, str message, str traceback
One request gets exactly one reply, so a batch costs one round trip.
"""

import argparse
import faulthandler
import importlib
import importlib.util
import logging
import os
import signal
import socket
import struct
import sys
import threading
import traceback

from djl_python.inputs import Input
from djl_python.outputs import Output, to_bytes
from djl_python.pair_list import PairList

KIND_INIT = 1
KIND_PREDICT = 2
REPLY_OUTPUT = 1
REPLY_STREAM = 2
REPLY_ERROR = 3

SOCKET_BUFFER = 2 << 20
_INT = struct.Struct(">i")
_CHUNK = struct.Struct(">Bi")
_log = logging.getLogger("servingkit.worker")


def _put_str(buf, text):
    if text is None:
        buf += _INT.pack(-1)
        return
    data = str(text).encode("utf-8")
    buf += _INT.pack(len(data))
    buf += data


def _get_str(head, pos):
    (n,) = _INT.unpack_from(head, pos)
    pos += 4
    if n < 0:
        return None, pos
    return head[pos:pos + n].decode("utf-8"), pos + n


def _send_all(sock, buffers):
    views = [memoryview(b) for b in buffers if len(b)]
    while views:
        sent = sock.sendmsg(views[:512])
        while sent:
            first = views[0]
            if sent >= first.nbytes:
                sent -= first.nbytes
                views.pop(0)
            else:
                views[0] = first[sent:]
                sent = 0


class Connection(object):
    """One socket to the Java side; reads requests and writes replies."""

    def __init__(self, sock):
        self.sock = sock
        self.rfile = sock.makefile("rb", buffering=1 << 16)

    def _read_exact(self, n):
        data = self.rfile.read(n)
        if len(data) != n:
            raise EOFError("connection closed in the middle of a request")
        return data

    def _read_into(self, buf):
        view = memoryview(buf)
        got = 0
        while got < len(buf):
            n = self.rfile.readinto(view[got:])
            if not n:
                raise EOFError("connection closed in the middle of a request")
            got += n

    def read_request(self):
        """Returns (kind, properties, content), or None when the Java side closed the socket."""
        raw = self.rfile.read(4)
        if not raw:
            return None
        if len(raw) < 4:
            raise EOFError("connection closed in the middle of a request")
        (head_len,) = _INT.unpack(raw)
        head = self._read_exact(head_len)
        kind = head[0]
        pos = 1
        (n,) = _INT.unpack_from(head, pos)
        pos += 4
        properties = {}
        for _ in range(n):
            key, pos = _get_str(head, pos)
            value, pos = _get_str(head, pos)
            properties[key] = value
        (m,) = _INT.unpack_from(head, pos)
        pos += 4
        entries = []
        for _ in range(m):
            key, pos = _get_str(head, pos)
            (length,) = _INT.unpack_from(head, pos)
            pos += 4
            entries.append((key, length))
        keys = []
        values = []
        for key, length in entries:
            value = bytearray(length)
            self._read_into(value)
            keys.append(key)
            values.append(value)
        return kind, properties, PairList(keys, values)

    def send_output(self, output):
        """Sends an Output; a streaming one is followed by its chunks. Raises before sending anything
        when the output cannot be encoded."""
        head = bytearray()
        streaming = output.stream_content is not None
        head.append(REPLY_STREAM if streaming else REPLY_OUTPUT)
        head += _INT.pack(int(output.code))
        _put_str(head, output.message)
        properties = [(k, v) for k, v in output.properties.items() if k is not None]
        head += _INT.pack(len(properties))
        for key, value in properties:
            _put_str(head, key)
            _put_str(head, value)
        bodies = []
        if streaming:
            head += _INT.pack(0)
        else:
            head += _INT.pack(output.content.size())
            for key, value in output.content:
                data = to_bytes(value)
                _put_str(head, key)
                head += _INT.pack(len(data))
                bodies.append(data)
        _send_all(self.sock, [_INT.pack(len(head)) + head] + bodies)
        if streaming:
            self._send_chunks(output)

    def _send_chunks(self, output):
        formatter = output.stream_formatter
        try:
            for item in output.stream_content:
                data = to_bytes(formatter(item) if formatter is not None else item)
                _send_all(self.sock, [_CHUNK.pack(1, len(data)), data])
        except Exception as e:  # the stream ends with the error text, as DJL Serving does
            _log.exception("streaming handler output failed")
            data = str(e).encode("utf-8")
            _send_all(self.sock, [_CHUNK.pack(0, len(data)), data])
            return
        _send_all(self.sock, [_CHUNK.pack(0, 0)])

    def send_error(self, type_name, message, trace):
        head = bytearray()
        head.append(REPLY_ERROR)
        _put_str(head, type_name)
        _put_str(head, message)
        _put_str(head, trace)
        _send_all(self.sock, [_INT.pack(len(head)) + head])


def load_handler(model_dir, entry_point, handler_name):
    """Imports the entry point (file in the model folder, module name, or absolute path) and returns
    its handler function."""
    if os.path.isabs(entry_point):
        if not os.path.isfile(entry_point):
            raise FileNotFoundError("entry point file not found: %s" % entry_point)
        name = os.path.splitext(os.path.basename(entry_point))[0]
        spec = importlib.util.spec_from_file_location(name, entry_point)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    elif entry_point.endswith(".py"):
        path = os.path.join(model_dir, entry_point)
        if not os.path.isfile(path):
            raise FileNotFoundError("entry point file not found: %s" % path)
        module = importlib.import_module(entry_point[:-3].replace(os.sep, "."))
    else:
        module = importlib.import_module(entry_point)
    function = getattr(module, handler_name, None)
    if function is None or not callable(function):
        raise AttributeError("%s has no handler function %r" % (entry_point, handler_name))
    return function


def serve(conn, args):
    handler = None
    while True:
        request = conn.read_request()
        if request is None:
            return
        kind, properties, content = request
        try:
            if handler is None:
                if kind != KIND_INIT:
                    raise RuntimeError("the model has not been initialised")
                handler = load_handler(args.model_dir, args.entry_point, args.handler)
            inputs = Input()
            inputs.function_name = args.handler
            inputs.properties = properties
            inputs.content = content
            properties["model_dir"] = args.model_dir
            properties["device_id"] = args.device_id
            output = handler(inputs)
        except Exception as e:
            # the traceback starts at the handler (or the import), not in this loop
            trace = "".join(traceback.format_exception(type(e), e, e.__traceback__.tb_next))
            conn.send_error(type(e).__name__, str(e) or type(e).__name__, trace)
            continue
        if output is None:
            output = Output(code=204, message="No content")
        elif not isinstance(output, Output):
            conn.send_error("TypeError", "Invalid output type: %s" % type(output), "")
            continue
        try:
            conn.send_output(output)
        except (OSError, EOFError):
            raise
        except Exception as e:
            conn.send_error(type(e).__name__, "cannot encode the handler's output: %s" % e,
                            traceback.format_exc())
            continue
        try:
            output.execute_finalize()
        except Exception:
            _log.exception("finalize function failed")


def _exit_when_parent_is_gone():
    """Ends this process once the Java side is gone, however it went (kill -9 included) and whatever the handler is
    doing: the server process holds the only write end of our stdin, so reading it ends exactly when that process
    has closed it or died. os._exit does not wait for the busy main thread."""
    # the raw descriptor, not sys.stdin: a daemon thread blocked in a buffered read holds that object's lock,
    # which makes an ordinary interpreter exit (sys.exit in a handler) abort
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    try:
        sys.stderr.write("WARNING servingkit.worker: stdin closed, the server process is gone; exiting\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="servingkit_worker")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--entry-point", required=True)
    parser.add_argument("--handler", default="handle")
    parser.add_argument("--device-id", default="-1")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="exit as soon as stdin ends: the Java side holds its other end")
    args = parser.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    faulthandler.enable()
    # On SIGTERM (predict or load timeout) print where every thread is, then terminate as usual.
    faulthandler.register(signal.SIGTERM, all_threads=True, chain=True)
    if args.watch_stdin:
        threading.Thread(target=_exit_when_parent_is_gone, name="servingkit-parent-watch", daemon=True).start()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:  # room for a whole large reply in the kernel (the system may cap it lower)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
    except OSError:
        pass
    sock.connect(args.socket)
    try:
        serve(Connection(sock), args)
    except EOFError:
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
