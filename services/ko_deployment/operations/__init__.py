"""Operations: ordered phases of playbooks, queued, run by workers, resumable, cancellable, with live events."""
