"""The Knowlarity "Basic" dialect (makecall with nested success/error objects)."""
