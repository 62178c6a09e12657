"""Exceptions raised by formulae.

Every error names its culprit (file, column, row, parameter or value) in its message and
carries it as attributes, so that callers can react programmatically. Each class also
inherits the matching builtin, so that ``except ValueError`` in existing code keeps working.

=========================  ==========================================================
class                      raised when
=========================  ==========================================================
FormulaeError              base class of all errors below
InvalidParameterError      an argument has a wrong type or value
DataError                  a file, column, row or array holds something unusable
NotFittedError             an estimator or model is used before ``fit``
MissingDependencyError     an optional extra (matplotlib, xraylarch, FDMNES) is absent
FitError                   a numerical fit or an external calculation failed
SimulationError            an FDMNES run failed or timed out
=========================  ==========================================================
"""

from __future__ import annotations

__all__ = [
    "FormulaeError",
    "InvalidParameterError",
    "DataError",
    "NotFittedError",
    "MissingDependencyError",
    "FitError",
    "SimulationError",
]


class FormulaeError(Exception):
    """Base class of every error raised on purpose by formulae."""


class InvalidParameterError(FormulaeError, ValueError, TypeError):
    """An argument has a wrong type or value.

    Parameters
    ----------
    message : str
        Full message, naming the parameter, what was expected and what was given.
    parameter : str, optional
        Name of the offending parameter.
    value : object, optional
        The offending value.
    """

    def __init__(self, message: str, *, parameter: str | None = None, value=None):
        super().__init__(message)
        self.parameter = parameter
        self.value = value


class DataError(FormulaeError, ValueError):
    """A file, column, row or array holds something unusable.

    Parameters
    ----------
    message : str
        Full message, naming where the problem is and what was expected.
    path : str, optional
        File in which the problem was found.
    column : str, optional
        Column name.
    row : int, optional
        Row (0-based data row, or the file's 1-based line number when ``line`` is set).
    line : int, optional
        1-based line number in ``path``.
    value : object, optional
        The offending value.
    """

    def __init__(self, message: str, *, path=None, column=None, row=None, line=None, value=None):
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.column = column
        self.row = row
        self.line = line
        self.value = value


class NotFittedError(FormulaeError, ValueError, AttributeError):
    """An estimator or model is used before it was fitted."""


class MissingDependencyError(FormulaeError, ImportError):
    """An optional dependency is not installed; the message says how to install it."""


class FitError(FormulaeError, RuntimeError):
    """A numerical fit or an external calculation failed; the message says why."""


class SimulationError(FitError):
    """An FDMNES run failed or timed out.

    Parameters
    ----------
    message : str
        Full message, including the last lines of FDMNES's log.
    folder : str, optional
        Working folder of the failed run.
    """

    def __init__(self, message: str, *, folder=None):
        super().__init__(message)
        self.folder = None if folder is None else str(folder)
