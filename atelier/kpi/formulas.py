"""Formula indicators: arithmetic over other indicators' codes, e.g.
``enterprises_served / cluster_enterprises * 100``.

Parsed with Python's `ast` and evaluated by walking the tree — never `eval`. Only numbers,
indicator codes, + − × ÷ and brackets are allowed. Division by zero or a missing operand gives
no value (None), not an error: a formula is only as complete as its inputs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from atelier.core.errors import ActionError

_OPS = {ast.Add, ast.Sub, ast.Mult, ast.Div}


class FormulaError(ActionError):
    def __init__(self, message: str):
        super().__init__(message, code="bad_formula")


def parse(expression: str) -> ast.Expression:
    expression = (expression or "").strip()
    if not expression:
        raise FormulaError(_("公式不能为空。"))
    if len(expression) > 300:
        raise FormulaError(_("公式过长（上限 300 个字符）。"))
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(_("公式无法解析：%(expr)s") % {"expr": expression}) from exc
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Name, ast.Load)):
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            continue
        if isinstance(node, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.UAdd, ast.USub)):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        raise FormulaError(
            _("公式只能包含数字、指标代码、加减乘除和括号：%(expr)s") % {"expr": expression}
        )
    return tree


def names(expression: str) -> set[str]:
    return {n.id for n in ast.walk(parse(expression)) if isinstance(n, ast.Name)}


def check(
    expression: str,
    known: Iterable[str],
    *,
    own_code: str = "",
    depends: Callable[[str], set[str]] | None = None,
) -> set[str]:
    """Validate `expression` against the indicator codes in `known`; return the codes it uses.

    Refuses unknown codes and self-reference; with `depends` (code → codes its formula uses) it
    also refuses cycles through other formulas."""
    used = names(expression)
    known = set(known)
    missing = sorted(used - known - {own_code})
    if missing:
        raise FormulaError(_("公式引用了不存在的指标：%(codes)s") % {"codes": "、".join(missing)})
    if own_code and own_code in used:
        raise FormulaError(_("公式不能引用指标自身。"))
    if depends and own_code:
        seen, stack = set(), list(used)
        while stack:
            code = stack.pop()
            if code == own_code:
                raise FormulaError(_("公式形成循环引用（经由 %(code)s）。") % {"code": code})
            if code in seen:
                continue
            seen.add(code)
            stack.extend(depends(code))
    return used


def evaluate(expression: str, value_of: Callable[[str], Decimal | None]) -> Decimal | None:
    tree = parse(expression)

    def walk(node) -> Decimal | None:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return value_of(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = walk(node.operand)
            if operand is None:
                return None
            return -operand if isinstance(node.op, ast.USub) else operand
        left, right = walk(node.left), walk(node.right)
        if left is None or right is None:
            return None
        op = type(node.op)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if right == 0:
            return None
        try:
            return left / right
        except InvalidOperation:
            return None

    return walk(tree)
