"""Reading a report: files, text, lines, the outline of parts and sections, cited documents, provenance, numbers."""
