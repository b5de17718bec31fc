"""Results: labelled datasets, files and provenance."""
