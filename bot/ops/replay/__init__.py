"""``shopdesk replay FILE...``: test conversations run through the running assistant, pass or fail each.

A shop writes what a shopper says and what the replies must and must not contain (``script.py``: the
YAML format, validated); the runner (``runner.py``) opens one fresh web conversation per test
conversation on the gateway (``gateway.py``: its public chat API over HTTP), checks each turn's replies
(``check.py``: a pure function) and reports (``report.py``: text, JUnit XML). The project's own
end-to-end conversations (``tests/conversations/``) use the same format.
"""
