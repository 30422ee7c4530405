"""Load DIET's and TED's TensorFlow models without tracing their training graphs; warm the first turn.

Rasa 3.6 (``rasa.utils.tensorflow.models.RasaModel.load``) builds a loaded model's variables by fitting
it for one step on one example, then overwrites them with the trained weights. The fit is compiled as a
``tf.function``: TensorFlow traces the whole training step — the forward pass, the losses, their
gradients and the Adam update — into a graph, used once and thrown away. That trace was most of the
server's start-up (docs/performance.md: ~75 % of the model load's CPU on the 2-core machine).

``_load`` below builds the same variables by running the training path's forward pass (``batch_loss``)
once, eagerly, on the same example: every layer creates its variables, nothing is traced and no
optimizer is made. It then reads the trained weights as Rasa does — except the optimizer's saved
state, which only training reads — sets the model's ``run_eagerly`` as Rasa's compile would, and traces
the prediction graph on the example, as Rasa does. The weights, the prediction graph and so the
predictions are Rasa's; ``tests/e2e/test_model_loading.py`` checks that what the NLU reads and what TED
predicts match Rasa's own load. It also uses ~0.5 GB less memory (no training graph). Fine-tuning
(``rasa train --finetune``) keeps Rasa's load. (Running Rasa's one-step fit eagerly instead is not
equivalent: Adam's slot variables are then created in another order and TED's checkpoint no longer
restores; Rasa catches that and silently serves an untrained TED.)

Even then the first message a loaded model reads takes ~1 s more than the next ones (TensorFlow
optimises DIET's prediction graph on its first real call): ``warm_up`` parses one message and predicts
the next action for it once the model is loaded, before the server answers, so the first shopper
does not wait for it. It touches no tracker store and records no metrics.

``credentials.yml`` names ``ModelLoading``, an ``EngineExtension`` (``engine_extension.py``): Rasa
installs the above in its server when it reads its channels, before it loads the model. Runs in Rasa's
environment: imports nothing of ``bot/``. The names are Rasa 3.6 internals, pinned in
``requirements/rasa.lock.txt``.
"""

from __future__ import annotations

from typing import Any

from integrations.rasa_engine.engine_extension import EngineExtension

_rasa_load: Any = None
_rasa_load_model: Any = None
WARM_UP_TEXT = "hello"


def _load(
    cls: Any,
    model_file_name: str,
    model_data_example: Any,
    predict_data_example: Any = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``RasaModel.load`` without the one-step fit that traces training (see the module's docstring)."""
    if finetune_mode:
        example = predict_data_example
        return _rasa_load(cls, model_file_name, model_data_example, example, True, *args, **kwargs)
    from rasa.utils.tensorflow.constants import RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

    model = cls(*args, **kwargs)
    batch_in, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
    model._training = True  # as in RasaModel.train_step: the training path uses every layer
    model.batch_loss(batch_in)  # eagerly: each layer creates its variables, nothing is traced
    model._training = None
    model.run_eagerly = kwargs.get("config", {}).get(RUN_EAGERLY)  # what Rasa's compile sets
    # The checkpoint also holds the optimizer's state, which only training reads: left unrestored.
    model.load_weights(model_file_name).expect_partial()
    if predict_data_example:
        model.run_inference(predict_data_example)  # traces the prediction graph now, not on the first turn
    return model


def warm_up(processor: Any) -> None:
    """Parse one message and predict the next action for it with the loaded model, synchronously."""
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    sender = "shopdesk-warm-up"
    parsed = processor._parse_message_with_graph(
        UserMessage(WARM_UP_TEXT, sender_id=sender), DialogueStateTracker.from_events(sender, [])
    )
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events(
        sender, [*events, UserUttered(WARM_UP_TEXT, parse_data=parsed)], slots=processor.domain.slots
    )
    processor._predict_next_with_tracker(tracker)


def _load_model(agent: Any, *args: Any, **kwargs: Any) -> None:
    """``Agent.load_model``, then ``warm_up``."""
    _rasa_load_model(agent, *args, **kwargs)
    warm_up(agent.processor)


def install() -> None:
    """Replace ``RasaModel.load`` and wrap ``Agent.load_model`` in this process, once."""
    global _rasa_load, _rasa_load_model
    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel

    if _rasa_load is None:
        _rasa_load = RasaModel.load.__func__
        RasaModel.load = classmethod(_load)
        _rasa_load_model = Agent.load_model
        Agent.load_model = _load_model


def uninstall() -> None:
    """Give Rasa its own ``RasaModel.load`` and ``Agent.load_model`` back (for tests comparing both)."""
    global _rasa_load, _rasa_load_model
    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel

    if _rasa_load is not None:
        RasaModel.load = classmethod(_rasa_load)
        Agent.load_model = _rasa_load_model
        _rasa_load = _rasa_load_model = None


class ModelLoading(EngineExtension, name="model_loading", install=install):
    """Not a chat channel: installs the above when Rasa reads its channels, before the model loads."""
