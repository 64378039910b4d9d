"""Security: accounts and passwords, login and its throttle, roles, the audit log, audited
downloads."""
