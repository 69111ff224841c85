"""ConvLens desktop GUI: PySide6 widgets and pyqtgraph plots over the Qt-free ``engine``.

pyqtgraph picks its Qt binding when first imported and would try PyQt6 before PySide6;
this package's ``__init__`` runs before any of its modules, so it settles that for them all.
"""

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import PySide6.QtCore  # noqa: E402, F401  (bind pyqtgraph to PySide6 before it is imported)
