r"""XAFS Fourier transforms: windows, chi(k) -> chi(R) and chi(R) -> chi(q), as Larch.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
ftwindow                   window function on a grid (Larch's ``xafsft.ftwindow``)
xftf                       forward transform k -> R with Larch's normalisation ``kstep/sqrt(pi)``
xftr                       back-transform R -> q (Larch's ``xftr``)
FourierTransform           frozen set-up (windows, grids) whose ``forward``/``reverse`` are the
                           linear operators used inside fits (Larch's ``TransformGroup.fftf``,
                           ``fftr``); rows of a 2-D array are transformed at once
FT_WINDOWS                 the window names: hanning, kaiser, parzen, welch, sine, gaussian
=========================  ===================================================================

Conventions (Larch ``larch/xafs/xafsft.py``): chi(k) lives on the grid ``k = kstep * arange(n)``
(``kstep = 0.05`` 1/Angstrom), is multiplied by ``k**kweight`` and the window, zero-padded to
``nfft = 2048`` points and transformed:

.. math::

    \tilde\chi(R_j) = \frac{\delta k}{\sqrt{\pi}} \sum_n \chi(k_n) k_n^w W(k_n)
    e^{-2\pi i\, nj/N},\qquad R_j = j\,\frac{\pi}{N\,\delta k}

keeping the first ``nfft/2`` points. The back-transform multiplies chi(R) by its window and
takes ``4 sqrt(pi)/kstep * ifft``; Larch's ``xftr`` halves that for a complex chi(R) (the fit's
``fftr`` does not), and so do :func:`xftr` and :meth:`FourierTransform.reverse` respectively.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validation import (check_array_1d, check_choice, check_increasing, check_int,
                           check_number)
from ..errors import DataError, InvalidParameterError

__all__ = ["ftwindow", "xftf", "xftr", "FourierTransform", "FT_WINDOWS"]

#: Window names accepted by :func:`ftwindow` (exact names, no prefix matching).
FT_WINDOWS = ("hanning", "kaiser", "parzen", "welch", "sine", "gaussian")

_SQRT_PI = math.sqrt(math.pi)


def _check_window(window, name="window"):
    return check_choice(window, name, FT_WINDOWS)


def ftwindow(x, xmin, xmax, dx, dx2=None, window="hanning"):
    """Fourier-transform window on a grid, with Larch's definitions.

    Parameters
    ----------
    x : array-like of shape (n,)
        Uniform grid starting at 0 (``k`` in 1/Angstrom or ``R`` in Angstrom).
    xmin, xmax : float
        Window limits (``xmin < xmax``).
    dx : float
        Taper width at ``xmin`` (the Kaiser-Bessel ``beta`` for ``"kaiser"``, the Gaussian's
        standard deviation for ``"gaussian"``), >= 0.
    dx2 : float, optional
        Taper width at ``xmax``; defaults to ``dx``.
    window : {"hanning", "kaiser", "parzen", "welch", "sine", "gaussian"}, default="hanning"
        Window shape.

    Returns
    -------
    ndarray of shape (n,)

    Raises
    ------
    InvalidParameterError
        For an unknown window name (the allowed names are listed), ``xmin >= xmax`` or a
        negative taper width.

    Notes
    -----
    As Larch: the taper runs over ``[xmin - dx/2, xmin + dx/2]`` and
    ``[xmax - dx2/2, xmax + dx2/2]``, snapped to grid points; hanning uses ``sin**2``/
    ``cos**2``, parzen a linear ramp, welch a parabola; ``kaiser`` is
    ``(I0(dx sqrt(1 - (x - c)**2/w**2)) - 1) / (I0(dx) - 1)`` over the whole span, ``sine``
    is one half period over the span, ``gaussian`` is ``exp(-(x - c)**2 / (2 dx**2))``.

    Examples
    --------
    >>> k = 0.05 * np.arange(400)
    >>> w = ftwindow(k, 3.0, 17.0, 1.0, window="hanning")
    >>> float(w[100]), float(w[0])
    (1.0, 0.0)
    """
    window = _check_window(window)
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise InvalidParameterError(
            f"The 'x' parameter of ftwindow must be a 1-D grid of at least 2 points. Got shape "
            f"{x.shape} instead.", parameter="x")
    xmin = check_number(xmin, "xmin", owner="ftwindow")
    xmax = check_number(xmax, "xmax", owner="ftwindow")
    if xmin >= xmax:
        raise InvalidParameterError(
            f"ftwindow needs xmin < xmax. Got xmin={xmin!r}, xmax={xmax!r}.", parameter="xmin",
            value=xmin)
    dx1 = check_number(dx, "dx", owner="ftwindow", low=0.0)
    dx2 = dx1 if dx2 is None else check_number(dx2, "dx2", owner="ftwindow", low=0.0)
    return _window(x, xmin, xmax, dx1, dx2, window)


def _window(x, xmin, xmax, dx1, dx2, window):
    n = x.size
    xstep = (x[-1] - x[0]) / (n - 1)
    if not xstep >= 0:
        xstep = 1.0e-3
    xeps = 1.0e-4 * xstep
    lo, hi = x.min(), x.max()
    x1 = max(lo, xmin - dx1 / 2.0)
    x2 = xmin + dx1 / 2.0 + xeps
    x3 = xmax - dx2 / 2.0 - xeps
    x4 = min(hi, xmax + dx2 / 2.0)
    if window == "gaussian":
        dx1 = max(dx1, xeps)

    def index(value):  # Larch's asint: truncation toward zero
        return int((value + xeps) / xstep)

    i1, i2 = max(0, index(x1)), max(0, index(x2))
    i3, i4 = min(n - 1, index(x3)), min(n - 1, index(x4))
    if i2 == i1:
        i1 = max(0, i2 - 1)
    if i4 == i3:
        i3 = max(i2, i4 - 1)
    x1, x2, x3, x4 = x[i1], x[i2], x[i3], x[i4]
    if x1 == x2:
        x2 = x2 + xeps
    if x3 == x4:
        x4 = x4 + xeps
    win = np.zeros(n)
    if i3 > i2:
        win[i2:i3] = 1.0
    up, down = x[i1:i2 + 1], x[i3:i4 + 1]
    if window == "hanning":
        win[i1:i2 + 1] = np.sin((np.pi / 2) * (up - x1) / (x2 - x1)) ** 2
        win[i3:i4 + 1] = np.cos((np.pi / 2) * (down - x3) / (x4 - x3)) ** 2
    elif window == "parzen":
        win[i1:i2 + 1] = (up - x1) / (x2 - x1)
        win[i3:i4 + 1] = 1.0 - (down - x3) / (x4 - x3)
    elif window == "welch":
        win[i1:i2 + 1] = 1.0 - ((up - x2) / (x2 - x1)) ** 2
        win[i3:i4 + 1] = 1.0 - ((down - x3) / (x4 - x3)) ** 2
    elif window == "kaiser":
        center, half = (x4 + x1) / 2.0, (x4 - x1) / 2.0
        arg = np.clip(1.0 - (x - center) ** 2 / half ** 2, 0.0, None)
        scale = max(1.0e-10, float(np.i0(dx1)) - 1.0)
        win = (np.i0(dx1 * np.sqrt(arg)) - 1.0) / scale
    elif window == "sine":
        win[i1:i4 + 1] = np.sin(np.pi * (x4 - x[i1:i4 + 1]) / (x4 - x1))
    else:  # gaussian
        center = (x4 + x1) / 2.0
        win = np.exp(-((x - center) ** 2) / (2.0 * dx1 * dx1))
    return win


def check_transform_settings(owner: str, *, kmin, kmax, rmin, rmax, dk, dk2, dr, dr2, window,
                             rwindow, nfft, kstep) -> dict:
    """The checked settings of a transform, shared by every class that holds them.

    Parameters
    ----------
    owner : str
        Class named in the messages.
    kmin, kmax, rmin, rmax, dk, dk2, dr, dr2, window, rwindow, nfft, kstep
        As in :class:`FourierTransform`; ``dk2`` and ``dr2`` may be None (then ``dk``,
        ``dr``).

    Returns
    -------
    dict
        The same names, numbers as float (``nfft`` int), ``dk2``/``dr2`` filled in.

    Raises
    ------
    InvalidParameterError
        If a number is not finite or below its lower bound, ``0 <= kmin < kmax`` or
        ``0 <= rmin < rmax`` fails, ``kstep <= 0``, ``nfft < 8`` or a window is unknown; the
        parameter and the value are named.
    """
    out = {name: check_number(value, name, owner=owner)
           for name, value in (("kmin", kmin), ("kmax", kmax), ("rmin", rmin), ("rmax", rmax))}
    for lo, hi, what in (("kmin", "kmax", "k"), ("rmin", "rmax", "R")):
        if not 0 <= out[lo] < out[hi]:
            raise InvalidParameterError(
                f"The {what} range of {owner} must satisfy 0 <= {lo} < {hi}. Got "
                f"{lo}={out[lo]!r}, {hi}={out[hi]!r}.", parameter=lo, value=out[lo])
    for name, value, default in (("dk", dk, None), ("dk2", dk2, "dk"), ("dr", dr, None),
                                 ("dr2", dr2, "dr")):
        out[name] = (out[default] if value is None and default else
                     check_number(value, name, owner=owner, low=0.0))
    out["kstep"] = check_number(kstep, "kstep", owner=owner, low=0.0, low_open=True)
    out["nfft"] = check_int(nfft, "nfft", owner=owner, low=8)
    out["window"] = check_choice(window, "window", FT_WINDOWS, owner=owner)
    out["rwindow"] = check_choice(rwindow, "rwindow", FT_WINDOWS, owner=owner)
    return out


@dataclass(frozen=True, eq=False)
class FourierTransform:
    """Precomputed windows and grids of the XAFS transforms, for repeated use in fits.

    Parameters
    ----------
    kmin, kmax : float
        Limits of the k window, in 1/Angstrom (``kmin < kmax``).
    dk : float
        Taper of the k window (Kaiser ``beta`` for ``"kaiser"``).
    dk2 : float, optional
        Second k taper; defaults to ``dk``.
    window : str, default="kaiser"
        Name of the k window, one of :data:`FT_WINDOWS`.
    kweight : float, default=2
        Default k-weight of :meth:`forward` (not truncated to an integer, unlike Larch).
    rmin, rmax : float, default=0, 10
        R-window limits of :meth:`reverse` and of :attr:`r_slice`, in Angstrom.
    dr : float, default=0
        R-window taper.
    dr2 : float, optional
        Second R taper; defaults to ``dr``.
    rwindow : str, default="hanning"
        R-window name (Larch's fits use hanning).
    nfft : int, default=2048
        FFT length.
    kstep : float, default=0.05
        Step of the k grid, in 1/Angstrom.

    Attributes
    ----------
    k : ndarray of shape (nfft,)
        ``kstep * arange(nfft)``.
    r : ndarray of shape (nfft // 2,)
        ``rstep * arange(nfft // 2)``, ``rstep = pi / (kstep * nfft)``.
    rstep : float
        R grid step, in Angstrom.
    kwin : ndarray of shape (nfft,)
        k window on ``k``.
    rwin : ndarray of shape (nfft,)
        R window on ``rstep * arange(nfft)``.
    r_slice : slice
        Points of chi(R) used by an R-space fit (Larch's ``irmin:irmax``).
    q_slice : slice
        Points of chi(q) (or chi(k)) used by q- and k-space fits (Larch's ``iqmin:iqmax``).

    Examples
    --------
    >>> ft = FourierTransform(kmin=3, kmax=17, dk=4, window="kaiser", rmin=1.4, rmax=3.0)
    >>> chir = ft.forward(np.sin(2 * 2.5 * ft.k[:341]))        # one shell at 2.5 A
    >>> round(float(ft.r[np.argmax(np.abs(chir[:200]))]), 1)
    2.5
    """

    kmin: float
    kmax: float
    dk: float
    dk2: float | None = None
    window: str = "kaiser"
    kweight: float = 2.0
    rmin: float = 0.0
    rmax: float = 10.0
    dr: float = 0.0
    dr2: float | None = None
    rwindow: str = "hanning"
    nfft: int = 2048
    kstep: float = 0.05
    k: np.ndarray = field(init=False, repr=False)
    r: np.ndarray = field(init=False, repr=False)
    rstep: float = field(init=False, repr=False)
    kwin: np.ndarray = field(init=False, repr=False)
    rwin: np.ndarray = field(init=False, repr=False)
    r_slice: slice = field(init=False, repr=False)
    q_slice: slice = field(init=False, repr=False)

    def __post_init__(self):
        owner = "FourierTransform"
        checked = check_transform_settings(
            owner, kmin=self.kmin, kmax=self.kmax, rmin=self.rmin, rmax=self.rmax, dk=self.dk,
            dk2=self.dk2, dr=self.dr, dr2=self.dr2, window=self.window, rwindow=self.rwindow,
            nfft=self.nfft, kstep=self.kstep)
        kmin, kmax, rmin, rmax = (checked[n] for n in ("kmin", "kmax", "rmin", "rmax"))
        dk, dk2, dr, dr2 = (checked[n] for n in ("dk", "dk2", "dr", "dr2"))
        nfft, kstep = checked["nfft"], checked["kstep"]
        check_number(self.kweight, "kweight", owner=owner)
        rstep = math.pi / (kstep * nfft)
        k = kstep * np.arange(nfft, dtype=float)
        r_full = rstep * np.arange(nfft, dtype=float)
        kwin = _window(k, kmin, kmax, dk, dk2, self.window)
        rwin = _window(r_full, rmin, rmax, dr, dr2, self.rwindow)
        half = nfft // 2
        irmin = int(max(0, 0.01 + rmin / rstep))
        irmax = int(min(half, 0.01 + rmax / rstep))
        iqmin = int(max(0, 0.01 + kmin / kstep))
        iqmax = int(min(half, 0.01 + kmax / kstep))
        for arr in (k, r_full, kwin, rwin):
            arr.setflags(write=False)
        values = dict(k=k, r=r_full[:half], rstep=rstep, kwin=kwin, rwin=rwin,
                      r_slice=slice(irmin, irmax), q_slice=slice(iqmin, iqmax))
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _check_length(self, n, what):
        if n > self.nfft:
            raise InvalidParameterError(
                f"{what} has {n} points along its last axis; at most nfft={self.nfft} fit.",
                parameter=what, value=n)

    def forward(self, chi, kweight=None):
        """Transform chi(k) to chi(R): window, k-weight, zero-pad, FFT (Larch's ``fftf``).

        Parameters
        ----------
        chi : array-like of shape (..., n_k)
            Values on ``self.k[:n_k]``; rows of a 2-D array (e.g. Jacobian rows) are transformed
            together. Real or complex.
        kweight : float, optional
            Exponent of the k weighting; defaults to ``self.kweight``.

        Returns
        -------
        ndarray of complex, shape (..., nfft // 2)
        """
        chi = np.asarray(chi)
        n = chi.shape[-1]
        self._check_length(n, "chi")
        kw = self.kweight if kweight is None else kweight
        weight = self.kwin[:n] if kw == 0 else self.kwin[:n] * self.k[:n] ** kw
        cx = chi * weight
        half = self.nfft // 2
        if np.iscomplexobj(cx):
            out = np.fft.fft(cx, n=self.nfft, axis=-1)[..., :half]
        else:
            out = np.fft.rfft(cx, n=self.nfft, axis=-1)[..., :half]
        return out * (self.kstep / _SQRT_PI)

    def reverse(self, chir):
        """Transform chi(R) to chi(q): R window, zero-pad, inverse FFT (Larch's fit ``fftr``).

        Parameters
        ----------
        chir : array-like of shape (..., n_r)
            Complex chi(R) on ``self.r[:n_r]`` (as returned by :meth:`forward`).

        Returns
        -------
        ndarray of complex, shape (..., nfft // 2)
            The chi(q) values on ``self.k[:nfft // 2]`` (no factor 1/2, unlike :func:`xftr`).
        """
        chir = np.asarray(chir)
        n = chir.shape[-1]
        self._check_length(n, "chir")
        cx = chir * self.rwin[:n]
        out = np.fft.ifft(cx, n=self.nfft, axis=-1)[..., :self.nfft // 2]
        return out * (4.0 * _SQRT_PI / self.kstep)


def _check_k_chi(k, chi, owner):
    k = check_array_1d(k, "k", min_size=2, where=owner)
    check_increasing(k, "k", where=owner)
    # chi may have any leading shape: check_finite_table (2-D, named columns) does not fit
    chi = np.asarray(chi)
    if chi.ndim == 0 or chi.shape[-1] != k.size:
        raise DataError(f"{owner}: chi has shape {chi.shape}; its last axis must match the "
                        f"{k.size} points of k.", column="chi")
    finite = np.isfinite(chi)
    if not finite.all():
        idx = tuple(int(i) for i in
                    np.unravel_index(int(np.flatnonzero(~finite.ravel())[0]), chi.shape))
        where = idx[-1] if chi.ndim == 1 else idx
        raise DataError(f"{owner}: chi{list(idx)} is {chi[idx]} (at k = {float(k[idx[-1]])!r});"
                        " expected a finite number.", column="chi", row=where, value=chi[idx])
    return k, chi


def _interp_last_axis(x_new, x, y):
    """np.interp along the last axis of ``y`` (any leading shape)."""
    if y.ndim == 1 and not np.iscomplexobj(y):
        return np.interp(x_new, x, y)
    j = np.clip(np.searchsorted(x, x_new, side="right") - 1, 0, x.size - 2)
    w = (x_new - x[j]) / (x[j + 1] - x[j])
    w = np.clip(w, 0.0, 1.0)
    return y[..., j] * (1.0 - w) + y[..., j + 1] * w


def xftf(k, chi, *, kmin, kmax, dk, dk2=None, window="kaiser", kweight=2, nfft=2048,
         kstep=0.05, rmax_out=None):
    """Forward XAFS Fourier transform chi(k) -> chi(R), as Larch's ``xftf``.

    Parameters
    ----------
    k : array-like of shape (n_k,)
        Strictly increasing wavenumbers, in 1/Angstrom (any grid: chi is linearly interpolated
        onto ``kstep * arange(...)`` as Larch does).
    chi : array-like of shape (..., n_k)
        The chi(k) values; with more than one dimension every row is transformed.
    kmin, kmax : float
        Window limits, in 1/Angstrom; ``kmax`` may not exceed the last ``k``.
    dk : float
        Window taper (Kaiser ``beta``).
    dk2 : float, optional
        Second taper; defaults to ``dk``.
    window : str, default="kaiser"
        One of :data:`FT_WINDOWS`.
    kweight : float, default=2
        Exponent of the ``k**kweight`` weighting (not truncated to an integer).
    nfft : int, default=2048
        FFT length.
    kstep : float, default=0.05
        Grid step, in 1/Angstrom.
    rmax_out : float, optional
        Largest R returned, in Angstrom (Larch: ``irmax = int(min(nfft/2, 1.01 +
        rmax_out/rstep))``); default: all ``nfft // 2`` points.

    Returns
    -------
    r : ndarray of shape (n_r,)
        ``rstep * arange(n_r)`` with ``rstep = pi / (kstep * nfft)``, in Angstrom.
    chir : ndarray of complex, shape (..., n_r)
        ``kstep/sqrt(pi) * FFT(chi k**kweight W(k))``.

    Raises
    ------
    DataError
        If ``k`` is not strictly increasing or holds non-finite values, if ``chi`` holds a NaN
        (its index is named) or does not match ``k``, or if ``kmax`` lies beyond the data.
    InvalidParameterError
        For an unknown window or ``kmin >= kmax``.
    """
    k, chi = _check_k_chi(k, chi, "xftf")
    if float(kmax) > k[-1] + 1e-9:
        raise DataError(f"xftf: kmax={kmax!r} is beyond the data, which end at "
                        f"k={float(k[-1])!r}", column="k", value=kmax)
    dk2_ = dk if dk2 is None else dk2
    ft = FourierTransform(kmin=kmin, kmax=kmax, dk=dk, dk2=dk2, window=window,
                          kweight=kweight, nfft=nfft, kstep=kstep)
    npts = int(1.01 + k[-1] / kstep)
    kmax_grid = max(k[-1], kmax + dk2_)
    n_grid = int(1.01 + kmax_grid / kstep)
    grid = kstep * np.arange(n_grid, dtype=float)
    chi_grid = _interp_last_axis(grid[:npts], k, chi)
    if n_grid > nfft:
        raise InvalidParameterError(
            f"xftf: the k grid needs {n_grid} points (k up to {kmax_grid!r}) but nfft={nfft}.",
            parameter="nfft", value=nfft)
    # Larch builds the window on the grid up to max(k[-1], kmax + dk2): the taper is clipped
    # at that grid's end, so the window is built on the same grid here.
    win = _window(grid, float(kmin), float(kmax), float(dk), float(dk2_), window)[:npts]
    weighted = chi_grid * (win if kweight == 0 else win * grid[:npts] ** kweight)
    if np.iscomplexobj(weighted):
        chir = np.fft.fft(weighted, n=nfft, axis=-1)[..., :nfft // 2]
    else:
        chir = np.fft.rfft(weighted, n=nfft, axis=-1)[..., :nfft // 2]
    chir = chir * (kstep / _SQRT_PI)
    irmax = nfft // 2 if rmax_out is None else int(min(nfft / 2, 1.01 + rmax_out / ft.rstep))
    return ft.r[:irmax], chir[..., :irmax]


def xftr(r, chir, *, rmin, rmax, dr=0.0, dr2=None, window="hanning", nfft=2048, kstep=0.05,
         rweight=0.0, qmax_out=30.0):
    """Back-transform chi(R) -> chi(q), as Larch's ``xftr``.

    Parameters
    ----------
    r : array-like of shape (n_r,)
        Uniform grid starting at 0 with step ``pi / (kstep * nfft)`` (as :func:`xftf` returns).
    chir : array-like of shape (..., n_r)
        The chi(R) values, usually complex.
    rmin, rmax : float
        R-window limits, in Angstrom (``rmin < rmax``).
    dr : float, default=0
        Window taper.
    dr2 : float, optional
        Second taper; defaults to ``dr``.
    window : str, default="hanning"
        One of :data:`FT_WINDOWS`.
    nfft : int, default=2048
        FFT length.
    kstep : float, default=0.05
        Step of the q grid, in 1/Angstrom; must equal ``pi / (rstep * nfft)``.
    rweight : float, default=0
        Exponent of an ``R**rweight`` weighting.
    qmax_out : float, default=30
        Largest q returned (Larch: ``linspace(0, qmax_out, int(1.05 + qmax_out/kstep))``).

    Returns
    -------
    q : ndarray of shape (n_q,)
        In 1/Angstrom.
    chiq : ndarray of complex, shape (..., n_q)
        ``s * 4 sqrt(pi)/kstep * IFFT(chir W(R) R**rweight)`` with ``s = 1/2`` for complex
        ``chir`` and 1 for real, as Larch's ``xftr``.

    Raises
    ------
    DataError
        If ``r`` is not a uniform grid from 0 matching ``kstep`` and ``nfft`` or ``chir`` holds
        a NaN.
    InvalidParameterError
        For an unknown window or ``rmin >= rmax``.
    """
    r = np.asarray(r, dtype=float)
    chir = np.asarray(chir)
    if r.ndim != 1 or r.size < 2 or chir.ndim == 0 or chir.shape[-1] != r.size:
        raise DataError(f"xftr: r (shape {r.shape}) and chir (shape {chir.shape}) must share "
                        "their last axis.", column="r")
    rstep = r[1] - r[0]
    expected = math.pi / (kstep * nfft)
    if r[0] != 0.0 or not np.allclose(np.diff(r), rstep, rtol=1e-6, atol=0.0) or \
            abs(rstep - expected) > 1e-6 * expected:
        raise DataError(f"xftr: r must be the grid rstep * arange(n) with rstep = pi/(kstep*nfft)"
                        f" = {expected!r}; got r[0] = {float(r[0])!r}, step {float(rstep)!r}.",
                        column="r")
    finite = np.isfinite(chir)
    if not finite.all():
        idx = tuple(int(i) for i in
                    np.unravel_index(int(np.flatnonzero(~finite.ravel())[0]), chir.shape))
        raise DataError(f"xftr: chir{list(idx)} is {chir[idx]}; expected a finite number.",
                        column="chir", value=chir[idx])
    ft = FourierTransform(kmin=0.0, kmax=1.0, dk=0.0, rmin=rmin, rmax=rmax, dr=dr, dr2=dr2,
                          rwindow=window, nfft=nfft, kstep=kstep)
    if nfft < r.size:
        raise InvalidParameterError(f"xftr: nfft={nfft} is smaller than the {r.size} R points.",
                                    parameter="nfft", value=nfft)
    weighted = chir if rweight == 0 else chir * r ** rweight
    scale = 0.5 if np.iscomplexobj(chir) else 1.0
    chiq = scale * ft.reverse(weighted)
    n_q = int(1.05 + qmax_out / kstep)
    q = np.linspace(0.0, qmax_out, n_q)
    return q, chiq[..., :n_q]
