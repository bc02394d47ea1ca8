"""The reader's application that docs/testing.md tests: a REST client (``speech``) and an API (``api``).

The docs test puts ``tests/docs/user_code`` on ``sys.path`` while it runs the document's blocks, so their
``from my_app.speech import SpeechClient`` finds this small, plain implementation of what the document says
"yours" does, and the document's tests run against it.
"""
