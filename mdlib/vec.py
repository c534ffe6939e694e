"""Numeric vec, unvec and the commutation matrix (curriculum H1, H2).

``vec`` stacks the columns of a matrix into one long column (column-major order), the
convention of the second half of the article "矩阵求导术" and of the vec/Kronecker rules:

* H1: vec(A X B) = (Bᵀ ⊗ A) vec X, vec(Xᵀ) = K vec X, vec(A ⊙ X) = diag(vec A) vec X;
* H2: K_mn is the permutation with vec(Aᵀ) = K_mn vec A for every m×n matrix A.

>>> import numpy as np
>>> A = np.arange(6.0).reshape(2, 3)
>>> vec(A).ravel().tolist()
[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
>>> bool(np.array_equal(unvec(vec(A), 2, 3), A))
True
>>> K = commutation_matrix(2, 3)
>>> bool(np.array_equal(K @ vec(A), vec(A.T)))
True
"""

from __future__ import annotations

import numpy as np

from .errors import MdlibError
from .i18n import _


def vec(A: object) -> np.ndarray:
    """The columns of ``A`` stacked into one column (an ``mn × 1`` array).

    A vector (1-D array) is taken as a column, so ``vec(x)`` is ``x`` as a column.

    >>> vec(np.array([[1, 2], [3, 4]])).ravel().tolist()
    [1, 3, 2, 4]
    """
    arr = np.asarray(A)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise MdlibError(_("vec needs a matrix or a vector, got an array with {axes} "
                           "axes").format(axes=arr.ndim))
    return arr.reshape(-1, 1, order="F")


def unvec(v: object, rows: int, cols: int) -> np.ndarray:
    """The ``rows × cols`` matrix whose vec is ``v`` (the inverse of :func:`vec`).

    >>> unvec(np.array([1, 3, 2, 4]), 2, 2).tolist()
    [[1, 2], [3, 4]]
    """
    arr = np.asarray(v)
    if arr.size != rows * cols:
        raise MdlibError(_("cannot reshape {size} numbers into a {rows}×{cols} matrix; vec of a "
                           "{rows}×{cols} matrix has {entries} entries").format(
                               size=arr.size, rows=rows, cols=cols, entries=rows * cols))
    return arr.reshape(rows, cols, order="F")


def commutation_matrix(m: int, n: int) -> np.ndarray:
    """K_mn, the ``mn × mn`` permutation matrix with ``vec(Aᵀ) = K_mn vec(A)`` for A m×n.

    Its properties (H2): K_mnᵀ = K_nm, K_mn K_nm = I, and K_pm (A ⊗ B) K_nq = B ⊗ A.

    >>> commutation_matrix(2, 2).astype(int).tolist()
    [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    """
    if int(m) != m or int(n) != n or m < 1 or n < 1:
        raise MdlibError(_("the commutation matrix needs two positive integer sizes, got {m}, "
                           "{n}").format(m=m, n=n))
    m, n = int(m), int(n)
    K = np.zeros((m * n, m * n))
    # Entry A[i, j] sits at row i + j m of vec A and at row j + i n of vec Aᵀ.
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    K[(j + i * n).ravel(), (i + j * m).ravel()] = 1.0
    return K


__all__ = ["commutation_matrix", "unvec", "vec"]
