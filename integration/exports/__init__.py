"""The client's record, exported for the client (right of access): a PDF and a FHIR R4 bundle."""
