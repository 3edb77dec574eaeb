"""The REST API: a FastAPI app over the store, the pure workflow and the engine."""
