"""Named entries of a model: stable identifiers for code, prose labels for display.

A :class:`ModeModel` names its logits, invariants and quantities.  Code asks
for them by a short **identifier** (``"stopping_time"``, ``"class_1"``,
``"bound_7"``): a Python identifier that never changes.  Each entry also has
a **label**, the prose shown by :meth:`ModeModel.pretty` and
:meth:`ModeModel.latex` (``"stopping time (c = 0)"``, ``"class 1"``).

:class:`Named` is the read-only mapping that holds them.  It iterates over
identifiers and is looked up by identifier only: a label is display text, not
a key (``quantities["bound (7)"]`` raises, naming ``"bound_7"``).  An unknown
name raises :class:`UnknownName`, which lists every valid identifier with its
label.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Callable, Iterable, Tuple

__all__ = ["Named", "UnknownName", "named"]


class UnknownName(KeyError, ValueError):
    """A name that is neither an identifier nor a label of a :class:`Named` mapping.

    It is a :class:`KeyError` (so ``Mapping.get`` and ``in`` work) and a
    :class:`ValueError` (a bad argument to a library function); its message
    lists the valid identifiers and their labels.
    """

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ""


class Named(Mapping):
    """A read-only mapping ``identifier -> value``, each entry with a display label.

    Parameters
    ----------
    kind : str
        What the entries are (``"logit"``, ``"quantity"``, ...), for error messages.
    entries : iterable of (str, str, object)
        ``(identifier, label, value)`` triples, in display order.  Identifiers
        are Python identifiers and unique; labels are unique and may equal
        their identifier.

    Examples
    --------
    >>> q = named("quantity", [("bound_7", "bound (7)", 0.9)])
    >>> q["bound_7"], list(q), q.label("bound_7")
    (0.9, ['bound_7'], 'bound (7)')
    >>> q["bound (7)"]
    Traceback (most recent call last):
    ...
    derivations.named.UnknownName: 'bound (7)' is the label of the quantity 'bound_7'; entries are looked up by identifier: use 'bound_7'
    >>> q["bound 7"]
    Traceback (most recent call last):
    ...
    derivations.named.UnknownName: 'bound 7' is not a quantity; valid identifiers: 'bound_7' (bound (7))
    """

    __slots__ = ("_kind", "_values", "_labels", "_by_label", "_hash")

    def __init__(self, kind: str, entries: Iterable[Tuple[str, str, Any]] = ()) -> None:
        values, labels, by_label = {}, {}, {}
        for key, label, value in entries:
            if not isinstance(key, str) or not key.isidentifier():
                raise ValueError(f"the identifier of a {kind} must be a Python identifier, got {key!r}")
            if key in values:
                raise ValueError(f"two {kind} entries have the identifier {key!r}")
            label = key if label is None else str(label)
            if label in by_label or (label in values and label != key):
                raise ValueError(f"the label {label!r} of {kind} {key!r} is already used")
            values[key], labels[key], by_label[label] = value, label, key
        self._kind, self._values, self._labels, self._by_label = kind, values, labels, by_label
        self._hash = None

    # -- lookup ---------------------------------------------------------
    def key_of(self, name: str) -> str:
        """``name`` when it is an identifier of this mapping, with a clear error otherwise.

        Parameters
        ----------
        name : str
            An identifier of this mapping.

        Returns
        -------
        str
            ``name``.

        Raises
        ------
        UnknownName
            ``name`` is not an identifier: the message names the identifier when ``name`` is a display
            label, and lists the valid identifiers otherwise.
        """
        if isinstance(name, str):
            if name in self._values:
                return name
            if name in self._by_label:
                key = self._by_label[name]
                raise UnknownName(f"{name!r} is the label of the {self._kind} {key!r}; entries are looked up by "
                                  f"identifier: use {key!r}")
        choices = ", ".join(f"{k!r} ({self._labels[k]})" for k in self._values) or "none"
        raise UnknownName(f"{name!r} is not a {self._kind}; valid identifiers: {choices}")

    def __getitem__(self, name: str) -> Any:
        return self._values[self.key_of(name)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    # -- labels ---------------------------------------------------------
    @property
    def kind(self) -> str:
        """What the entries are, e.g. ``"logit"``."""
        return self._kind

    def label(self, name: str) -> str:
        """The display label of the entry ``name`` (identifier or label).

        Parameters
        ----------
        name : str
            An identifier or a label of this mapping.

        Returns
        -------
        str
            The entry's label (its identifier when it was given no other).

        Raises
        ------
        UnknownName
            ``name`` is neither an identifier nor a label; the message lists the valid identifiers.
        """
        return self._labels[self.key_of(name)]

    @property
    def labels(self) -> Mapping:
        """``{identifier: label}`` in display order."""
        return dict(self._labels)

    def labelled_items(self) -> Iterator[Tuple[str, str, Any]]:
        """``(identifier, label, value)`` triples in display order.

        Returns
        -------
        iterator of (str, str, object)
            A fresh iterator over the entries in the order given to the constructor; a label given as ``None``
            is the identifier.
        """
        return ((k, self._labels[k], v) for k, v in self._values.items())

    def map_values(self, function: Callable[[Any], Any]) -> "Named":
        """The same identifiers and labels with ``function`` applied to every value.

        Parameters
        ----------
        function : callable
            Called once on each value, in display order.

        Returns
        -------
        Named
            A new mapping of the same kind; this one is unchanged.

        Examples
        --------
        >>> named("quantity", [("bound_7", "bound (7)", 2)]).map_values(lambda v: v + 1)
        Named('quantity', {'bound_7': 3})
        """
        return Named(self._kind, ((k, label, function(v)) for k, label, v in self.labelled_items()))

    # -- value semantics --------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Named):
            return self._labels == other._labels and self._values == other._values
        return Mapping.__eq__(self, other)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self._kind, tuple(self.labelled_items())))
        return self._hash

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {v!r}" for k, v in self._values.items())
        return f"Named({self._kind!r}, {{{inner}}})"


def named(kind: str, entries: Iterable[Tuple[str, str, Any]] = ()) -> Named:
    """A :class:`Named` mapping of ``(identifier, label, value)`` entries (see there).

    Parameters
    ----------
    kind : str
        What the entries are (``"logit"``, ``"quantity"``, ...), for error messages.
    entries : iterable of (str, str, object)
        ``(identifier, label, value)`` triples in display order; identifiers are unique Python identifiers,
        labels are unique (a label of ``None`` is the identifier itself).

    Returns
    -------
    Named
        The read-only mapping ``identifier -> value`` (labels for display).

    Raises
    ------
    ValueError
        If an identifier is not a Python identifier or is repeated, or a label is already used.

    Examples
    --------
    >>> logits = named("logit", [("class_1", "class 1", 1)])
    >>> logits["class_1"], logits.label("class_1")
    (1, 'class 1')
    """
    return Named(kind, entries)
