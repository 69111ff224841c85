"""The model's temperature: probabilities are softmax(logits / T) everywhere they are shown."""

import numpy as np
import torch
from convlens.engine import explain, presets
from convlens.engine.model_file import ModelInfo, load_model, save_model
from convlens.engine.network import predict, trace_image
from convlens.engine.training import build_model


def _image() -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = 1.0
    return image


def test_predict_and_trace_divide_the_logits_by_t():
    model = build_model(presets.tiny(), seed=0)
    image = _image()
    logits = model.eval()(torch.from_numpy(image).reshape(1, 1, 28, 28))[0].detach()
    model.temperature = 2.5
    expected = torch.softmax(logits / 2.5, 0).numpy()
    np.testing.assert_allclose(predict(model, torch.from_numpy(image)[None])[0], expected, 1e-6)
    trace = trace_image(model, image)
    np.testing.assert_allclose(trace.probabilities, expected, rtol=1e-6)
    assert trace.temperature == 2.5
    np.testing.assert_allclose(trace.logits, logits.numpy(), rtol=1e-6)  # logits unscaled


def test_softmax_explanation_shows_logits_over_t():
    model = build_model(presets.tiny(), seed=0)
    model.temperature = 0.5
    trace = trace_image(model, _image())
    e = explain.explain(model, trace, len(model.layers), 0)
    assert e.temperature == 0.5
    np.testing.assert_allclose(e.scaled, e.logits / 0.5)
    np.testing.assert_allclose(e.exps, np.exp(e.scaled - e.scaled.max()))
    np.testing.assert_allclose(e.probabilities, trace.probabilities, rtol=1e-5)


def test_temperature_travels_in_the_file_not_in_the_weights(tmp_path):
    model = build_model(presets.tiny(), seed=0)
    assert "temperature" not in model.state_dict()
    path = tmp_path / "m.safetensors"
    save_model(path, model, ModelInfo("tiny", {}, temperature=1.37))
    loaded, info = load_model(path)
    assert loaded.temperature == info.temperature == 1.37
    assert build_model(presets.tiny()).temperature == 1.0
