"""The NLU's two MiniLM components together, in the Rasa engine's environment (``SHOPDESK_TEST_RASA_BIN``):
``NearestExampleSearch`` starts a message's encoding and search early, on a background thread, and
``NearestExampleOutOfScope`` decides from what it found after the classifiers, with the real exported
encoder, trained and loaded through Rasa's model storage as ``rasa train`` and ``rasa run`` do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.rasa_env import run_in_rasa_env

SCRIPT = """
import json, sys
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from integrations.rasa_engine.nlu.components import (
    KNOWN_EXAMPLE, NEAREST, NearestExampleOutOfScope, NearestExampleSearch,
)
from integrations.rasa_engine.nlu.sentence_encoder import SentenceEncoder

encoder_folder, storage_folder = Path(sys.argv[1]), Path(sys.argv[2])
storage = LocalModelStorage(storage_folder)
context = ExecutionContext(GraphSchema({}), "test")
examples = [
    ("where is my order", "order_status"), ("my parcel has not arrived", "order_status"),
    ("I want to return the shoes", "start_return"), ("what's the weather tomorrow", "out_of_scope"),
]
data = TrainingData([Message(data={"text": t, "intent": i}) for t, i in examples])
config = {**NearestExampleSearch.get_default_config(), "encoder": str(encoder_folder)}
resource = Resource("search")
NearestExampleSearch.create(config, storage, resource, context).train(data)
search = NearestExampleSearch.load(config, storage, resource, context)
check_config = NearestExampleOutOfScope.get_default_config()
check = NearestExampleOutOfScope.create(check_config, storage, Resource("check"), context)

texts = ["Where is  my ORDER", "wheres my parcel, it has not arrived", "tell me a joke about cats",
         "send me the order SD-10001"]
messages = [Message(data={"text": t}) for t in texts]
search.process(messages)
started = [m.get(NEAREST) is not None for m in messages]
known = [bool(m.get(KNOWN_EXAMPLE)) for m in messages]
found = messages[1].get(NEAREST).result()
# the same by hand, from the message encoded alone and the vectors the training stored
import numpy as np
alone = SentenceEncoder(encoder_folder).encode([texts[1]])[0]
with storage.read_from(resource) as folder, np.load(Path(folder) / "examples.npz") as stored:
    by_hand = [float((stored["in_scope"] @ alone).max()), float((stored["out_of_scope"] @ alone).max())]
# what DIET would have said: an order question for all; the last one carries an order number
for m in messages:
    m.set("intent", {"name": "order_status", "confidence": 0.9})
messages[3].set("entities", [{"entity": "order_number", "value": "SD-10001", "start": 15, "end": 23}])
check.process(messages)
unstarted = Message(data={"text": "do you sell jeans", "intent": {"name": "order_status", "confidence": 0.9}})
try:
    check.process([unstarted])
    error = ""
except RuntimeError as exc:
    error = str(exc)
# a worker forked after the first search (Sanic's workers fork) starts its own thread
import os
child = os.fork()
if child == 0:
    forked = Message(data={"text": "tell me a joke about dogs"})
    search.process([forked])
    try:
        forked.get(NEAREST).result(timeout=60)
        os._exit(0)
    except BaseException:
        os._exit(1)
forked_ok = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
from threadpoolctl import threadpool_info
blas_threads = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
print(json.dumps({
    "forked_ok": forked_ok, "blas_threads": blas_threads,
    "started": started, "known": known, "found": list(found),
    "by_hand": by_hand,
    "intents": [m.get("intent")["name"] for m in messages], "error": error,
}))
"""


@pytest.mark.rasa
def test_the_search_started_early_decides_out_of_scope_after_the_classifiers(tmp_path: Path) -> None:
    from knowledge.onnx_export import export_encoder

    encoder = export_encoder(tmp_path / "nlu-encoder", tmp_path / "onnx")
    (tmp_path / "storage").mkdir()
    result = run_in_rasa_env(SCRIPT, str(encoder), str(tmp_path / "storage"), timeout=600)
    # an in-scope example word for word is marked, not encoded; every other message is started
    assert result["known"] == [True, False, False, False]
    assert result["started"] == [False, True, True, True]
    # the background thread finds the encoder's own cosines with the nearest examples of each kind
    assert result["found"][0] == pytest.approx(result["by_hand"][0], abs=1e-5)
    assert result["found"][1] == pytest.approx(result["by_hand"][1], abs=1e-5)
    assert result["intents"] == ["order_status", "order_status", "out_of_scope", "order_status"]
    assert "NearestExampleSearch" in result["error"]  # a pipeline without it says what is missing
    assert result["forked_ok"]  # a forked process searches on a thread of its own
    # the loaded search keeps numpy's BLAS on one thread (an idle OpenBLAS worker spun on a core)
    assert result["blas_threads"] and set(result["blas_threads"]) == {1}
