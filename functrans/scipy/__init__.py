"""`functrans.scipy`: SciPy's namespaces for arrays and traced values (`special`, `stats`,
`linalg`). Importing a subpackage that needs SciPy without it raises an ImportError naming the
`scipy` extra (`pip install functrans[scipy]`); this package itself imports nothing.
"""
