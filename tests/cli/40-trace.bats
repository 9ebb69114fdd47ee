#!/usr/bin/env bats
# Whole jaxpr listings of `tjit trace`, compared with golden files.
load helper

@test "trace: all static" { golden trace-all-static 0; }
@test "trace: args override" { golden trace-args-override 0; }
@test "trace: bool argument" { golden trace-bool-argument 0; }
@test "trace: break continue" { golden trace-break-continue 0; }
@test "trace: builtin on static" { golden trace-builtin-on-static 0; }
@test "trace: call selected" { golden trace-call-selected 0; }
@test "trace: cast static folds" { golden trace-cast-static-folds 0; }
@test "trace: cast to int" { golden trace-cast-to-int 0; }
@test "trace: clamp" { golden trace-clamp 0; }
@test "trace: comparison" { golden trace-comparison 0; }
@test "trace: compound assign" { golden trace-compound-assign 0; }
@test "trace: destructuring" { golden trace-destructuring 0; }
@test "trace: float pow" { golden trace-float-pow 0; }
@test "trace: float32 literal repr" { golden trace-float32-literal-repr 0; }
@test "trace: a subnormal float literal is accepted (strtod's ERANGE on underflow)" { golden literal-float-subnormal 0; }
@test "trace: fused kernel" { golden trace-fused-kernel 0; }
@test "trace: inlined call" { golden trace-inlined-call 0; }
@test "trace: int array plus float" { golden trace-int-array-plus-float 0; }
@test "trace: int div rem" { golden trace-int-div-rem 0; }
@test "trace: int to float builtin" { golden trace-int-to-float-builtin 0; }
@test "trace: integer pow" { golden trace-integer-pow 0; }
@test "trace: json format" { golden trace-json-format 0; }
@test "trace: many variables" { golden trace-many-variables 0; }
@test "trace: maximum minimum" { golden trace-maximum-minimum 0; }
@test "trace: mixed int promotion" { golden trace-mixed-int-promotion 0; }
@test "trace: mul literal" { golden trace-mul-literal 0; }
@test "trace: named dimension" { golden trace-named-dimension 0; }
@test "trace: nested function closure" { golden trace-nested-function-closure 0; }
@test "trace: rank promotion" { golden trace-rank-promotion 0; }
@test "trace: relu scale" { golden trace-relu-scale 0; }
@test "trace: rounding" { golden trace-rounding 0; }
@test "trace: shape is static" { golden trace-shape-is-static 0; }
@test "trace: shifts" { golden trace-shifts 0; }
@test "trace: size one broadcast" { golden trace-size-one-broadcast 0; }
@test "trace: static argnums" { golden trace-static-argnums 0; }
@test "trace: static declared in source" { golden trace-static-declared-in-source 0; }
@test "trace: static if not taken" { golden trace-static-if-not-taken 0; }
@test "trace: static if taken" { golden trace-static-if-taken 0; }
@test "trace: static int output" { golden trace-static-int-output 0; }
@test "trace: static loop unroll" { golden trace-static-loop-unroll 0; }
@test "trace: static string" { golden trace-static-string 0; }
@test "trace: static ternary" { golden trace-static-ternary 0; }
@test "trace: static tuple" { golden trace-static-tuple 0; }
@test "trace: static while" { golden trace-static-while 0; }
@test "trace: two outputs" { golden trace-two-outputs 0; }
@test "trace: unary ops" { golden trace-unary-ops 0; }
@test "trace: unused result" { golden trace-unused-result 0; }
@test "trace: weak int arg" { golden trace-weak-int-arg 0; }
@test "trace: weak meets strong" { golden trace-weak-meets-strong 0; }
@test "trace: weak scalar times array" { golden trace-weak-scalar-times-array 0; }
@test "trace: where" { golden trace-where 0; }
@test "trace: return tuple of calls (regression: a nested return clobbered the tuple)" { golden trace-return-tuple-of-calls 0; }
@test "trace: where twice shares one _where jaxpr (jnp.where is jitted)" { golden trace-where-twice-shares-jaxpr 0; }
# A static argument is a Python value whatever its declared type: with
# dt = 0.001, int(1.0 / dt) is 1000 and 1.0 - 0.999 is the double
# 0.0010000000000000009, rounded to float32 only as the literal it becomes
# (as JAX records it: the literal takes the traced operand's dtype,
# jax/_src/dtypes.py result_type with a weak Python scalar).
@test "trace: a static parameter's declared type does not round its value" { golden static-typed-param-exact 0; }
@test "trace: a called function's declared type does not round a static argument" { golden inline-static-typed-param 0; }
# jnp.power with a traced integer exponent (jax/_src/numpy/ufuncs.py power and
# _power at jax-v0.10.2): the numeric promotion is recorded, but an inexact
# base is raised by the integer exponent as it was (lax.pow accepts it,
# lax.py _pow_dtype_rule), so the result is strong; two floats are promoted.
@test "trace: pow with a traced integer exponent" { golden trace-pow-traced-int-exponent 0; }
# The listing derived from jnp.power in JAX 0.10.2 (jax/_src/numpy/ufuncs.py): _power is
# jit(inline=True), so inlined; promote_args_numeric, then _pow_int_int's and/mul/
# shift_right_logical unrolled over 6 bits, its zero and one _constant_like numpy scalars
# (literals), and each _where a call of the jitted jnp _where (jax/_src/numpy/util.py,
# @api.jit, not inlined): jit[name=_where], one jaxpr per signature, shared.
@test "trace: pow of integers with a traced exponent" { golden trace-pow-int-int 0; }
# A cast of a static value is a numpy scalar, np.float32(1.0): strongly typed,
# so jnp's promotion (jax/_src/dtypes.py result_type, weak types) converts a
# weakly typed traced operand and the scalar is a literal of its own dtype
# (core.py Literal: 1.0:f32[]); static arithmetic on it stays float32.
@test "trace: a cast of a static value is strongly typed" { golden trace-static-cast-strong 0; }
@test "trace: a dtype name called converts as jnp.float32(x) does" { golden trace-dtype-call 0; }
# `f32 one = 1.0;` is one = np.float32(1.0), as the cast is.
@test "trace: a typed declaration of a static value is strongly typed" { golden trace-static-declared-strong 0; }
# Static arithmetic on numpy integer scalars wraps, as numpy's does (with a
# RuntimeWarning); a Python int operand becomes the scalar's dtype first
# (NEP 50, JAX's numpy >= 2) and one out of its range is numpy's
# OverflowError. Expected values from numpy with weak promotion:
# np.uint8(0) - np.uint8(1) = 255, -np.uint8(2) = 254, np.int8(127) +
# np.int8(1) = -128, np.uint8(0) - 1 = 255, ~np.uint8(0) = 255,
# np.int16(300) * np.int16(300) = 24464, np.uint32(2) - 3 = 4294967295,
# np.uint8(0) + 300: "Python integer 300 out of bounds for uint8". Found by
# fuzz_gen: the Python int that stood for a wrapped result changed the
# dtype, so an `if` whose branches both held a u8 failed to trace.
@test "trace: static numpy integer arithmetic wraps" { golden trace-static-strong-int-wraps 0; }
@test "trace: a Python int out of a numpy scalar's range" { golden trace-static-strong-int-out-of-bounds 1; }

# 40 levels of jit functions, each calling the level below twice: the
# tracer traces each level once and shares its jaxpr, but ir_check checked
# a shared jaxpr at every use, doubling the time per level (28 levels:
# 10 s; 40: days). Checked once each, the trace takes milliseconds; the
# timeout is generous for a loaded machine and sanitizers.
@test "trace: a jaxpr shared at every level of 40 nested jits is checked once" {
  local src='"jit auto level0(auto x) { return x + 1; }"' k
  for ((k = 1; k <= 40; k++)); do
    src+=", \"jit auto level$k(auto x) { return level$((k - 1))(x) + level$((k - 1))(x); }\""
  done
  src+=', "auto f(float x) { return level40(x); }"'
  run timeout 10 tjit check - <<<"{\"tjit\": 1, \"function\": \"f\", \"source\": [$src], \"args\": {\"x\": 1.0}}"
  assert_success
  assert_output ''
}
