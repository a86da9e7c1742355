"""Our own stores on disk: the result cache, the B.2 approval register, the audit log and its keys."""
