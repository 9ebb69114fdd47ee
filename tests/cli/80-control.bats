#!/usr/bin/env bats
# Whole listings and errors of structured control flow: cond, switch,
# while_loop, fori_loop, scan, nesting and closures.
load helper

@test "control flow: cond basic" { golden cf-cond-basic 0; }
@test "control flow: cond closure" { golden cf-cond-closure 0; }
@test "control flow: cond closure one branch" { golden cf-cond-closure-one-branch 0; }
@test "control flow: cond int predicate" { golden cf-cond-int-predicate 0; }
@test "control flow: cond static predicate" { golden cf-cond-static-predicate 0; }
@test "control flow: cond tuple operands" { golden cf-cond-tuple-operands 0; }
@test "control flow: cond passthrough pruned" { golden cf-cond-passthrough-pruned 0; }
@test "control flow: cond no operands" { golden cf-cond-no-operands 0; }
@test "control flow: switch" { golden cf-switch 0; }
@test "control flow: switch single branch" { golden cf-switch-single-branch 0; }
@test "control flow: switch weak index" { golden cf-switch-weak-index 0; }
@test "control flow: while loop" { golden cf-while-loop 0; }
@test "control flow: while tuple carry" { golden cf-while-tuple-carry 0; }
@test "control flow: while forwarded carry moved" { golden cf-while-forwarded-carry-moved 0; }
@test "control flow: while weak carry promoted" { golden cf-while-weak-carry-promoted 0; }
@test "control flow: fori static bounds" { golden cf-fori-static-bounds 0; }
@test "control flow: fori traced bound" { golden cf-fori-traced-bound 0; }
@test "control flow: error fori carry shape" { golden cf-error-fori-carry-shape 1; }
@test "control flow: fori weak init promoted" { golden cf-fori-weak-init-promoted 0; }
@test "control flow: error inner origin" { golden cf-error-inner-origin 1; }
@test "control flow: error closure origin" { golden cf-error-closure-origin 1; }
@test "control flow: fori zero length" { golden cf-fori-zero-length 0; }
@test "control flow: scan cumsum" { golden cf-scan-cumsum 0; }
@test "control flow: scan carry and ys" { golden cf-scan-carry-and-ys 0; }
@test "control flow: scan length no xs" { golden cf-scan-length-no-xs 0; }
@test "control flow: scan closure" { golden cf-scan-closure 0; }
@test "control flow: scan forwarded carry" { golden cf-scan-forwarded-carry 0; }
@test "control flow: nested cond in scan in fori" { golden cf-nested-cond-in-scan-in-fori 0; }
@test "control flow: cond inside while" { golden cf-cond-inside-while 0; }
@test "control flow: error branch types" { golden cf-error-branch-types 1; }
@test "control flow: error branch structure" { golden cf-error-branch-structure 1; }
@test "control flow: error not callable" { golden cf-error-not-callable 1; }
@test "control flow: error pred not scalar" { golden cf-error-pred-not-scalar 1; }
@test "control flow: error carry type changed" { golden cf-error-carry-type-changed 1; }
@test "control flow: error carry shape changed" { golden cf-error-carry-shape-changed 1; }
@test "control flow: error while cond not bool" { golden cf-error-while-cond-not-bool 1; }
@test "control flow: error scan scalar xs" { golden cf-error-scan-scalar-xs 1; }
@test "control flow: error scan not pair" { golden cf-error-scan-not-pair 1; }
@test "control flow: error switch float index" { golden cf-error-switch-float-index 1; }
@test "control flow: error traced if in branch" { golden cf-error-traced-if-in-branch 1; }
@test "control flow: example cumsum_scan" { golden example-cumsum_scan 0; }
@test "control flow: example newton_sqrt" { golden example-newton_sqrt 0; }
@test "control flow: example piecewise_switch" { golden example-piecewise_switch 0; }
@test "jit function: nested call" { golden jit-nested-call 0; }
@test "jit function: shared jaxpr" { golden jit-shared-jaxpr 0; }
@test "jit function: static parameter" { golden jit-static-parameter 0; }
# np.float32(1.0) and 1.0 are different static keys: JAX compares a static
# argument's type as well as its value (api_util.py _HashableWithStrictTypeEquality).
@test "jit function: a numpy scalar and a Python number are different static keys" { golden jit-static-strong-key 0; }
@test "jit function: multiple outputs" { golden jit-multiple-outputs 0; }
@test "jit function: closure consts" { golden jit-closure-consts 0; }
@test "jit function: inside cond" { golden jit-inside-cond 0; }
# A jit function capturing a traced value of its caller: JAX 0.10.2 traces it
# once per signature (pjit.py _infer_params: the entry, with the captured
# tracers as its consts, is cached on the function object) and passes the
# consts first (partial_eval.py separate_consts); the printer shares the one
# jaxpr (core.py pp_toplevel_jaxpr). A def executed again is a new function
# object, so a new trace.
@test "jit function: closure traced once" { golden jit-closure-shared 0; }
@test "jit function: closure per definition" { golden jit-closure-each-definition 0; }
@test "jit function: closure shared with a cond branch" { golden jit-closure-outer-const-in-cond 0; }
# The entry declared jit is make_jaxpr(jax.jit(f)): one jit equation around
# the body (pjit.py pjit_staging_rule stages jit_p with the traced jaxpr;
# the inner binders take the caller's names, core.py suggest_same_var_names).
@test "jit function: entry declared jit" { golden jit-entry 0; }
@test "jit function: entry declared jit returns a static value" { golden jit-entry-returns-static 0; }
@test "jit function: error string argument" { golden jit-error-string-argument 1; }
@test "control flow: scan ys forwarded from xs are pruned" { golden cf-scan-ys-forwarded-from-xs 0; }
