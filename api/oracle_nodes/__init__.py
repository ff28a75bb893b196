"""Status of the independent oracle nodes (`GET /v1/oracle/nodes`)."""
