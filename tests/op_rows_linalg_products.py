"""Op-table rows of `functrans.numpy.linalg._products` (issue 13); `op_table.ROWS` includes
them. The products round as NumPy's own (`dot_general` lowers to the same BLAS calls), except
multi_dot, whose order can differ from NumPy's when two orders cost the same."""
from __future__ import annotations

import numpy as np
from op_table import COMPOSED, F32, F64, I64, NUMERIC, OpRow, V, fnp

ROWS: list[OpRow] = [
    OpRow("linalg.matmul", fnp.linalg.matmul, np.linalg.matmul,
          (V((2, 3), (3, 4)), V((3,), (3, 2)), V((2, 2, 3), (3,)), V((0, 3), (3, 2))),
          dtypes=NUMERIC, tol=COMPOSED),   # a stack times a vector: one GEMV, NumPy loops GEMVs
    OpRow("linalg.tensordot", lambda x, y: fnp.linalg.tensordot(x, y, axes=1),
          lambda x, y: np.linalg.tensordot(x, y, axes=1), (V((2, 3), (3, 4)),),
          dtypes=(F64, F32, I64)),
    OpRow("linalg.tensordot_default", fnp.linalg.tensordot, np.linalg.tensordot,
          (V((2, 3, 4), (3, 4, 2)), V((2, 2), (2, 2))), dtypes=(F64, F32)),
    OpRow("linalg.vecdot", fnp.linalg.vecdot, np.linalg.vecdot,
          (V((2, 3), (3,)), V((3,), (3,)), V((2, 1, 3), (4, 3))), dtypes=(F64, F32, I64),
          tol=COMPOSED),
    OpRow("linalg.vecdot_axis0", lambda x, y: fnp.linalg.vecdot(x, y, axis=0),
          lambda x, y: np.linalg.vecdot(x, y, axis=0), (V((3, 2), (3, 2)),), tol=COMPOSED),
    OpRow("linalg.matrix_transpose", fnp.linalg.matrix_transpose, np.linalg.matrix_transpose,
          (V((2, 3)), V((4, 2, 3)), V((0, 3))), dtypes=NUMERIC),
    OpRow("linalg.diagonal", fnp.linalg.diagonal, np.linalg.diagonal,
          (V((3, 3)), V((2, 3, 4)), V((0, 2))), dtypes=NUMERIC),
    OpRow("linalg.diagonal_offset", lambda x: fnp.linalg.diagonal(x, offset=-1),
          lambda x: np.linalg.diagonal(x, offset=-1), (V((3, 4)), V((2, 4, 3)))),
    OpRow("linalg.trace", fnp.linalg.trace, np.linalg.trace,
          (V((3, 3)), V((2, 3, 4)), V((0, 0))), dtypes=NUMERIC),
    OpRow("linalg.trace_offset_dtype",
          lambda x: fnp.linalg.trace(x, offset=1, dtype=np.float32),
          lambda x: np.linalg.trace(x, offset=1, dtype=np.float32), (V((3, 4)), V((2, 2, 3))),
          dtypes=(F64, I64)),
    OpRow("linalg.outer", fnp.linalg.outer, np.linalg.outer,
          (V((3,), (2,)), V((0,), (2,)), V((1,), (1,))), dtypes=NUMERIC),
    OpRow("linalg.cross", fnp.linalg.cross, np.linalg.cross,
          (V((3,), (3,)), V((2, 3), (3,)), V((4, 1, 3), (2, 3))), dtypes=(F64, F32, I64)),
    OpRow("linalg.cross_axis0", lambda x, y: fnp.linalg.cross(x, y, axis=0),
          lambda x, y: np.linalg.cross(x, y, axis=0), (V((3, 2), (3, 2)),)),
    OpRow("linalg.multi_dot", lambda a, b, c: fnp.linalg.multi_dot([a, b, c]),
          lambda a, b, c: np.linalg.multi_dot([a, b, c]),
          (V((2, 6), (6, 3), (3, 4)), V((6,), (6, 2), (2, 5)), V((4, 2), (2, 3), (3,)),
           V((3,), (3, 3), (3,))), dtypes=(F64, F32), tol=COMPOSED),
    OpRow("linalg.multi_dot_four", lambda a, b, c, d: fnp.linalg.multi_dot([a, b, c, d]),
          lambda a, b, c, d: np.linalg.multi_dot([a, b, c, d]),
          (V((6, 2), (2, 6), (6, 1), (1, 4)),), tol=COMPOSED),
    OpRow("linalg.multi_dot_two", lambda a, b: fnp.linalg.multi_dot([a, b]),
          lambda a, b: np.linalg.multi_dot([a, b]), (V((2, 3), (3, 2)), V((3,), (3,)))),
]
