"""`dueflow grid import FILE`: progress on stderr, the count on stdout; a bad file imports nothing."""
from __future__ import annotations

from api.cli import main as dueflow
from tests.builders import FIXTURES


def test_the_grid_is_imported_from_the_command_line_with_progress(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    assert dueflow(["grid", "import", str(FIXTURES / "grid.geojson"), "--db", url]) == 0
    out = capsys.readouterr()
    assert "imported 3 cells" in out.out and "3/3 cells (100%)" in out.err
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"properties": {}, "geometry": {}}]}')
    assert dueflow(["grid", "import", str(bad), "--db", url]) == 1
    assert "feature 1" in capsys.readouterr().err
