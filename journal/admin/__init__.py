"""Administration: accounts, manager links and the audit log; never anyone's content."""
