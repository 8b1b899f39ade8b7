"""Tests of course_utils.compare.gradient_table, the backprop-ninja comparison table."""
import numpy as np
import pytest

from course_utils.compare import GradientTable, gradient_table


def _point():
    rng = np.random.default_rng(0)
    return {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(3)}


def _loss(values):
    # L = sum(tanh(W @ c) * b) + 0.5 * |W|^2, a smooth scalar of both tensors
    c = np.array([0.5, -1.0, 2.0, 0.25])
    return float(np.sum(np.tanh(values["W"] @ c) * values["b"]) + 0.5 * np.sum(values["W"] ** 2))


def _true_grads(values):
    c = np.array([0.5, -1.0, 2.0, 0.25])
    t = np.tanh(values["W"] @ c)
    return {"dW": np.outer(values["b"] * (1 - t**2), c) + values["W"], "db": t}


def _f(params):
    return lambda name, value: _loss({**params, name: value})


def test_one_row_per_tensor_in_order():
    ref = {"da": np.ones(3), "db": np.zeros((2, 2)), "dc": np.arange(4.0)}
    table = gradient_table(ref, ref)
    assert isinstance(table, GradientTable)
    assert [row.name for row in table] == ["da", "db", "dc"]
    assert [row.shape for row in table] == [(3,), (2, 2), (4,)]
    assert len(table) == 3 and table["db"].name == "db"
    with pytest.raises(KeyError):
        table["dz"]


def test_exact_close_and_max_diff_flags():
    ref = np.array([1.0, 2.0, 3.0])
    hand = {"exact": ref.copy(), "close": ref * (1 + 1e-12), "far": ref + np.array([0.0, 0.5, 0.0])}
    table = gradient_table(hand, {k: ref for k in hand})
    assert (table["exact"].exact, table["exact"].close) == (True, True)
    assert (table["close"].exact, table["close"].close) == (False, True)
    assert (table["far"].exact, table["far"].close) == (False, False)
    assert table["exact"].max_diff == 0.0
    assert table["far"].max_diff == pytest.approx(0.5)
    assert table["exact"].diagnosis is None and table["close"].diagnosis is None
    assert table["far"].diagnosis == "entries"
    assert not table.all_close and table.wrong == ["far"]
    assert [row.status for row in table] == ["exact", "close", "WRONG"]


@pytest.mark.parametrize("transform, tag", [
    (lambda g: -g, "sign"),
    (lambda g: 2 * g, "scale:2"),
    (lambda g: 0.5 * g, "scale:0.5"),
    (lambda g: np.zeros_like(g), "zero"),
    (lambda g: g.T, "transpose"),
    (lambda g: g[:, :2], "shape"),
    (lambda g: np.where(g > 0, np.nan, g), "nonfinite"),
])
def test_diagnosis_against_given_reference(transform, tag):
    ref = np.random.default_rng(1).standard_normal((3, 3)) + 0.1
    table = gradient_table({"dW": transform(ref)}, {"dW": ref})
    row = table["dW"]
    assert not row.close
    assert tag in row.diagnosis.split(","), row.diagnosis
    assert row.message


def test_checker_reference_passes_a_correct_gradient():
    params = _point()
    table = gradient_table(_true_grads(params), f=_f(params), params=params)
    assert table.all_close, str(table)
    for row in table:
        assert row.exact is None and row.diagnosis is None
        assert row.max_diff < 1e-7


def test_checker_diagnoses_a_sign_flipped_gradient():
    params = _point()
    hand = _true_grads(params)
    hand["db"] = -hand["db"]
    table = gradient_table(hand, f=_f(params), params=params)
    assert table["dW"].close and not table["db"].close
    assert table["db"].diagnosis.startswith("sign")
    assert "db" in table["db"].message
    assert table.wrong == ["db"]
    text = str(table)
    assert "sign" in text and "wrong: db" in text


def test_checker_fills_in_missing_references_and_hints():
    params = _point()
    true = _true_grads(params)
    hand = {"dW": true["dW"], "db": true["db"] + 1.0}
    table = gradient_table(hand, {"dW": true["dW"]}, f=_f(params), params=params,
                           hints={"db": "look at the bias"})
    assert table["dW"].exact is True
    assert table["db"].exact is None and not table["db"].close
    assert "look at the bias" in table["db"].message


def test_given_reference_with_checker_diagnosis():
    params = _point()
    true = _true_grads(params)
    table = gradient_table({"dW": -true["dW"]}, {"dW": true["dW"]}, f=_f(params), params=params)
    assert table["dW"].exact is False and not table["dW"].close
    assert "sign" in table["dW"].diagnosis


def test_html_output():
    ref = np.array([1.0, -2.0])
    table = gradient_table({"dgood": ref, "dbad<x>": -ref}, {"dgood": ref, "dbad<x>": ref})
    out = table._repr_html_()
    assert out.startswith("<table") and out.endswith("</table>")
    assert out.count("<tr") == 3  # header + two rows
    assert "dgood" in out and "dbad&lt;x&gt;" in out and "<x>" not in out
    assert 'class="wrong"' in out and 'class="exact"' in out
    assert "sign" in out


def test_text_output_has_every_row():
    ref = {"da": np.ones(2), "dbb": np.ones((2, 3))}
    text = str(gradient_table(ref, ref))
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["tensor", "shape", "exact", "close"]
    assert any(line.startswith("da ") for line in lines)
    assert any(line.startswith("dbb") and "2x3" in line for line in lines)
    assert "all gradients match" in lines[-1]
    assert repr(gradient_table(ref, ref)) == text


def test_errors():
    with pytest.raises(ValueError, match="no reference"):
        gradient_table({"da": np.ones(2)})
    with pytest.raises(ValueError, match="params"):
        gradient_table({"da": np.ones(2)}, f=lambda name, value: 0.0)
    with pytest.raises(KeyError, match="no tensor"):
        gradient_table({"dq": np.ones(2)}, f=lambda name, value: 0.0, params={"a": np.ones(2)})


def test_inputs_are_not_modified():
    params = _point()
    saved = {k: v.copy() for k, v in params.items()}
    hand = _true_grads(params)
    hand_saved = {k: v.copy() for k, v in hand.items()}
    gradient_table(hand, f=_f(params), params=params)
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])
    for k in hand:
        np.testing.assert_array_equal(hand[k], hand_saved[k])
