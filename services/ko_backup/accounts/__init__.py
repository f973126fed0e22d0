"""Backup accounts: where backups go (a local directory, SFTP, S3), admin-managed, shared with projects."""
