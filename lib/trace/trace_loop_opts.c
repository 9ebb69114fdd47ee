/* lax.scan's and lax.fori_loop's static options (loop_opts.h), with the
 * checks and messages of JAX 0.10.2's jax/_src/lax/control_flow/loops.py:
 * _infer_scan_length for length= and the xs' leading axes, scan's `unroll` normalization, and
 * fori_loop's refusal of an unroll with traced bounds. */
#include "loop_opts.h"
#include "trace_array_int.h"

/* length=: a static non-negative int. A traced one is _infer_scan_length's
 * ConcretizationTypeError. */
static bool read_length(tracer *t, const value *v, tj_span span, scan_opts *o) {
  o->length = -1;
  if (!v) return true;
  if (v->kind == V_TRACED)
    return ta_concrete_error(t, v, span, "The `length` argument to `scan` expects a concrete `int` value. For "
                             "scan-like iteration with a dynamic length, use `while_loop` or `fori_loop`.");
  if (v->kind != V_INT) return tracer_error(t, span, "TypeError: scan's length must be an integer");
  note_use(t, v->prov, USE_SHAPE);
  if (v->i < 0 || v->i > TJ_MAX_ELEMENTS)
    return tracer_error(t, span, "ValueError: scan's length must be between 0 and %lld", (long long)TJ_MAX_ELEMENTS);
  o->length = v->i;
  return true;
}

/* reverse=: JAX passes it to the primitive as given; tjit takes a static
 * bool only, so that the param is always True or False. */
static bool read_reverse(tracer *t, const value *v, tj_span span, scan_opts *o) {
  o->reverse = false;
  if (!v) return true;
  if (v->kind == V_TRACED) return concretization_error(t, ERR_BOOL, v, span, "pass a static reverse");
  if (v->kind != V_BOOL) return tracer_error(t, span, "TypeError: scan's reverse must be true or false");
  note_use(t, v->prov, USE_SHAPE);
  o->reverse = v->i != 0;
  return true;
}

bool scan_read_xs(tracer *t, const builtin_def *b, const call_args *a, int i, value *xs) {
  const value *v;
  tj_span span;
  if (!ta_get_arg(t, b, a, i, "xs", &v, &span)) return false;
  *xs = v ? *v : value_none();
  return true;
}

bool scan_read_opts(tracer *t, const builtin_def *b, const call_args *a, int first, scan_opts *o) {
  const value *len, *rev;
  tj_span ls, rs;
  return ta_get_arg(t, b, a, first, "length", &len, &ls) && ta_get_arg(t, b, a, first + 1, "reverse", &rev, &rs) &&
         ta_get_arg(t, b, a, first + 2, "unroll", &o->unroll, &o->unroll_span) && read_length(t, len, ls, o) &&
         read_reverse(t, rev, rs, o);
}

/* scan: `unroll = core.concrete_or_error(None, unroll, ...)`, then
 * `if isinstance(unroll, bool): unroll = max(length, 1) if unroll else 1`
 * and `if unroll < 0: raise ValueError(...)`. tjit takes an int or a bool
 * only (JAX would record any other value as the param). */
bool scan_unroll(tracer *t, const scan_opts *o, int64_t length, int64_t *out) {
  const value *u = o->unroll;
  *out = 1;
  if (!u) return true;
  if (u->kind == V_TRACED)
    return ta_concrete_error(t, u, o->unroll_span, "The `unroll` argument to `scan` expects a concrete `int` or "
                             "`bool` value.");
  note_use(t, u->prov, USE_SHAPE);
  if (u->kind == V_BOOL) {
    *out = u->i ? (length > 1 ? length : 1) : 1;
    return true;
  }
  if (u->kind != V_INT) return tracer_error(t, o->unroll_span, "TypeError: scan's unroll must be an int or a bool");
  if (u->i < 0)
    return tracer_error(t, o->unroll_span, "ValueError: `unroll` must be a `bool` or a non-negative `int`.");
  *out = u->i;
  return true;
}

/* fori_loop with traced bounds: `if unroll is not None and unroll is not
 * False and unroll != 1: raise ValueError(...)`. True == 1 in Python, so
 * unroll=True passes, as does 1.0. */
bool fori_check_traced_unroll(tracer *t, const value *unroll, tj_span span) {
  if (!unroll) return true;
  if (unroll->kind == V_TRACED) /* `unroll != 1` is a traced bool that `and` converts */
    return concretization_error(t, ERR_BOOL, unroll, span, NULL);
  note_use(t, unroll->prov, USE_CONTROL);
  if (unroll->kind == V_BOOL || (unroll->kind == V_INT && unroll->i == 1) ||
      (unroll->kind == V_FLOAT && unroll->f == 1.0))
    return true;
  return tracer_error(t, span, "ValueError: Can only use `unroll` in `fori_loop` if the loop bounds are statically "
                      "known.");
}

/* _infer_scan_length: a given length must be every x's leading axis
 * size; else those must all be the same, and there must be one. */
bool scan_infer_length(tracer *t, const tj_aval *xa, int n, tj_span span, int64_t *length) {
  bool same = true;
  for (int i = 0; i < n; i++) same = same && xa[i].dims[0] == (*length >= 0 ? *length : xa[0].dims[0]);
  if (same && *length < 0 && n) *length = xa[0].dims[0];
  if (same && *length >= 0) return true;
  if (n == 0) return tracer_error(t, span, "ValueError: scan got no values to scan over and `length` not provided.");
  tj_buf b = {0};
  for (int i = 0; i < n; i++) buf_printf(&b, i ? ", %lld" : "%lld", (long long)xa[i].dims[0]);
  if (*length >= 0)
    tracer_error(t, span, "ValueError: scan got `length` argument of %lld which disagrees with leading axis sizes "
                 "[%s].", (long long)*length, b.data);
  else
    tracer_error(t, span, "ValueError: scan got values with different leading axis sizes: %s.", b.data);
  buf_free(&b);
  return false;
}

/* An x without a leading axis. _infer_scan_length names the leaves that
 * have no shape at all (Python numbers) as str() shows them; a rank-0
 * array keeps tjit's shorter text (JAX's is an IndexError of x.shape[0]). */
bool scan_no_leading_axis(tracer *t, const value *xs, int n, tj_span span) {
  tj_buf b = {0};
  for (int i = 0; i < n; i++) {
    if (!value_is_number(&xs[i]) || xs[i].strong) continue;
    if (b.len) buf_puts(&b, ", ");
    value_repr(&xs[i], &b);
  }
  if (b.len) tracer_error(t, span, "ValueError: scan got value with no leading axis to scan over: %s.", b.data);
  else tracer_error(t, span, "ValueError: scan got value with no leading axis to scan over");
  buf_free(&b);
  return false;
}
