"""``shopfloor model``, ``shopfloor part`` and ``shopfloor rules set|show`` from the shell."""

from __future__ import annotations

from .conftest import one_line_error, run


def test_the_catalogue_and_the_rules_are_kept_from_the_shell(env: dict[str, str]) -> None:
    for args in (["model", "add", "City 26"], ["part", "add", "City 26", "Brakes"]):
        done = run(args, env)
        assert done.returncode == 0, done.stderr
    listed = run(["part", "list"], env)
    assert listed.stdout.split() == ["1", "City", "26", "Brakes"]
    assert run(["part", "remove", "1"], env).stdout.startswith("Removed part Brakes of City 26")
    assert "No parts yet" in run(["part", "list"], env).stdout

    switched = run(["rules", "set", "review_required", "on"], env)
    assert switched.stdout == "review_required is now on.\n"
    shown = run(["rules", "show"], env).stdout.splitlines()
    assert [line.split()[:2] for line in shown][:2] == [
        ["allow_self_inspection", "off"],
        ["review_required", "on"],
    ]
    assert one_line_error(run(["rules", "set", "nope", "on"], env)).startswith(
        "shopfloor: No rule named 'nope'"
    )
    assert one_line_error(run(["part", "add", "Nope", "Bell"], env)) == (
        "shopfloor: No bike model Nope; add it first (shopfloor model add)."
    )
