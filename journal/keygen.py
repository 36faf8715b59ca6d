"""`python -m journal.keygen`: create instance/secret_key once, for a single machine."""

import os
from pathlib import Path

from journal.config import ensure_secret_key_file

if __name__ == "__main__":
    instance = (
        os.environ.get("INSTANCE_PATH") or Path(__file__).resolve().parent.parent / "instance"
    )
    print(f"Secret key: {ensure_secret_key_file(str(instance))}")
