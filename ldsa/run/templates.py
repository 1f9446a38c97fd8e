"""Templates: discover the notebooks, inspect their parameters, validate names."""

from __future__ import annotations

import dataclasses
import difflib
import json
from pathlib import Path
from typing import Any

from ldsa.data.store import file_sha256
from ldsa.errors import InvalidParameterError, TemplateError

#: Parameters every template declares, in this order.
REQUIRED_PARAMETERS = ("la_code", "store", "period_start", "period_end", "policy", "release_dir")


def default_notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the source tree ldsa runs from, else ``./notebooks``."""
    beside_package = Path(__file__).resolve().parents[2] / "notebooks"
    return beside_package if beside_package.is_dir() else Path("notebooks").resolve()


@dataclasses.dataclass(frozen=True)
class Template:
    """One template notebook."""

    name: str
    path: Path

    @property
    def sha256(self) -> str:
        """Hash of the notebook file, recorded in every report made from it."""
        return file_sha256(self.path)

    @property
    def title(self) -> str:
        """The first heading of the notebook's first (markdown) cell."""
        cell = self.notebook()["cells"][0]
        for line in "".join(cell.get("source", "")).splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
        return self.name

    def notebook(self) -> dict[str, Any]:
        """The notebook JSON.

        Raises
        ------
        TemplateError
            When the file is not a readable notebook.
        """
        try:
            notebook: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(notebook.get("cells"), list) or not notebook["cells"]:
                raise ValueError("no cells")
        except (OSError, ValueError, AttributeError) as error:
            raise TemplateError(
                f"template {self.name} ({self.path}): not a readable notebook "
                f"({type(error).__name__}). How to fix: open and save it in Jupyter."
            ) from None
        return notebook

    def validate(self) -> None:
        """Check the notebook is a template: a title cell, then one ``parameters`` cell
        declaring every required parameter.

        Raises
        ------
        TemplateError
            Naming the template, what is wrong and how to fix it.
        """
        cells = self.notebook()["cells"]
        tagged = [
            i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])
        ]
        if len(tagged) != 1:
            raise TemplateError(
                f"template {self.name}: {len(tagged)} cells tagged 'parameters'. How to fix: "
                "tag exactly one code cell 'parameters' (Jupyter: View > Cell toolbar > Tags)."
            )
        missing = [p for p in REQUIRED_PARAMETERS if p not in self.parameters()]
        if missing:
            raise TemplateError(
                f"template {self.name}: its parameters cell lacks {', '.join(missing)}. "
                f"How to fix: declare {', '.join(REQUIRED_PARAMETERS)} there, with defaults."
            )

    def parameters(self) -> dict[str, Any]:
        """The parameters declared in the ``parameters`` cell, with their defaults."""
        import papermill  # slow to import; only needed here

        inspected = papermill.inspect_notebook(str(self.path))
        return {name: info["default"] for name, info in inspected.items()}


def discover(notebooks_dir: Path | None = None) -> dict[str, Template]:
    """Every template in the notebooks folder, by name (file stem), sorted."""
    folder = notebooks_dir or default_notebooks_dir()
    if not folder.is_dir():
        raise InvalidParameterError(
            f"notebooks folder {folder}: not found. How to fix: run from the ldsa source tree "
            "or pass --notebooks DIR."
        )
    return {path.stem: Template(path.stem, path) for path in sorted(folder.glob("*.ipynb"))}


def select(templates: dict[str, Template], names: list[str] | None) -> list[Template]:
    """The templates asked for (all when ``names`` is empty), each name validated."""
    if not names:
        return list(templates.values())
    unknown = [name for name in names if name not in templates]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, list(templates), n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise InvalidParameterError(
            f"templates: unknown template(s) {', '.join(hints)}; available: {', '.join(templates)}."
        )
    return [templates[name] for name in dict.fromkeys(names)]
