# A DJL-style stateful handler (the shape of DJL Serving's engines/python "stateful" example, written for this test):
# it imports every djl_python name DJL handlers use and keeps per-session state that both workers share.
import json
import os
import time

from djl_python import Input, Output, PairList, Session, SessionManager
from djl_python.encode_decode import decode, encode

SESSION_HEADER = "X-Amzn-SageMaker-Session-Id"


class StatefulService(object):

    def __init__(self):
        self.sessions = None

    def initialize(self, properties):
        self.sessions = SessionManager(properties)

    def inference(self, inputs):
        request = decode(inputs, inputs.get_property("Content-Type"))
        if "inputs" in request and isinstance(request["inputs"], list):
            # text/csv with an "inputs" column, answered in the type Accept names (encode_decode.encode)
            output = Output()
            encode(output, [{"echo": value, "length": len(value)} for value in request["inputs"]],
                   inputs.get_property("Accept"))
            return output
        action = request.get("action")
        if action == "create_session":
            return self.create_session()
        if action == "close_session":
            return self.close_session(inputs)
        if action == "count":
            return self.count(inputs)
        if action == "peek":
            # slow on purpose, so that a burst of requests keeps both workers busy
            time.sleep(0.3)
            session = self.sessions.get_session(inputs.get_property(SESSION_HEADER))
            return Output().add_as_json({"count": session.get("count"), "pid": os.getpid()})
        if action == "stream":
            return self.stream(inputs)
        if action == "where":
            return Output().add_as_json({"sessions_path": self.sessions.sessions_path, "pid": os.getpid()})
        return Output().error("unknown action: %s" % action)

    def create_session(self):
        session: Session = self.sessions.create_session()
        state = session.get_as_numpy("model_state", shape=(4, 3), create=True)
        state.fill(1)
        session.put("count", 0)
        output = Output()
        output.add_property(SESSION_HEADER, session.session_id)
        output.add_property("Content-Type", "application/json")
        return output.add_as_json({"result": "session created", "properties": len(output.get_properties()),
                                   "type": output.get_property("content-type")})

    def close_session(self, inputs):
        self.sessions.close_session(inputs.get_property(SESSION_HEADER))
        output = Output().add_property("X-Amzn-SageMaker-Session-Closed", "true")
        return output.add_as_json({"result": "session closed"})

    def count(self, inputs):
        session = self.sessions.get_session(inputs.get_property(SESSION_HEADER))
        if session is None:
            return Output().error("session not found")
        count = session.get("count", 0) + 1
        session.put("count", count)
        state = session.get_as_numpy("model_state", shape=(4, 3))
        state[0, 0] += 1
        return Output().add_as_json({"count": count, "state_sum": float(state.sum()), "pid": os.getpid()})

    def stream(self, inputs):
        session = self.sessions.get_session(inputs.get_property(SESSION_HEADER))
        if session is None:
            return Output().error("session not found")
        state = session.get_as_numpy("model_state", shape=(4, 3))
        output = Output().add_property("Content-Type", "application/jsonlines")
        rows = PairList()
        for i in range(state.shape[0]):
            rows.add(str(i), state[i].tolist())
        output.add_stream_content((json.dumps({"row": k, "values": v}) + "\n" for k, v in rows), None)
        return output


_service = StatefulService()


def handle(inputs: Input):
    if _service.sessions is None:
        _service.initialize(inputs.get_properties())
    if inputs.is_empty():
        return None
    return _service.inference(inputs)
