"""Executing a plan: scheduling, creates that never duplicate, follow imports.

Called, this package is the library's ``ptsync.apply(paths, options)``
(``ptsync.session.apply``; see ``ptsync.entry`` for why).
"""

from ptsync.entry import make_callable

make_callable(__name__)
