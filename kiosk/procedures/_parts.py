"""The parts of a procedure that both formats hold alike, under their own key names: a fee,
a case with its papers, a paper, a legal document. Each reader takes ``keys``, this
project's name of each field to the format's (``{"amount": "SOTIEN", ...}``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.procedures import _checks as c
from kiosk.procedures._model import Basis, Case, Fee, Paper

Keys = Mapping[str, str]


def fee(item: Mapping[str, Any], where: str, keys: Keys) -> Fee:
    def at(name: str) -> str:
        return f"{where}.{keys[name]}"

    amount = c.number(item, keys["amount"], at("amount"), most=1e12, whole=True)
    return Fee(
        kind=c.text(item, keys["kind"], at("kind"), limit=c.MAX_CODE),
        amount=int(amount or 0),
        unit=c.text(item, keys["unit"], at("unit"), limit=c.MAX_CODE),
        description=c.text(item, keys["description"], at("description")),
    )


def case(item: Mapping[str, Any], where: str, keys: Keys) -> Case:
    papers = keys["papers"]
    return Case(
        name=c.text(item, keys["name"], f"{where}.{keys['name']}", limit=c.MAX_NAME),
        papers=c.each(item, papers, f"{where}.{papers}", reader(paper, keys), limit=c.MAX_ITEMS),
    )


def paper(item: Mapping[str, Any], where: str, keys: Keys) -> Paper:
    def at(name: str) -> str:
        return f"{where}.{keys[name]}"

    return Paper(
        name=c.required_text(item, keys["paper"], at("paper"), limit=c.MAX_NAME),
        originals=c.count(item, keys["originals"], at("originals")),
        copies=c.count(item, keys["copies"], at("copies")),
        form=c.text(item, keys["form"], at("form"), limit=c.MAX_NAME),
        form_url=c.url(item, keys["form_url"], at("form_url")),
    )


def basis(item: Mapping[str, Any], where: str, keys: Keys) -> Basis:
    def at(name: str) -> str:
        return f"{where}.{keys[name]}"

    return Basis(
        number=c.text(item, keys["number"], at("number"), limit=c.MAX_CODE),
        name=c.required_text(item, keys["title"], at("title"), limit=c.MAX_NAME),
        issued=c.text(item, keys["issued"], at("issued"), limit=c.MAX_CODE),
        issuer=c.text(item, keys["issuer"], at("issuer")),
    )


def reader(read: Callable[..., Any], keys: Keys) -> Callable[[Mapping[str, Any], str], Any]:
    """``read`` with the format's ``keys`` given: what :func:`_checks.each` takes."""
    return functools.partial(read, keys=keys)
