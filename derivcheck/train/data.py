"""The data a trainer learns from: a data set shipped with scikit-learn, or a CSV file.

Each model asks for its own kind of target: classes for softmax regression, two classes for
logistic regression, real numbers for least squares. The split is stratified for classes (75/25,
a fixed seed), the features are standardised on the training part, and a real-valued target is
centred on it (so an intercept, penalised or not, sits at zero and the fit equals scikit-learn's).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Built-in data sets by the kind of target they have.
CLASSES = ("iris", "wine", "digits")
BINARY = ("breast_cancer",)
REAL = ("diabetes",)
DATASETS = CLASSES + BINARY + REAL


class DataError(ValueError):
    """The data cannot be used (no such set, a malformed CSV, the wrong kind of target)."""


@dataclass
class Split:
    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    classes: int              # 0 for a real-valued target
    offset: float = 0.0       # what was subtracted from a real-valued target (its training mean)


def load_data(spec: str, target: str = "classes", seed: int = 0) -> Split:
    """``spec`` (a built-in name or a CSV whose last column is the target) for a model whose
    target is ``target``: "classes", "binary" (two classes, coded 0 and 1) or "real"."""
    from sklearn import datasets
    if spec in DATASETS:
        bunch = getattr(datasets, f"load_{spec}")()
        X, raw, name = bunch.data.astype(float), bunch.target, spec
    else:
        path = Path(spec)
        if not path.is_file():
            raise DataError(f"--data {spec}: not a data set ({', '.join(DATASETS)}) nor a CSV file")
        X, raw = _read_csv(path)
        name = path.name
    if target == "real":
        return _regression(name, X, raw, seed)
    return _classification(name, X, raw, target, seed)


def _classification(name: str, X: np.ndarray, raw: np.ndarray, target: str, seed: int) -> Split:
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelEncoder, StandardScaler
    if name in REAL:
        raise DataError(f"{name} has a real-valued target; a classifier needs classes ({', '.join(CLASSES + BINARY)})")
    y = LabelEncoder().fit_transform(raw)
    classes = int(y.max()) + 1
    if classes < 2:
        raise DataError(f"{name}: at least two classes are needed")
    if target == "binary" and classes != 2:
        raise DataError(f"{name} has {classes} classes; logistic regression needs two (breast_cancer, or a CSV)")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return Split(name, scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, classes)


def _regression(name: str, X: np.ndarray, raw: np.ndarray, seed: int) -> Split:
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    if name in CLASSES + BINARY:
        raise DataError(f"{name} has classes; least squares needs a real-valued target (diabetes, or a CSV)")
    try:
        y = np.asarray(raw, dtype=float)
    except ValueError:
        raise DataError(f"{name}: the last column is not a number; least squares needs a real-valued target") from None
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    offset = float(y_train.mean())
    return Split(name, scaler.transform(X_train), scaler.transform(X_test), y_train - offset, y_test - offset, 0,
                 offset)


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle) if r]
    if rows and not _numeric(rows[0][:-1]):
        rows = rows[1:]  # a header line
    if not rows or any(len(r) != len(rows[0]) for r in rows) or len(rows[0]) < 2:
        raise DataError(f"{path}: expected rows of numbers with the target in the last column")
    try:
        X = np.array([[float(v) for v in r[:-1]] for r in rows])
    except ValueError as err:
        raise DataError(f"{path}: {err}") from None
    return X, np.array([r[-1] for r in rows])


def _numeric(values: list[str]) -> bool:
    try:
        [float(v) for v in values]
        return True
    except ValueError:
        return False


def with_intercept(X: np.ndarray) -> np.ndarray:
    """The inputs with a constant feature last: its weight is the intercept."""
    return np.hstack([X, np.ones((X.shape[0], 1))])
