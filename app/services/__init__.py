"""The domain. Every surface (API, public pages, admin views, jobs) calls these functions."""
