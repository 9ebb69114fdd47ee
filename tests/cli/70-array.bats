#!/usr/bin/env bats
# The array vocabulary: reductions, dot/matmul, shape manipulation and
# constructors, as jnp records them; their errors; the examples built on them.
load helper

@test "array: arange" { golden array-arange 0; }
@test "array: arange float" { golden array-arange-float 0; }
@test "array: arange static bound" { golden array-arange-static-bound 0; }
@test "array: argmax axis" { golden array-argmax-axis 0; }
@test "array: argmax flatten" { golden array-argmax-flatten 0; }
@test "array: argmax keepdims" { golden array-argmax-keepdims 0; }
@test "array: astype" { golden array-astype 0; }
@test "array: broadcast to" { golden array-broadcast-to 0; }
@test "array: concatenate" { golden array-concatenate 0; }
@test "array: concatenate axis none" { golden array-concatenate-axis-none 0; }
@test "array: concatenate promote" { golden array-concatenate-promote 0; }
@test "array: dot matrix" { golden array-dot-matrix 0; }
@test "array: dot mixed dtypes" { golden array-dot-mixed-dtypes 0; }
@test "array: dot scalar" { golden array-dot-scalar 0; }
@test "array: dot stacked" { golden array-dot-stacked 0; }
@test "array: dot vector" { golden array-dot-vector 0; }
@test "array: error arange traced" { golden array-error-arange-traced 1; }
@test "array: error argmax axis" { golden array-error-argmax-axis 1; }
@test "array: error astype unknown dtype" { golden array-error-astype-unknown-dtype 1; }
@test "array: error astype to an unsupported bare dtype name" { golden dtype-unsupported-astype-f16 1; }
@test "array: error astype to an unsupported dtype string" { golden dtype-unsupported-astype-bfloat16 1; }
@test "array: error dtype= an unsupported dtype" { golden dtype-unsupported-keyword-c64 1; }
@test "array: error misspelt bare dtype name gets a suggestion" { golden dtype-unknown-value-close 1; }
@test "array: error axis duplicate" { golden array-error-axis-duplicate 1; }
@test "array: error axis float" { golden array-error-axis-float 1; }
@test "array: error axis out of bounds" { golden array-error-axis-out-of-bounds 1; }
@test "array: error axis traced" { golden array-error-axis-traced 1; }
@test "array: error axis tuple traced" { golden array-error-axis-tuple-traced 1; }
@test "array: error broadcast fewer dims" { golden array-error-broadcast-fewer-dims 1; }
@test "array: error broadcast incompatible" { golden array-error-broadcast-incompatible 1; }
@test "array: error concatenate ranks" { golden array-error-concatenate-ranks 1; }
@test "array: error concatenate scalars" { golden array-error-concatenate-scalars 1; }
@test "array: error concatenate shapes" { golden array-error-concatenate-shapes 1; }
@test "array: error dot mismatch" { golden array-error-dot-mismatch 1; }
@test "array: error expand dims rank limit" { golden array-error-expand-dims-rank-limit 1; }
@test "array: error expand dims repeated" { golden array-error-expand-dims-repeated 1; }
@test "array: error full tuple fill" { golden array-error-full-tuple-fill 1; }
@test "array: error iota traced" { golden array-error-iota-traced 1; }
@test "array: error matmul batch" { golden array-error-matmul-batch 1; }
@test "array: error matmul mismatch" { golden array-error-matmul-mismatch 1; }
@test "array: error matmul scalar" { golden array-error-matmul-scalar 1; }
@test "array: error max empty" { golden array-error-max-empty 1; }
@test "array: error reshape infer" { golden array-error-reshape-infer 1; }
@test "array: error reshape size" { golden array-error-reshape-size 1; }
@test "array: error reshape traced" { golden array-error-reshape-traced 1; }
@test "array: error reshape two unknown" { golden array-error-reshape-two-unknown 1; }
@test "array: error shape too many elements" { golden array-error-shape-too-many-elements 1; }
# The result of reducing axis 0 of an empty array has 2^93 elements: it wrapped
# to 0 in int64 and traced (exit 0). The empty argument itself is refused now
# (its nonzero dimensions are over the limit), so no reduction of an
# accepted array can have too many elements.
@test "array: an empty argument whose reduction would have too many elements" { golden array-reduce-result-too-many-elements 2; }
# A dimension beyond the limit is refused even in an empty array: two of 2^62
# concatenated made a dimension of -2^63.
@test "array: a dimension over the limit in an empty array" { golden array-concatenate-dimension-too-large 1; }
@test "array: error squeeze not one" { golden array-error-squeeze-not-one 1; }
@test "array: error sum multiple axis" { golden array-error-sum-multiple-axis 1; }
@test "array: error sum tuple operand" { golden array-error-sum-tuple-operand 1; }
@test "array: error transpose axis out of bounds" { golden array-error-transpose-axis-out-of-bounds 1; }
@test "array: error transpose permutation" { golden array-error-transpose-permutation 1; }
@test "array: error zeros forgot tuple" { golden array-error-zeros-forgot-tuple 1; }
@test "array: error zeros negative" { golden array-error-zeros-negative 1; }
@test "array: error zeros traced" { golden array-error-zeros-traced 1; }
@test "array: error zeros traced dim" { golden array-error-zeros-traced-dim 1; }
@test "array: example layer norm" { golden array-example-layer-norm 0; }
@test "array: example mlp layer" { golden array-example-mlp-layer 0; }
@test "array: example softmax" { golden array-example-softmax 0; }
@test "array: expand dims" { golden array-expand-dims 0; }
@test "array: full" { golden array-full 0; }
@test "array: scalar zeros/ones/full keep their dtype" { golden array-creation-scalar-dtype 0; }
@test "array: full array fill" { golden array-full-array-fill 0; }
@test "array: iota" { golden array-iota 0; }
@test "array: matmul 2d" { golden array-matmul-2d 0; }
@test "array: matmul batched" { golden array-matmul-batched 0; }
@test "array: matmul broadcast" { golden array-matmul-broadcast 0; }
@test "array: matmul mixed dtypes" { golden array-matmul-mixed-dtypes 0; }
@test "array: matmul squeeze" { golden array-matmul-squeeze 0; }
@test "array: matmul vector" { golden array-matmul-vector 0; }
@test "array: max min" { golden array-max-min 0; }
@test "array: max min dtypes" { golden array-max-min-dtypes 0; }
@test "array: mean" { golden array-mean 0; }
@test "array: mean axis keepdims" { golden array-mean-axis-keepdims 0; }
@test "array: mean int bool" { golden array-mean-int-bool 0; }
@test "array: prod" { golden array-prod 0; }
@test "array: reshape" { golden array-reshape 0; }
@test "array: reshape infer" { golden array-reshape-infer 0; }
@test "array: reshape no change" { golden array-reshape-no-change 0; }
@test "array: reshape static shape" { golden array-reshape-static-shape 0; }
@test "array: shape from attributes" { golden array-shape-from-attributes 0; }
@test "array: squeeze" { golden array-squeeze 0; }
@test "array: sum all" { golden array-sum-all 0; }
@test "array: sum axis" { golden array-sum-axis 0; }
@test "array: sum axis tuple" { golden array-sum-axis-tuple 0; }
@test "array: sum bool" { golden array-sum-bool 0; }
@test "array: sum dtype" { golden array-sum-dtype 0; }
@test "array: sum empty axes" { golden array-sum-empty-axes 0; }
@test "array: sum keepdims" { golden array-sum-keepdims 0; }
@test "array: sum keepdims all" { golden array-sum-keepdims-all 0; }
@test "array: sum narrow ints" { golden array-sum-narrow-ints 0; }
@test "array: sum negative axis" { golden array-sum-negative-axis 0; }
@test "array: sum weak and static" { golden array-sum-weak-and-static 0; }
@test "array: transpose axes" { golden array-transpose-axes 0; }
@test "array: transpose default" { golden array-transpose-default 0; }
@test "array: zeros like" { golden array-zeros-like 0; }
@test "array: zeros ones" { golden array-zeros-ones 0; }
@test "array: bare dtype names as values" { golden array-bare-dtype-names 0; }
