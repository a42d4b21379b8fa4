"""Finding the candidate module in a response."""

from __future__ import annotations

from multikernelbench.evaluation.extraction import extract_candidate

MODULE = "import torch\n\nclass ModelNew(torch.nn.Module):\n    pass\n"


def test_first_fenced_block_wins() -> None:
    response = f"Here it is:\n```python\n{MODULE}```\nand a test:\n```python\nprint('other')\n```\n"
    result = extract_candidate(response)
    assert result.source == MODULE and result.fenced and result.error is None


def test_unfenced_module_is_taken_whole() -> None:
    assert extract_candidate(MODULE).source == MODULE


def test_cpp_tag_and_unclosed_fence_at_the_end() -> None:
    assert extract_candidate(f"```cpp\n{MODULE}").source == MODULE


def test_json_block_with_code_field() -> None:
    import json

    result = extract_candidate("```json\n" + json.dumps({"code": MODULE}) + "\n```")
    assert result.source == MODULE


def test_empty_and_prose_responses_have_no_code() -> None:
    assert "no code" in extract_candidate("   \n").error
    assert "no code" in extract_candidate("I am sorry, I cannot write this kernel.").error


def test_syntax_error_names_the_line() -> None:
    result = extract_candidate("```python\nimport torch\ndef f(:\n    pass\n```")
    assert result.source is None and "syntax error" in result.error and "line 2" in result.error


def test_missing_model_new() -> None:
    result = extract_candidate("```python\nimport torch\nclass Model(torch.nn.Module):\n    pass\n```")
    assert result.source is None and "ModelNew" in result.error


def test_model_new_by_assignment_or_guarded_definition_counts() -> None:
    assert extract_candidate("import torch\nModelNew = torch.nn.Identity\n").source is not None
    guarded = "try:\n    import torch\nexcept ImportError:\n    raise\nelse:\n    class ModelNew: pass\n"
    assert extract_candidate(guarded).source is not None
