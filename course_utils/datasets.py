"""Toy 2-D classification data sets for the decision-boundary exercises.

Both generators draw from their own ``np.random.default_rng(seed)``, so the
same seed gives the same data on every machine and the global NumPy state is
never touched (students' own ``np.random.seed`` calls cannot change them).
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["make_moons", "make_spiral"]


def _check_int(name: str, value: object, minimum: int) -> int:
    # bool is an Integral too, but make_spiral(True) is surely a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_noise(noise: object) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not np.isfinite(noise):
        raise ValueError(f"noise must be a finite number, got {noise!r}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")
    return float(noise)


def _rng(seed: object) -> np.random.Generator:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ValueError(f"seed must be an integer or None, got {seed!r}")
    return np.random.default_rng(seed)


def make_spiral(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n toy data set).

    Arm ``k`` runs from the origin out to radius 1 while its angle sweeps
    4 radians starting at ``4 k``; ``noise`` is the standard deviation of the
    Gaussian jitter added to the angle. No linear classifier separates it,
    a small MLP does.

    Parameters
    ----------
    n_per_class : int
        Points per class, at least 1.
    n_classes : int
        Number of classes (spiral arms), at least 1.
    noise : float
        Standard deviation of the angular noise in radians, non-negative.
    seed : int or None
        Seed of the private random generator.

    Returns
    -------
    X : ndarray of float64, shape (n_per_class * n_classes, 2)
        The points, rows grouped by class (class 0 first).
    y : ndarray of int64, shape (n_per_class * n_classes,)
        Labels ``0 .. n_classes - 1``.
    """
    n_per_class = _check_int("n_per_class", n_per_class, 1)
    n_classes = _check_int("n_classes", n_classes, 1)
    noise = _check_noise(noise)
    rng = _rng(seed)

    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    start = 4.0 * np.repeat(np.arange(n_classes), n_per_class)
    theta = start + np.tile(np.linspace(0.0, 4.0, n_per_class), n_classes)
    theta = theta + noise * rng.standard_normal(theta.shape)
    X = np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    return X.astype(np.float64), y


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles.

    Class 0 is the upper half of the unit circle; class 1 is the lower half
    shifted to centre ``(1, 0.5)``. Gaussian noise of standard deviation
    ``noise`` is added to both coordinates.

    Parameters
    ----------
    n_samples : int
        Total number of points, at least 2; class 0 gets the extra point
        when it is odd.
    noise : float
        Standard deviation of the Gaussian noise, non-negative.
    seed : int or None
        Seed of the private random generator.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
        The points, rows grouped by class (class 0 first).
    y : ndarray of int64, shape (n_samples,)
        Labels in ``{0, 1}``.
    """
    n_samples = _check_int("n_samples", n_samples, 2)
    noise = _check_noise(noise)
    rng = _rng(seed)

    n_upper = n_samples - n_samples // 2
    n_lower = n_samples // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    return X.astype(np.float64), y
