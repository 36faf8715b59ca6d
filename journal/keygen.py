"""`python -m journal.keygen`: create instance/secret_key once, for a single machine."""

from journal.config import default_instance_path, ensure_secret_key_file

if __name__ == "__main__":
    print(f"Secret key: {ensure_secret_key_file(str(default_instance_path()))}")
