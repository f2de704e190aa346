"""The public status: checks, snapshots, live state, history, incidents, maintenance and the read APIs."""
