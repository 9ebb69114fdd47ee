#!/usr/bin/env bats
# Syntax errors in the function source: exit status 1, the first error
# with its location and caret, and a note at the opening bracket where one
# is left unclosed. Each case is tests/cases/NAME.json + NAME.err.

load helper

@test "syntax: bad escape" { golden syntax-bad-escape 1; }
@test "syntax: cast unclosed" { golden syntax-cast-unclosed 1; }
@test "syntax: duplicate function" { golden syntax-duplicate-function 1; }
@test "syntax: duplicate parameter" { golden syntax-duplicate-parameter 1; }
@test "syntax: else without if" { golden syntax-else-without-if 1; }
@test "syntax: expected expression" { golden syntax-expected-expression 1; }
@test "syntax: in file" { golden syntax-in-file 1; }
@test "syntax: integer too large" { golden syntax-integer-too-large 1; }
@test "syntax: keyword then positional" { golden syntax-keyword-then-positional 1; }
@test "syntax: missing semicolon" { golden syntax-missing-semicolon 1; }
@test "syntax: no function" { golden syntax-no-function 1; }
@test "syntax: not assignable" { golden syntax-not-assignable 1; }
@test "syntax: too deeply nested" { golden syntax-too-deeply-nested 1; }
@test "syntax: unclosed brace" { golden syntax-unclosed-brace 1; }
@test "syntax: unclosed paren" { golden syntax-unclosed-paren 1; }
@test "syntax: unexpected character" { golden syntax-unexpected-character 1; }
@test "syntax: unknown type" { golden syntax-unknown-type 1; }
@test "syntax: unknown type name close to a dtype" { golden dtype-unknown-param-close 1; }
@test "syntax: unsupported dtype in a cast" { golden dtype-unsupported-cast-f16 1; }
@test "syntax: unsupported dtype in a declaration" { golden dtype-unsupported-local-u16 1; }
@test "syntax: unsupported dtype in a parameter type" { golden dtype-unsupported-param-f16 1; }
@test "syntax: unterminated comment" { golden syntax-unterminated-comment 1; }
@test "syntax: unterminated string" { golden syntax-unterminated-string 1; }
