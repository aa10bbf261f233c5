"""Local fakes of third-party services for tests (loopback HTTP servers, standard library)."""
