"""Fit variables, bounds and constraint expressions with exact gradients.

Expressions (``"alpha*reff"``, ``"s02*n1"``, ``"sigma2_eins(t, theta)"``) are parsed once with
sympy, written in terms of the varying variables, differentiated symbolically and compiled
into one numpy function returning the values and their gradients together, so the chain rule
reaches the fit's Jacobian exactly. Plain names and numbers (the common case) need no sympy:
it is imported only when an expression needs it.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
Variable                   a named fit variable: initial value, bounds, vary flag
check_namespace            validate the names of variables, constraints and fixed values
ExpressionSet              named constraints and fixed values resolved in terms of variables
CompiledTargets            many expressions compiled into one value-and-gradient function
BoundTransform             lmfit's (MINUIT's) internal <-> external transform for bounds
parse_expression           parse one expression, naming unknown names and the known ones
sigma2_eins                Einstein-model sigma^2 (Larch's definition), in Angstrom^2
sigma2_debye               correlated-Debye sigma^2 of a path (Larch/FEFF), in Angstrom^2
EINS_FACTOR                hbar^2 / (2 k_B amu) in Angstrom^2 K amu (about 24.254)
=========================  ===================================================================
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..errors import InvalidParameterError

# CODATA 2022 values, as scipy.constants (1.17) gives them; written out because importing
# scipy.constants costs 0.1-0.3 s of start-up (it pulls in scipy's array-API layer).
_HBAR = 1.0545718176461565e-34          # J s
_K_BOLTZMANN = 1.380649e-23             # J / K
_AMU = 1.66053906892e-27                # kg
_BOHR = 5.29177210544e-11               # m

__all__ = [
    "Variable",
    "check_namespace",
    "ExpressionSet",
    "CompiledTargets",
    "BoundTransform",
    "parse_expression",
    "sigma2_eins",
    "sigma2_debye",
    "EINS_FACTOR",
    "PATH_CONSTANTS",
]

#: hbar^2/(2 k_B amu) in Angstrom^2 K amu, as Larch's ``sigma2_models.EINS_FACTOR``
#: (24.254360...); from scipy.constants.
EINS_FACTOR = 1.0e20 * _HBAR ** 2 / (2.0 * _K_BOLTZMANN * _AMU)

#: Path constants usable in path-parameter expressions (Larch's FEFFDAT_VALUES subset).
PATH_CONSTANTS = ("reff", "degen", "nleg", "rmass")

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FUNCTION_NAMES = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "cosh", "sinh", "arctan",
                   "atan", "abs")
_RESERVED = set(PATH_CONSTANTS) | {"sigma2_eins", "sigma2_debye", "pi"} | set(_FUNCTION_NAMES)

_SYM: dict = {}
_PARSE_CACHE: dict = {}
_LAMBDA_CACHE: dict = {}


def _sym() -> dict:
    """Import sympy and define the placeholder functions, once."""
    if _SYM:
        return _SYM
    import sympy

    class Sigma2Eins(sympy.Function):
        """``sigma2_eins(t, theta)``; expanded per path with its reduced mass."""

        nargs = 2

    class Sigma2Debye(sympy.Function):
        """``sigma2_debye(t, theta)``; replaced per path by Sigma2DebyeNumeric."""

        nargs = 2

    class Sigma2DebyeNumeric(sympy.Function):
        """``sigma2_debye`` of one path (third argument: registry key), evaluated numerically."""

        nargs = 3

        def fdiff(self, argindex=1):
            return Sigma2DebyeDiff(*self.args, sympy.Integer(argindex))

    class Sigma2DebyeDiff(sympy.Function):
        """d sigma2_debye / d(argument ``argindex``)."""

        nargs = 4

    _SYM.update(
        sympy=sympy, Eins=Sigma2Eins, Debye=Sigma2Debye, DebyeNumeric=Sigma2DebyeNumeric,
        functions={"exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
                   "cos": sympy.cos, "tan": sympy.tan, "tanh": sympy.tanh,
                   "cosh": sympy.cosh, "sinh": sympy.sinh, "arctan": sympy.atan,
                   "atan": sympy.atan, "abs": sympy.Abs, "pi": sympy.pi},
        sigma2={"sigma2_eins": Sigma2Eins, "sigma2_debye": Sigma2Debye},
        modules=[{"Sigma2DebyeNumeric": np.vectorize(_debye_value, otypes=[float]),
                  "Sigma2DebyeDiff": np.vectorize(_debye_diff, otypes=[float])}, "numpy"])
    return _SYM


def sigma2_eins(t, theta, rmass):
    r"""Einstein-model mean-square relative displacement, as Larch defines it.

    Parameters
    ----------
    t : float
        Sample temperature, in K.
    theta : float
        Einstein temperature, in K.
    rmass : float
        Reduced mass of the path, in amu (``1/sum(1/m_i)`` over the path's atoms).

    Returns
    -------
    float
        :math:`\sigma^2` in Å².

    Notes
    -----
    .. math:: \sigma^2 = \frac{\hbar^2}{2 k_B\, \mu\, \theta}\coth\frac{\theta}{2T}

    (Larch, ``larch/xafs/sigma2_models.py::sigma2_eins``; Larch also clamps ``t`` and
    ``theta`` at 1e-5 K, which is not done here.)

    Examples
    --------
    >>> round(sigma2_eins(300.0, 250.0, 31.773) * 1e3, 4)   # Cu-Cu, Einstein 250 K
    7.7476
    """
    return EINS_FACTOR / (theta * rmass * math.tanh(theta / (2.0 * t)))


def _sigma2_eins_expr(t, theta, rmass):
    sympy = _sym()["sympy"]
    return sympy.Float(EINS_FACTOR) / (theta * sympy.Float(rmass) * sympy.tanh(theta / (2 * t)))


# FEFF's correlated-Debye constants: 3 hbar^2/(2 k_B amu) in Angstrom^2 K, and
# (9 pi/2)^(1/3) / a_Bohr in 1/Angstrom (the Norman radius is in bohr).
_CONH = 3.0 * EINS_FACTOR
_CONR = (4.5 * math.pi) ** (1.0 / 3.0) / (_BOHR * 1e10)


def _debye_integral(rx, tx):
    """int_0^1 sin(w rx)/rx coth(w tx/2) dw and its d/dtx (FEFF's ``debint`` scheme: trapezoid
    halving with one Richardson step, relative tolerance 1e-9, at most 12 halvings)."""
    def f(w):
        w = np.asarray(w, dtype=float)
        out = np.empty_like(w)
        dout = np.empty_like(w)
        small = w <= 1e-20
        out[small] = 2.0 / tx
        dout[small] = -2.0 / tx ** 2
        ww = w[~small]
        s = np.sin(ww * rx) / rx if rx > 0 else ww
        e = np.exp(-np.minimum(ww * tx, 50.0))
        out[~small] = s * (1 + e) / (1 - e)
        # d coth(w tx / 2) / d tx = -(w/2) / sinh^2(w tx / 2) = -2 w e / (1 - e)^2
        dout[~small] = s * (-2.0 * ww * e / (1 - e) ** 2)
        return out, dout
    v, dv = f([0.0, 1.0])
    bn, dbn = v.mean(), dv.mean()
    bo = bn
    delta, n_mid = 1.0, 1
    value = dvalue = 0.0
    for _ in range(12):
        delta /= 2.0
        v, dv = f((2.0 * np.arange(1, n_mid + 1) - 1.0) * delta)
        bnp1 = delta * v.sum() + bn / 2.0
        dbnp1 = delta * dv.sum() + dbn / 2.0
        value = (4.0 * bnp1 - bn) / 3.0
        dvalue = (4.0 * dbnp1 - dbn) / 3.0
        if abs((value - bo) / value) < 1e-9:
            break
        bn, dbn, bo = bnp1, dbnp1, value
        n_mid *= 2
    return value, dvalue


def sigma2_debye(t, theta, path, *, derivatives: bool = False):
    r"""Correlated-Debye :math:`\sigma^2` of a path, as Larch (FEFF's ``sigm3``) defines it.

    Parameters
    ----------
    t : float
        Sample temperature, in K.
    theta : float
        Debye temperature, in K.
    path : FeffPath
        Supplies the geometry (positions in Å, atomic numbers) and the Norman radius
        ``rnorman`` (bohr).
    derivatives : bool, default=False
        Also return :math:`\partial\sigma^2/\partial t` and
        :math:`\partial\sigma^2/\partial\theta`.

    Returns
    -------
    float or tuple of float
        :math:`\sigma^2` in Å² (and its two derivatives).

    Notes
    -----
    Sevillano, Meuth and Rehr, Phys. Rev. B 20, 4908 (1979); Poiarkova and Rehr, Phys. Rev. B
    59, 948 (1999). For legs :math:`i \le j` with end atoms :math:`(i_0, i_1)`,
    :math:`(j_0, j_1)`:

    .. math:: \sigma^2 = \frac12\sum_{i\le j} w_{ij}\,\frac{\vec r_i\cdot\vec r_j}{r_i r_j}
              \bigl[C_{i_0j_0} + C_{i_1j_1} - C_{i_0j_1} - C_{i_1j_0}\bigr],\quad
              C_{ab} = \frac{3\hbar^2}{2k_B\,\theta\sqrt{m_am_b}}
              \int_0^1 \frac{\sin(w\,x_{ab})}{x_{ab}}\coth\frac{w\theta}{2T}\,dw

    with :math:`x_{ab} = (9\pi/2)^{1/3} r_{ab}/r_s`, :math:`r_s` the Norman radius and
    :math:`w_{ii} = 1/2`, :math:`w_{ij} = 1` otherwise. The integral is evaluated as FEFF
    does; the derivatives use the same quadrature of the differentiated integrand.
    """
    from .feffdat import atomic_mass

    geom = path.geometry
    xyz = np.array([[g[1], g[2], g[3]] for g in geom], dtype=float)
    mass = np.array([atomic_mass(g[4]) for g in geom], dtype=float)
    rs = float(path.rnorman)
    n = len(geom)
    cache = {}

    def corr(a, b):
        key = (min(a, b), max(a, b))
        if key not in cache:
            rab = float(np.linalg.norm(xyz[a] - xyz[b]))
            val, dval = _debye_integral(_CONR * rab / rs, theta / t)
            m = math.sqrt(mass[a] * mass[b])
            c = _CONH * val / (theta * m)
            dc_dtheta = _CONH / m * (dval / (t * theta) - val / theta ** 2)
            dc_dt = _CONH / (theta * m) * dval * (-theta / t ** 2)
            cache[key] = np.array([c, dc_dt, dc_dtheta])
        return cache[key]

    total = np.zeros(3)
    for i0 in range(n):
        i1 = (i0 + 1) % n
        for j0 in range(i0, n):
            j1 = (j0 + 1) % n
            rdot = float(np.dot(xyz[i0] - xyz[i1], xyz[j0] - xyz[j1]))
            ri = float(np.linalg.norm(xyz[i0] - xyz[i1]))
            rj = float(np.linalg.norm(xyz[j0] - xyz[j1]))
            term = rdot * (corr(i0, j0) + corr(i1, j1) - corr(i0, j1) - corr(i1, j0)) / (ri * rj)
            total += term / 2.0 if j0 == i0 else term
    total /= 2.0
    if derivatives:
        return float(total[0]), float(total[1]), float(total[2])
    return float(total[0])


_DEBYE_PATHS: dict = {}         # key -> a path with that content
_DEBYE_KEYS: dict = {}          # (rnorman, geometry) -> key
_DEBYE_LOCK = threading.Lock()


def _debye_key(path) -> int:
    """A small integer naming the path's content (what sigma2_debye reads): re-reading or
    re-building the same path reuses its key, so the table grows only with distinct paths."""
    content = (float(path.rnorman), tuple(tuple(atom) for atom in path.geometry))
    with _DEBYE_LOCK:
        key = _DEBYE_KEYS.get(content)
        if key is None:
            key = _DEBYE_KEYS[content] = len(_DEBYE_KEYS)
            _DEBYE_PATHS[key] = path
    return key


def _debye_value(t, theta, key):
    return sigma2_debye(float(t), float(theta), _DEBYE_PATHS[int(key)])


def _debye_diff(t, theta, key, argindex):
    _, d_t, d_theta = sigma2_debye(float(t), float(theta), _DEBYE_PATHS[int(key)],
                                   derivatives=True)
    return {1: d_t, 2: d_theta}.get(int(argindex), 0.0)


@dataclass(frozen=True)
class Variable:
    """A named fit variable.

    Parameters
    ----------
    name : str
        Python identifier.
    value : float
        Initial value.
    vary : bool, default=True
        Whether the fit changes it.
    min, max : float, default=-inf, inf
        Bounds; infinite for none.

    Raises
    ------
    InvalidParameterError
        For a bad or reserved name, ``min >= max`` or an initial value outside the bounds.
    """

    name: str
    value: float
    vary: bool = True
    min: float = -math.inf
    max: float = math.inf

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise InvalidParameterError(
                f"Variable name {self.name!r} is not a valid identifier.",
                parameter="name", value=self.name)
        if self.name in _RESERVED:
            raise InvalidParameterError(
                f"Variable name {self.name!r} is reserved (path constants and functions: "
                f"{', '.join(sorted(_RESERVED))}).", parameter="name", value=self.name)
        for label in ("value", "min", "max"):
            v = getattr(self, label)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)):
                raise InvalidParameterError(
                    f"The {label} of variable '{self.name}' must be a number. Got {v!r} instead.",
                    parameter=self.name, value=v)
        if math.isnan(self.min) or math.isnan(self.max) or self.min >= self.max:
            raise InvalidParameterError(
                f"Bounds of variable '{self.name}' must satisfy min < max. "
                f"Got [{self.min!r}, {self.max!r}] instead.", parameter=self.name,
                value=(self.min, self.max))
        if not math.isfinite(self.value) or not self.min <= self.value <= self.max:
            raise InvalidParameterError(
                f"Initial value of variable '{self.name}' must be finite and within its bounds "
                f"[{self.min!r}, {self.max!r}]. Got {self.value!r} instead.",
                parameter=self.name, value=self.value)


def check_namespace(variables: Sequence[Variable], constraints: Mapping, fixed: Mapping):
    """Validate names; return ``(fixed values, varying variables, all names)``.

    Parameters
    ----------
    variables : sequence of Variable
    constraints : mapping of str to str
        Named expressions.
    fixed : mapping of str to float

    Returns
    -------
    fixed_values : dict of str to float
        The fixed values and the values of the variables with ``vary=False``.
    varying : tuple of Variable
        The variables with ``vary=True``.
    names : tuple of str
        Every name: variables, then fixed values, then constraints.

    Raises
    ------
    InvalidParameterError
        For an invalid, reserved or duplicated name, or a non-numeric fixed value.
    """
    names = [v.name for v in variables]
    for group, mapping in (("fixed", fixed), ("constraints", constraints)):
        for name in mapping:
            if not isinstance(name, str) or not _NAME_RE.match(name) or name in _RESERVED:
                raise InvalidParameterError(
                    f"Name {name!r} in '{group}' is not a valid, unreserved identifier.",
                    parameter=group, value=name)
        names.extend(mapping)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InvalidParameterError(
            f"Parameter name(s) {', '.join(map(repr, dup))} defined more than once "
            "(variables, fixed and constraints share one namespace).", parameter=dup[0])
    fixed_values = {}
    for name, value in fixed.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise InvalidParameterError(
                f"Fixed parameter '{name}' must be a finite number. Got {value!r} instead.",
                parameter=name, value=value)
        fixed_values[name] = float(value)
    for v in variables:
        if not v.vary:
            fixed_values[v.name] = float(v.value)
    return fixed_values, tuple(v for v in variables if v.vary), tuple(names)


def simple_term(text, known: Sequence[str]):
    """``("num", value)`` for a number, ``("name", name)`` for a known bare name, else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float, np.integer, np.floating)):
        return ("num", float(text)) if math.isfinite(text) else None
    if isinstance(text, str):
        t = text.strip()
        if _NAME_RE.match(t) and t in known:
            return ("name", t)
        try:
            v = float(t)
        except ValueError:
            return None
        return ("num", v) if math.isfinite(v) else None
    return None


