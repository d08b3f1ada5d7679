import sys
from pathlib import Path

# The tests import build_docs and tests/contract.py as top-level modules.
ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes long; left out by -m 'not slow'")
