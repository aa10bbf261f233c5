"""The public API beyond byte-for-byte output: line maps, sources, problems, secrets, bounds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from impops.builder import BuildError, BuildProblem, build_file, build_text


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_line_map_names_each_output_line_source(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "main.nut": 'a\n@include "lib/m.nut"\n@include two()\nb @{one()}\n',
            "lib/m.nut": "@macro two()\nt1\nt2\n@end\n@macro one()\nx\n@end\nm\n",
        },
    )
    result = build_file(tmp_path / "main.nut")
    assert result.code == "a\nm\nt1\nt2\nb x\n"
    assert result.line_map == (
        ("main.nut", 1),
        ("lib/m.nut", 8),
        ("lib/m.nut", 2),  # a block macro's lines come from its body
        ("lib/m.nut", 3),
        ("main.nut", 4),  # an inline call belongs to the calling line
    )


def test_line_map_with_line_control_maps_markers(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.nut": '@include "i.nut"\nend\n', "i.nut": "i\n"})
    result = build_file(tmp_path / "main.nut", line_control=True)
    lines = result.code.splitlines()
    assert len(lines) == len(result.line_map) == 4
    assert result.line_map == (("i.nut", 1), ("i.nut", 1), ("main.nut", 2), ("main.nut", 2))
    assert lines[2] == f'#line 2 "{tmp_path}/main.nut"'


def test_sources_have_digests_of_the_bytes_read(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.nut": '@include "a.nut"\n@include once "a.nut"\n', "a.nut": "a"})
    result = build_file(tmp_path / "main.nut")
    assert [s.name for s in result.sources] == ["main.nut", "a.nut"]
    assert result.sources[1].sha256 == hashlib.sha256(b"a").hexdigest()
    assert all(s.commit is None for s in result.sources)


def test_problem_has_file_line_and_column(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.nut": '@include "lib/bad.nut"\n', "lib/bad.nut": "ok\n  x = @{1 / 0}\n"})
    with pytest.raises(BuildError) as info:
        build_file(tmp_path / "main.nut")
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.column) == ("lib/bad.nut", 2, 7)
    assert problem.message == "Division by zero"
    assert problem.builder_text == f"Division by zero ({tmp_path}/lib/bad.nut:2)"
    assert str(problem) == "lib/bad.nut:2:7: Division by zero"


def test_syntax_error_is_located_in_the_included_file(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.nut": '@include "s.nut"\n', "s.nut": "\n  @else\n"})
    with pytest.raises(BuildError) as info:
        build_file(tmp_path / "main.nut")
    assert info.value.problems == [
        BuildProblem("s.nut", 2, 3, "Unexpected @else", "Unexpected @else (s.nut:2)")
    ]


def test_error_inside_inline_macro_points_at_the_macro_body(tmp_path: Path) -> None:
    text = "@macro m()\n@{nope()}\n@end\nv=@{m()}\n"
    with pytest.raises(BuildError) as info:
        build_text(text, name="main.nut", root=tmp_path)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == ("main.nut", 2)
    assert problem.message == 'Function "nope" is not defined'
    assert problem.builder_text.endswith(f"({tmp_path}/main.nut:2) ({tmp_path}/main.nut:4)")


def test_secret_values_are_masked_in_errors_and_warnings(tmp_path: Path) -> None:
    text = '@warning "key is " + KEY\n@error "bad key " + KEY\n'
    with pytest.raises(BuildError) as info:
        build_text(
            text, name="main.nut", root=tmp_path, variables={"KEY": "s3cr3t"}, secrets=["KEY"]
        )
    assert info.value.problems[0].message == "bad key ***"
    assert info.value.problems[0].builder_text == "bad key ***"
    assert info.value.warnings[0].message == "key is ***"
    assert "s3cr3t" not in str(info.value)


def test_secret_values_still_reach_the_code(tmp_path: Path) -> None:
    result = build_text(
        "k=@{KEY}\n", name="m.nut", root=tmp_path, variables={"KEY": "v"}, secrets=["KEY"]
    )
    assert result.code == "k=v\n"


def test_variables_keep_their_types(tmp_path: Path) -> None:
    text = "@if DEBUG\non\n@else\noff\n@end\n@repeat N\nr@{loop.index}\n@end\nl=@{L} t=@{T.a}\n"
    variables = {"DEBUG": False, "N": 2, "L": [1, "x"], "T": {"a": 1.5}}
    result = build_text(text, name="m.nut", root=tmp_path, variables=variables)
    assert result.code == "off\nr0\nr1\nl=1,x t=1.5\n"


def test_environment_is_lowest_priority_and_ignored_by_defined(tmp_path: Path) -> None:
    text = '@set B = "set"\na=@{A} b=@{B} c=@{C} d=@{defined(C)}\n'
    env = {"A": "env", "B": "env", "C": "env"}
    result = build_text(text, name="m.nut", root=tmp_path, variables={"A": "var"}, environment=env)
    assert result.code == "a=var b=set c=env d=false\n"


def test_process_environment_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPOPS_BUILDER_PROBE", "leak")
    result = build_text("v=@{IMPOPS_BUILDER_PROBE}\n", name="m.nut", root=tmp_path)
    assert result.code == "v=null\n"


def test_loop_bound_is_configurable(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as info:
        build_text("@while 1\nx\n@end\n", name="m.nut", root=tmp_path, max_loop_iterations=5)
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == ("m.nut", 1)
    assert "did not finish after 5 iterations" in problem.message


def test_include_cycle_is_reported_not_a_crash(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.nut": '@include "a.nut"\n', "a.nut": '@include "main.nut"\n'})
    with pytest.raises(BuildError) as info:
        build_file(tmp_path / "main.nut", suppress_duplicate_warning=True)
    assert "possible cyclic reference" in info.value.problems[0].message
    assert info.value.warnings == ()


def test_nested_expressions(tmp_path: Path) -> None:
    text = "v=@{" + "(" * 100 + "1" + ")" * 100 + "}\n"
    assert build_text(text, name="m.nut", root=tmp_path).code == "v=1\n"


def test_absurdly_nested_expression_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    text = "@set V = " + "(" * 20000 + "1" + ")" * 20000 + "\n"
    with pytest.raises(BuildError, match="nested too deeply"):
        build_text(text, name="m.nut", root=tmp_path)


def test_build_text_includes_relative_to_root(tmp_path: Path) -> None:
    _tree(tmp_path, {"src/lib/x.nut": "x @{__FILE__}\n"})
    result = build_text('@include "lib/x.nut"\n', name="src/agent.nut", root=tmp_path)
    assert result.code == "x x.nut\n"
    assert [s.name for s in result.sources] == ["src/agent.nut", "src/lib/x.nut"]


def test_missing_input_file_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as info:
        build_file(tmp_path / "nope.nut")
    assert (
        info.value.problems[0].builder_text
        == f'Local file "nope.nut" not found ({tmp_path}/main:1)'
    )
