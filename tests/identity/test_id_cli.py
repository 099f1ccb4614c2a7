"""``xinyong id check``, run on a small app so it does not need the other commands."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from xinyong.cli.id_cmd import register


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Root."""

    register(app)
    return app


INPUTS = ["91110000600037341L", "371082197506081364", "130503670401001", "91110000600037341K", "x"]


def test_json_output_shape_and_order() -> None:
    result = CliRunner().invoke(_app(), ["id", "check", *INPUTS, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list) and [d["input"] for d in data] == INPUTS
    for d in data:
        assert {"input", "valid", "kind", "canonical", "error"} <= set(d)
        assert isinstance(d["valid"], bool)
        assert d["kind"] in ("organisation", "person", None)
        if d["valid"]:
            assert d["error"] is None and d["canonical"]
        else:
            assert d["canonical"] is None
            assert set(d["error"]) == {"code", "message"}
    assert [d["valid"] for d in data] == [True, True, True, False, False]
    assert [d["kind"] for d in data] == ["organisation", "person", "person", "organisation", None]
    assert data[2]["canonical"] == "130503196704010016"
    assert data[3]["error"]["code"] == "check_character"
    assert data[4]["error"]["code"] == "length"


def test_table_output_exits_0_with_invalid_codes() -> None:
    result = CliRunner().invoke(_app(), ["id", "check", "91110000600037341K", "bad"])
    assert result.exit_code == 0, result.output
    assert "check_character" in result.output
    assert "length" in result.output


def test_full_width_input_is_checked() -> None:
    result = CliRunner().invoke(
        _app(), ["id", "check", "--json", "９１１１００００６０００３７３４１Ｌ"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["canonical"] == "91110000600037341L"


def test_no_code_is_a_usage_error() -> None:
    result = CliRunner().invoke(_app(), ["id", "check"])
    assert result.exit_code == 2
