"""course_utils.datasets: shapes, dtypes, labels, reproducibility, validation."""
import numpy as np
import pytest

from course_utils.datasets import make_moons, make_spiral


@pytest.mark.parametrize("n_per_class, n_classes", [(100, 3), (7, 5), (1, 1)])
def test_spiral_shapes_dtypes_and_balance(n_per_class, n_classes):
    X, y = make_spiral(n_per_class, n_classes)
    assert X.shape == (n_per_class * n_classes, 2) and X.dtype == np.float64
    assert y.shape == (n_per_class * n_classes,) and y.dtype == np.int64
    assert np.array_equal(np.bincount(y), np.full(n_classes, n_per_class))
    assert np.all(np.isfinite(X))


def test_spiral_arms_reach_radius_one_from_the_origin():
    X, y = make_spiral(50, 3, noise=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    for k in range(3):
        r = radius[y == k]
        assert r[0] == pytest.approx(0.0) and r[-1] == pytest.approx(1.0)  # noise moves the angle only


def test_spiral_classes_are_different_arms():
    X, y = make_spiral(100, 3, noise=0.0)
    means = np.array([X[y == k].mean(axis=0) for k in range(3)])
    assert np.min(np.linalg.norm(means[:, None] - means[None], axis=2) + np.eye(3) * 9) > 0.1


def test_moons_shapes_labels_and_geometry():
    X, y = make_moons(201, noise=0.0)
    assert X.shape == (201, 2) and X.dtype == np.float64
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert np.bincount(y).tolist() == [101, 100]
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(*upper.T), 1.0) and np.all(upper[:, 1] >= -1e-12)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0) and np.all(lower[:, 1] <= 0.5 + 1e-12)


@pytest.mark.parametrize("make", [make_spiral, make_moons])
def test_seeded_reproducible_and_independent_of_global_state(make):
    np.random.seed(1)
    X1, y1 = make(seed=3)
    np.random.seed(2)
    X2, y2 = make(seed=3)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    X3, _ = make(seed=4)
    assert not np.allclose(X1, X3)
    state = np.random.get_state()[1].copy()
    make(seed=5)
    assert np.array_equal(state, np.random.get_state()[1])


@pytest.mark.parametrize("call, word", [
    (lambda: make_spiral(0), "n_per_class"),
    (lambda: make_spiral(10, 0), "n_classes"),
    (lambda: make_spiral(2.5), "n_per_class"),
    (lambda: make_spiral(noise=-0.1), "noise"),
    (lambda: make_spiral(noise=float("nan")), "noise"),
    (lambda: make_spiral(seed=1.5), "seed"),
    (lambda: make_moons(1), "n_samples"),
    (lambda: make_moons(True), "n_samples"),
    (lambda: make_moons(noise="0.1"), "noise"),
])
def test_bad_arguments_raise_clear_value_errors(call, word):
    with pytest.raises(ValueError, match=word):
        call()
