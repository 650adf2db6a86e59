"""Diagnosis: pure rules over the facts document."""
