"""One reader of Python and notebooks for every check: notebook cells, the allow comment, scopes,
and constant and path evaluation."""
