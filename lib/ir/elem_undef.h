/* Ends a use of elem.def: undefines the row macros its includer defined
 * (UNARY_F ... COMPARE), so the next use defines its own. Included once per
 * use, hence no include guard. */
#undef UNARY_F
#undef UNARY_I
#undef UNARY_FI
#undef BINARY_F
#undef BINARY_I
#undef BINARY_FI
#undef COMPARE
#undef COMPARE_TO