def parse_expression(text, known: Sequence[str], *, owner: str):
    """Parse ``text`` into a sympy expression of the ``known`` names.

    Parameters
    ----------
    text : str or float
        Expression in Python syntax (``"alpha*reff"``), or a number.
    known : sequence of str
        Names that may appear: variables, constraints, fixed values, path constants.
    owner : str
        What the expression defines ("path parameter 'deltar' of feff0001.dat"), for messages.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    InvalidParameterError
        If the text does not parse, or names something unknown; the message names the owner,
        the expression and the known names.
    """
    S = _sym()
    sympy = S["sympy"]
    from sympy.parsing.sympy_parser import parse_expr, standard_transformations

    if isinstance(text, bool):
        raise InvalidParameterError(f"{owner} must be a number or an expression. Got {text!r}.",
                                    parameter=owner, value=text)
    if isinstance(text, (int, float, np.integer, np.floating)):
        if not math.isfinite(text):
            raise InvalidParameterError(f"{owner} must be finite. Got {text!r} instead.",
                                        parameter=owner, value=text)
        return sympy.Float(float(text))
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameterError(f"{owner} must be a number or an expression. Got {text!r}.",
                                    parameter=owner, value=text)
    key = (text, tuple(sorted(known)))
    if key in _PARSE_CACHE:
        return _PARSE_CACHE[key]
    local = {name: sympy.Symbol(name) for name in known}
    local.update({k: v for k, v in S["functions"].items() if k not in local})
    local.update(S["sigma2"])
    global_dict = {"Symbol": sympy.Symbol, "Integer": sympy.Integer, "Float": sympy.Float,
                   "Rational": sympy.Rational, "Function": sympy.Function,
                   "__builtins__": {}}
    try:
        expr = parse_expr(text, local_dict=local, global_dict=global_dict,
                          transformations=standard_transformations, evaluate=True)
    except Exception as exc:  # sympy raises SyntaxError, TokenError, TypeError, ...
        raise InvalidParameterError(
            f"Cannot parse the expression {text!r} of {owner}: {exc}", parameter=owner,
            value=text) from None
    if not isinstance(expr, sympy.Expr):
        raise InvalidParameterError(f"The expression {text!r} of {owner} is not a number.",
                                    parameter=owner, value=text)
    unknown = sorted({s.name for s in expr.free_symbols} - set(known))
    undef = sorted({f.func.__name__ for f in expr.atoms(sympy.core.function.AppliedUndef)
                    if f.func not in (S["Eins"], S["Debye"])})
    if unknown or undef:
        bad = ", ".join(repr(n) for n in unknown + undef)
        raise InvalidParameterError(
            f"Unknown name {bad} in the expression {text!r} of {owner}. Known names: "
            f"{', '.join(sorted(known))}; functions: "
            f"{', '.join(sorted(set(_FUNCTION_NAMES) | set(S['sigma2'])))}.",
            parameter=owner, value=text)
    if len(_PARSE_CACHE) > 4096:
        _PARSE_CACHE.clear()
    _PARSE_CACHE[key] = expr
    return expr


