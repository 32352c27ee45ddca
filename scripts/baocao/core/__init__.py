"""Foundations every stage shares: errors, the project folder, metadata and its schemas, text helpers."""
