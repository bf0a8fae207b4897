"""ServingKit's implementation of the djl_python handler API: `from djl_python import Input, Output`."""

from .inputs import Input
from .outputs import Output
from .pair_list import PairList
from .session_manager import Session, SessionManager

__all__ = ["Input", "Output", "PairList", "Session", "SessionManager"]
