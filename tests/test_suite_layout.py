"""The suite's own shape: fixtures live in conftest.py, everything a test imports in
tests/helpers/, so no test module imports conftest or another test module (and the helpers are
not collected as tests)."""
import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    """The modules a file imports, at any depth (imports inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def forbidden(module: str) -> bool:
    """conftest, or a test module, however it is named."""
    last = module.split(".")[-1]
    return last == "conftest" or last.startswith("test_")


def test_no_test_imports_conftest_or_another_test_module():
    offenders = {}
    for path in sorted([*TESTS.glob("*.py"), *(TESTS / "helpers").glob("*.py")]):
        bad = sorted(m for m in imported_modules(path) if forbidden(m))
        if bad:
            offenders[str(path.relative_to(TESTS))] = bad
    assert offenders == {}, "move what they share to tests/helpers/ (see its __init__)"


def test_helper_modules_hold_no_tests():
    for path in (TESTS / "helpers").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tests = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
        assert tests == [], path.name


def test_the_check_sees_what_it_is_for():
    assert forbidden("conftest") and forbidden("tests.conftest") and forbidden("test_admin_helpers")
    assert forbidden("tests.test_words") and not forbidden("tests.helpers.petition")
    assert "tests.helpers.petition" in imported_modules(TESTS / "test_petition.py")
