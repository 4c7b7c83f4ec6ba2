# The admin console: its pages, confirmations and the audit log's sentences.
