"""The Session's state transitions, without a window: each change is complete before any
signal goes out, so every handler sees the same, whole state."""

import numpy as np
import pytest
from convlens.engine import presets
from convlens.engine.model_file import ModelInfo
from convlens.engine.network import trace_image
from convlens.engine.training import Evaluation, Progress, TrainConfig, TrainResult, build_model
from convlens.gui.session import ImageSource, Session


def _stroke() -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[5:23, 12:16] = 1.0
    return image


def _report(step: int) -> Progress:
    return Progress(1, 1, step, 10, 1.0, 0.0, 0.5, 100.0, 0.1)


def _evaluation(accuracy: float) -> Evaluation:
    return Evaluation(accuracy, [accuracy] * 10, np.eye(10, dtype=np.int64) * 100)


@pytest.fixture
def session(qtbot):
    model = build_model(presets.tiny(), seed=0)
    session = Session(model, ModelInfo("tiny", {}))
    session.set_image(_stroke(), ImageSource("drawing"))
    return session


def record(session: Session) -> list[tuple[str, object]]:
    """Every signal the Session sends, with what a handler would read then."""
    seen = []
    for name in ("model_changed", "trace_changed", "run_changed", "explanation_changed"):
        getattr(session, name).connect(
            lambda name=name: seen.append((name, session.model, session.trace))
        )
    return seen


def _finish(session: Session, seed: int = 1, accuracy: float = 0.9):
    trained = build_model(presets.tiny(), seed=seed)
    result = TrainResult([_report(10)], stopped=False, seconds=1.0)
    session.end_run(trained, result, _evaluation(accuracy), ModelInfo("tiny trained", {}))
    return trained


def test_a_run_shows_its_live_weights_then_waits_for_keep_or_go_back(session):
    before, evaluation = session.model, _evaluation(0.5)
    session.set_model(before, session.info, evaluation)
    session.begin_run(before, TrainConfig(epochs=1), "a run", "tiny")
    assert session.training and session.shown_model is not before
    live = session.shown_model
    session.add_progress(_report(1))
    assert session.run.reports == [_report(1)]

    state = {k: v * 0 for k, v in live.state_dict().items()}  # all zero: equal logits
    session.load_snapshot(state)
    np.testing.assert_allclose(session.trace.probabilities, np.full(10, 0.1), rtol=1e-6)

    trained = _finish(session)
    assert not session.training and session.run.state == "finished"
    assert session.model is trained and session.shown_model is trained
    assert session.decision_pending and session.has_unsaved_work()
    np.testing.assert_array_equal(
        session.trace.probabilities, trace_image(trained, _stroke()).probabilities
    )
    session.go_back()
    assert session.model is before and session.evaluation is evaluation
    assert not session.decision_pending and not session.has_unsaved_work()
    assert not session.run_model_is_current()  # its gradients and verdict are not shown


def test_keep_keeps_the_model_unsaved_until_it_is_saved(session):
    session.begin_run(session.model, TrainConfig(), "a run", "tiny")
    trained = _finish(session)
    session.keep()
    assert session.model is trained and not session.decision_pending
    assert session.has_unsaved_work()  # still only in memory
    session.mark_saved(trained)
    assert not session.has_unsaved_work()


def test_saving_a_model_on_trial_keeps_it(session):
    session.begin_run(session.model, TrainConfig(), "a run", "tiny")
    trained = _finish(session)
    session.mark_saved(trained)
    assert not session.decision_pending and not session.has_unsaved_work()


def test_a_new_run_or_another_model_settles_the_decision(session):
    session.begin_run(session.model, TrainConfig(), "a run", "tiny")
    trained = _finish(session)
    session.begin_run(trained, TrainConfig(), "another run", "tiny")
    assert not session.decision_pending and session.model is trained


def test_a_failed_run_keeps_the_model_and_says_why(session, qtbot):
    before = session.model
    session.begin_run(before, TrainConfig(), "a run", "tiny")
    with qtbot.waitSignal(session.error) as error:
        session.fail_run("the loss became nan")
    assert error.args == ["Training failed", "the loss became nan"]
    assert session.model is before and session.shown_model is before
    assert session.run.state == "failed" and not session.training
    np.testing.assert_array_equal(
        session.trace.probabilities, trace_image(before, _stroke()).probabilities
    )
    assert not session.run_model_is_current()


def test_every_signal_sees_the_new_state_whatever_the_connection_order(session):
    seen = record(session)
    trained = build_model(presets.tiny(), seed=5)
    session.set_model(trained, ModelInfo("other", {}))
    expected = trace_image(trained, _stroke()).probabilities
    assert [name for name, *_ in seen][:2] == ["model_changed", "trace_changed"]
    for _, model, trace in seen:
        assert model is trained
        np.testing.assert_array_equal(trace.probabilities, expected)


def test_the_explained_value_survives_a_blank_canvas(session):
    session.explain_at(0, 2, 8, 10)  # its 5x5 window covers part of the stroke
    first = session.explanation
    session.set_image(None, ImageSource("drawing"))
    assert session.explanation is None and session.explained == (0, 2, 8, 10)
    session.set_image(_stroke() * 0.5, ImageSource("drawing"))
    again = session.explanation
    assert (again.layer_index, again.channel, again.row, again.col) == (0, 2, 8, 10)
    assert again.total != first.total  # explained afresh, from the new image


def test_the_explained_value_goes_with_another_architecture(session):
    session.explain_at(0, 2, 5, 6)
    session.set_model(build_model(presets.tiny(), seed=9), ModelInfo("same shape", {}))
    assert session.explanation is not None  # the same positions exist: explained again
    session.set_model(build_model(presets.lenet5(), seed=0), ModelInfo("lenet5", {}))
    assert session.explanation is None and session.explained is None


def test_explaining_nothing_says_so(session, qtbot):
    session.set_image(None, ImageSource("drawing"))
    with qtbot.waitSignal(session.message) as message:
        session.explain_at(0, 0, 0, 0)
    assert "nothing to explain" in message.args[0] and session.explained is None


def test_a_run_from_the_model_shown_redraws_nothing_a_fresh_one_does(session):
    """Its copy's weights and maps are those in sight: only run_changed goes out (a redraw of
    every view was most of a run's first second). Fresh weights redraw everything."""
    seen = record(session)
    trace = session.trace
    session.begin_run(session.model, TrainConfig(), "a run", "tiny")
    assert [name for name, *_ in seen] == ["run_changed"] and session.trace is trace
    session.end_run(session.model, TrainResult([], stopped=True, seconds=0.1), None, session.info)
    assert session.run.note == "Stopped after 0 s, before its first report."  # not 'epoch 0'
    seen.clear()
    fresh = build_model(presets.tiny(), seed=5)
    session.begin_run(fresh, TrainConfig(), "a run", "tiny")
    assert [name for name, *_ in seen] == ["run_changed", "trace_changed", "explanation_changed"]
    np.testing.assert_allclose(
        session.trace.logits, trace_image(fresh, _stroke()).logits, rtol=1e-6
    )