class ExpressionSet:
    """Variables, fixed values and named constraints, resolved in terms of varying variables.

    Parameters
    ----------
    variables : sequence of Variable
        Fit variables (those with ``vary=False`` act as fixed values).
    constraints : mapping of str to str or float, optional
        Named parameters defined by expressions of variables and other constraints.
    fixed : mapping of str to float, optional
        Named constants.

    Attributes
    ----------
    var_names : tuple of str
        Names of the varying variables, in order.
    symbols : tuple of sympy.Symbol
        Their symbols.

    Raises
    ------
    InvalidParameterError
        For a duplicate or reserved name, an unknown name in an expression, or a circular
        definition.
    """

    def __init__(self, variables: Sequence[Variable], constraints: Mapping | None = None,
                 fixed: Mapping | None = None):
        sympy = _sym()["sympy"]
        constraints = dict(constraints or {})
        self.variables = tuple(variables)
        self.fixed, self.varying, self.names = check_namespace(self.variables, constraints,
                                                               dict(fixed or {}))
        self.var_names = tuple(v.name for v in self.varying)
        self.symbols = tuple(sympy.Symbol(n) for n in self.var_names)
        known = list(self.names) + list(PATH_CONSTANTS)
        self.constraint_text = {n: str(t) for n, t in constraints.items()}
        raw = {n: parse_expression(t, known, owner=f"constraint '{n}'")
               for n, t in constraints.items()}
        self.constraints = {}
        for name in raw:
            self.constraints[name] = self._resolve(name, raw, ())
        self.init_values = {v.name: float(v.value) for v in self.variables}

    def _resolve(self, name, raw, stack):
        if name in self.constraints:
            return self.constraints[name]
        if name in stack:
            cycle = " -> ".join(stack + (name,))
            raise InvalidParameterError(f"Circular constraint definition: {cycle}.",
                                        parameter=name)
        expr = raw[name]
        subs = {}
        for sym in expr.free_symbols:
            if sym.name in raw:
                subs[sym] = self._resolve(sym.name, raw, stack + (name,))
        expr = expr.xreplace(subs) if subs else expr
        self.constraints[name] = expr
        return expr

    def known_names(self) -> list[str]:
        """Names usable in path-parameter expressions.

        Returns
        -------
        list of str
            Variables, fixed values, constraints and the path constants.
        """
        return list(self.names) + list(PATH_CONSTANTS)

    def substitute(self, expr, path_constants: Mapping[str, float] | None = None, path=None):
        """Return ``expr`` written in varying variables only (numbers for everything else).

        Parameters
        ----------
        expr : sympy.Expr
            Parsed expression.
        path_constants : mapping, optional
            ``reff``, ``degen``, ``nleg``, ``rmass`` of the path the expression belongs to.
        path : FeffPath, optional
            The path itself, for ``sigma2_eins`` (reduced mass) and ``sigma2_debye``
            (geometry and Norman radius).

        Raises
        ------
        InvalidParameterError
            If a path constant or a sigma2 function is used outside a path parameter.

        Returns
        -------
        sympy.Expr
        """
        S = _sym()
        sympy = S["sympy"]
        subs = {}
        for sym in expr.free_symbols:
            if sym.name in self.constraints:
                subs[sym] = self.constraints[sym.name]
        expr = expr.xreplace(subs) if subs else expr
        subs = {}
        pc = dict(path_constants or {})
        for sym in expr.free_symbols:
            if sym.name in self.fixed:
                subs[sym] = sympy.Float(self.fixed[sym.name])
            elif sym.name in PATH_CONSTANTS:
                if sym.name not in pc:
                    raise InvalidParameterError(
                        f"Path constant '{sym.name}' is only defined in path parameters.",
                        parameter=sym.name)
                subs[sym] = sympy.Float(pc[sym.name])
        expr = expr.xreplace(subs) if subs else expr
        if expr.has(S["Eins"]) or expr.has(S["Debye"]):
            if path is None:
                raise InvalidParameterError(
                    "sigma2_eins/sigma2_debye are only defined in path parameters "
                    "(they need the path's masses).", parameter="sigma2_eins")
            rmass = pc["rmass"]
            expr = expr.replace(S["Eins"], lambda t, th: _sigma2_eins_expr(t, th, rmass))
            if expr.has(S["Debye"]):
                key = sympy.Integer(_debye_key(path))
                expr = expr.replace(S["Debye"], lambda t, th: S["DebyeNumeric"](t, th, key))
        return expr


