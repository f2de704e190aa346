"""The shared core every domain stands on: audit, errors, inputs, mail, storage, the job port, Redis, money.

Nothing here imports a domain package or a surface."""
