"""Fail unless the built wheel carries the package, its JS build marker, the console script and
the server extension's enable file (shared-data)."""

import sys
import zipfile
from pathlib import Path

wheels = sorted(Path(sys.argv[1]).glob("vbn_widgets-*.whl"))
if not wheels:
    sys.exit(f"no wheel in {sys.argv[1]}")
names = set(zipfile.ZipFile(wheels[-1]).namelist())
need = {"vbn_widgets/__init__.py", "vbn_widgets/data/cache.py", "vbn_widgets/static/.built"}
version = wheels[-1].name.split("-")[1]
need.add(f"vbn_widgets-{version}.data/data/etc/jupyter/jupyter_server_config.d/vbn_widgets.json")
for entry in (Path(__file__).parents[1] / "js" / "src").glob("*/*.js"):  # one bundle per widget
    if entry.stem != entry.parent.name:
        continue
    need |= {f"vbn_widgets/static/{entry.stem}.js", f"vbn_widgets/static/{entry.stem}.css"}
missing = sorted(need - names)
entry_points = [n for n in names if n.endswith("entry_points.txt")]
if missing or not entry_points:
    sys.exit(f"{wheels[-1].name} is missing {missing or 'entry_points.txt'}")
print(f"{wheels[-1].name}: {len(names)} files; static build, entry points, server enable file")