class CompiledTargets:
    """Many expressions of the varying variables, compiled to one value+gradient function.

    Parameters
    ----------
    exprs : sequence of sympy.Expr
        Expressions of ``symbols`` only (after :meth:`ExpressionSet.substitute`).
    symbols : sequence of sympy.Symbol
        Varying variables, in the order of the parameter vector.

    Notes
    -----
    A constant or a bare variable (the common case) is evaluated by indexing; all other
    expressions and their symbolic gradients go through one ``sympy.lambdify`` with common
    subexpression elimination.
    """

    def __init__(self, exprs, symbols):
        exprs = list(exprs)
        syms = list(symbols)
        index = {s: i for i, s in enumerate(syms)}
        n, m = len(exprs), len(syms)
        self.n_targets = n
        self._const = np.zeros(n)
        self._grad_const = np.zeros((n, m))
        self._var_rows, self._var_cols = [], []
        general = []
        for i, e in enumerate(exprs):
            if e.is_Symbol and e in index:
                self._var_rows.append(i)
                self._var_cols.append(index[e])
                self._grad_const[i, index[e]] = 1.0
            elif not (e.free_symbols & set(syms)):
                self._const[i] = float(e)
            else:
                general.append(i)
        self._var_rows = np.asarray(self._var_rows, dtype=int)
        self._var_cols = np.asarray(self._var_cols, dtype=int)
        self._general = np.asarray(general, dtype=int)
        self._func = None
        if general:
            S = _sym()
            outs, self._gpos = [], []
            for i in general:
                e = exprs[i]
                outs.append(e)
            grads = []
            for i in general:
                e = exprs[i]
                for j, s in enumerate(syms):
                    if s in e.free_symbols:
                        grads.append(S["sympy"].diff(e, s))
                        self._gpos.append((i, j))
            key = (tuple(outs + grads), tuple(syms))
            if key not in _LAMBDA_CACHE:
                if len(_LAMBDA_CACHE) > 256:
                    _LAMBDA_CACHE.clear()
                _LAMBDA_CACHE[key] = S["sympy"].lambdify([syms], outs + grads,
                                                         modules=S["modules"], cse=True)
            self._func = _LAMBDA_CACHE[key]
            self._n_general = len(outs)
            self._gpos = (np.asarray([p[0] for p in self._gpos], dtype=int),
                          np.asarray([p[1] for p in self._gpos], dtype=int))

    @classmethod
    def from_plan(cls, plan, n_vars: int) -> "CompiledTargets":
        """Targets that are all numbers or bare variables, without sympy.

        Parameters
        ----------
        plan : sequence of tuple
            ``("num", value)`` or ``("var", index)`` per target.
        n_vars : int
        """
        self = cls.__new__(cls)
        n = len(plan)
        self.n_targets = n
        self._const = np.zeros(n)
        self._grad_const = np.zeros((n, n_vars))
        rows, cols = [], []
        for i, (kind, v) in enumerate(plan):
            if kind == "num":
                self._const[i] = v
            else:
                rows.append(i)
                cols.append(v)
                self._grad_const[i, v] = 1.0
        self._var_rows = np.asarray(rows, dtype=int)
        self._var_cols = np.asarray(cols, dtype=int)
        self._general = np.zeros(0, dtype=int)
        self._func = None
        return self

    @property
    def is_linear(self) -> bool:
        """True when every target is a number or a bare variable (constant gradient)."""
        return self._func is None

    @property
    def dependence(self) -> np.ndarray:
        """Boolean (n_targets, n_vars): which variables each target depends on (structurally,
        from the expressions, not from a gradient value that may vanish at one point)."""
        dep = self._grad_const != 0.0
        if self._func is not None:
            dep[self._gpos] = True
        return dep

    def __call__(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(values (n_targets,), gradient (n_targets, n_vars))`` at ``x``."""
        values = self._const.copy()
        grad = self._grad_const.copy()
        if self._var_rows.size:
            values[self._var_rows] = x[self._var_cols]
        if self._func is not None:
            out = self._func(list(x))
            ng = self._n_general
            values[self._general] = np.asarray(out[:ng], dtype=float)
            if len(out) > ng:
                grad[self._gpos] = np.asarray(out[ng:], dtype=float)
        return values, grad


class BoundTransform:
    """lmfit's MINUIT-style transform between internal (unbounded) and external values.

    Parameters
    ----------
    lower, upper : array-like of shape (n_vars,)
        Bounds, ``-inf``/``inf`` for none.

    Notes
    -----
    As in lmfit (``Parameter.setup_bounds``): two bounds use
    :math:`x = a + (\\sin u + 1)(b - a)/2`; a lower bound only
    :math:`x = a - 1 + \\sqrt{u^2 + 1}`; an upper bound only
    :math:`x = b + 1 - \\sqrt{u^2 + 1}`. The covariance in external space is
    :math:`(J^T J)^{-1}` of the external Jacobian, equal to lmfit's transformed covariance
    whenever :math:`dx/du \\ne 0`, i.e. away from a bound.
    """

    def __init__(self, lower, upper):
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.asarray(upper, dtype=float)
        lo_f, up_f = np.isfinite(self.lower), np.isfinite(self.upper)
        self.both = lo_f & up_f
        self.lo_only = lo_f & ~up_f
        self.up_only = ~lo_f & up_f
        self.any = bool(np.any(lo_f | up_f))
        # one bound: x = c - s + s sqrt(u^2 + 1), with (c, s) = (a, +1) or (b, -1)
        self._one = lo_f ^ up_f
        self._anchor = np.where(lo_f, self.lower, self.upper)[self._one]
        self._sign = np.where(lo_f, 1.0, -1.0)[self._one]

    def to_internal(self, x):
        """Internal (unbounded) values ``u`` of the external values ``x``.

        Parameters
        ----------
        x : array-like of shape (n_vars,)
            External values, inside the bounds.

        Returns
        -------
        ndarray of shape (n_vars,)
        """
        x = np.asarray(x, dtype=float)
        u = x.copy()
        if not self.any:
            u[np.abs(u) < 1e-15] = 0.0
            return u
        a, b = self.lower, self.upper
        m = self.both
        u[m] = np.arcsin(np.clip(2 * (x[m] - a[m]) / (b[m] - a[m]) - 1, -1, 1))
        m, c, s = self._one, self._anchor, self._sign
        u[m] = np.sqrt((s * (x[m] - c) + 1.0) ** 2 - 1)
        u[np.abs(u) < 1e-15] = 0.0
        return u

    def to_external(self, u):
        """External values ``x`` of the internal values ``u``.

        Parameters
        ----------
        u : array-like of shape (n_vars,)
            Internal values.

        Returns
        -------
        ndarray of shape (n_vars,)
        """
        u = np.asarray(u, dtype=float)
        x = u.copy()
        if not self.any:
            return x
        a, b = self.lower, self.upper
        m = self.both
        x[m] = a[m] + (np.sin(u[m]) + 1) * (b[m] - a[m]) / 2.0
        m, c, s = self._one, self._anchor, self._sign
        x[m] = c - s + s * np.sqrt(u[m] ** 2 + 1)
        return x

    def gradient(self, u):
        """dx/du for each variable.

        Parameters
        ----------
        u : array-like of shape (n_vars,)
            Internal values.

        Returns
        -------
        ndarray of shape (n_vars,)
        """
        u = np.asarray(u, dtype=float)
        g = np.ones_like(u)
        a, b = self.lower, self.upper
        m = self.both
        g[m] = np.cos(u[m]) * (b[m] - a[m]) / 2.0
        m, s = self._one, self._sign
        g[m] = s * u[m] / np.sqrt(u[m] ** 2 + 1)
        return g

    def at_bound(self, x, rtol=1e-8):
        """Boolean mask of variables sitting on a bound (within ``rtol`` of the range).

        Parameters
        ----------
        x : array-like of shape (n_vars,)
            External values.
        rtol : float, default=1e-8
            Tolerance, relative to ``max(upper - lower, |x|)`` for two bounds and to
            ``max(1, |x|)`` for one.

        Returns
        -------
        ndarray of bool of shape (n_vars,)
        """
        x = np.asarray(x, dtype=float)
        scale = np.where(self.both, self.upper - self.lower, 1.0)
        tol = rtol * np.maximum(scale, np.abs(x)) + 1e-300
        lo = np.isfinite(self.lower) & (np.abs(x - self.lower) <= tol)
        up = np.isfinite(self.upper) & (np.abs(x - self.upper) <= tol)
        return lo | up
