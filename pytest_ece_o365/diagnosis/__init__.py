"""Diagnosis: a signature (check id, classified error) -> cause, remediation, owner, source."""
