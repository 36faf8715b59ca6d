"""Administration: accounts and, later, manager links; never anyone's content."""
