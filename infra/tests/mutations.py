"""What the template tests share: mutating a copy of the template and reading its
parts, and asserting that a check reported a broken template."""

from __future__ import annotations

import copy
from typing import Callable

Mutation = Callable[[dict], None]


def broken(value: dict, mutate: Mutation) -> dict:
    """A deep copy of `value` with `mutate` applied: the original stays intact."""
    copy_ = copy.deepcopy(value)
    mutate(copy_)
    return copy_


def res(t: dict, lid: str) -> dict:
    return t["Resources"][lid]


def props(t: dict, lid: str) -> dict:
    return t["Resources"][lid]["Properties"]


def policy(t: dict, lid: str) -> list[dict]:
    return props(t, lid)["PolicyDocument"]["Statement"]


def key_statements(t: dict, key: str) -> list[dict]:
    return props(t, key)["KeyPolicy"]["Statement"]


def sid(statements: list[dict], name: str) -> dict:
    return next(s for s in statements if s.get("Sid") == name)


def allow(actions, resource, sid_="Injected") -> dict:
    return {"Sid": sid_, "Effect": "Allow", "Action": actions, "Resource": resource}


def getatt(lid: str) -> dict:
    return {"Fn::GetAtt": [lid, "Arn"]}


def assert_reports(violations: list[str], *fragments: str) -> None:
    assert violations, "the check reported nothing for a broken template"
    text = "\n".join(violations)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
