"""State: per account and region (collections, faces, users, tags, idempotency) and per account
(scripted answers, the celebrity gallery), reset with moto's. Owns the rules about that state."""
