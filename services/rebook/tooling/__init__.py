"""Development tooling (benches, demo, generators): not needed by the services in production."""
