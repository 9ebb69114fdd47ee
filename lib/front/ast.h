/* The abstract syntax tree of the function language (tjit-spec(5)).
 * Produced by parse.c, executed by the tracer. All nodes live in the
 * program's arena; every node carries the byte span it was parsed from. */
#ifndef TJ_AST_H
#define TJ_AST_H
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "dtype.h"

/* Identifiers are interned: equal names have equal ids (0 is "no name"). */
typedef uint32_t name_id;

typedef struct interner interner;
interner *interner_new(tj_arena *a);
name_id intern(interner *in, const char *s, uint32_t n);
const char *name_str(const interner *in, name_id id);

/* Operators. Binary operators map to primitives in the tracer. */
typedef enum {
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,       /* + - * / % */
  OP_MATMUL, OP_POW,                            /* Python's @ ** */
  OP_BITAND, OP_BITOR, OP_BITXOR, OP_SHL, OP_SHR, /* & | ^ << >> */
  OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,     /* == != < <= > >= */
  OP_LOGAND, OP_LOGOR,                          /* && || */
  OP_NEG, OP_PLUS, OP_NOT, OP_BITNOT,           /* unary - + ! ~ */
  OP_PREINC, OP_PREDEC, OP_POSTINC, OP_POSTDEC, /* ++x --x x++ x-- */
  OP_ASSIGN,                                    /* = (ND_ASSIGN with op) */
  OP_COUNT
} ast_op;

const char *op_text(ast_op op);   /* "+", "&&", "++", ... */

/* A declared type: `float`, `f32`, `auto`, `let`, with an optional shape
 * `float x[3][4]` / `f32[n,4] x` where a dimension is a number or a name
 * (a name binds the size on first use and checks it after). */
typedef struct ast_dim {
  name_id name;            /* nonzero: a named size */
  int64_t size;            /* when name == 0 */
  tj_span span;
} ast_dim;

typedef struct ast_type {
  bool present;            /* false: no type written (or auto/let) */
  tj_dtype dtype;
  int rank;                /* -1: no shape written (any rank allowed) */
  ast_dim dims[TJ_MAX_RANK];
  tj_span span;
} ast_type;

typedef enum {
  /* expressions */
  ND_INT,       /* ival; `2`, `0x1f` */
  ND_FLOAT,     /* fval; `2.0`, `1e-3`, `2.f` */
  ND_BOOL,      /* ival 0/1; `true` `false` */
  ND_STR,       /* str/strlen: the decoded bytes; `"abc"` */
  ND_NONE,      /* `None` / `null` */
  ND_IDENT,     /* name */
  ND_UNARY,     /* op, lhs */
  ND_BINARY,    /* op, lhs, rhs (includes && and ||) */
  ND_ASSIGN,    /* op = OP_ASSIGN or the compound's operator, lhs (target), rhs */
  ND_INCDEC,    /* op = OP_PREINC.., lhs (target) */
  ND_TERNARY,   /* cond ? then : els */
  ND_CALL,      /* name (callee), items = args; an arg with kwname is `k=v`;
                   lhs: the receiver of a method call `x.name(args)` (else NULL) */
  ND_APPLY,     /* lhs ( items ): a call of a function value, `grad(f)(x)`;
                   op_span the parenthesized arguments */
  ND_INDEX,     /* lhs [ items ], items are exprs, ND_SLICE or ND_NONE (newaxis) */
  ND_SLICE,     /* lhs = start?, rhs = stop?, cond = step? (NULL when omitted) */
  ND_MEMBER,    /* lhs . name  (x.shape, x.ndim, x.dtype, x.size) */
  ND_CAST,      /* (type) lhs */
  ND_TUPLE,     /* ( items ) with 0 or 2+ items, or (a,) */
  ND_LIST,      /* [ items ]: a Python list, only where an operand starts */
  ND_DICT,      /* { key: value, ... }: items key, value, key, value... */
  ND_ELLIPSIS,  /* `...` in an index */
  /* statements */
  ND_BLOCK,     /* items */
  ND_DECL,      /* type; names (nnames) with name_spans; rhs = init (may be NULL);
                   destructuring `let (a, b) = e;` has is_destructure */
  ND_EXPR_STMT, /* lhs */
  ND_IF,        /* cond, then, els (may be NULL) */
  ND_FOR,       /* init (stmt or NULL), cond (or NULL), inc (expr or NULL), body */
  ND_FOREACH,   /* for (auto NAME : rhs) body: names[0] with name_spans[0] */
  ND_WHILE,     /* cond, body */
  ND_DO,        /* do body while (cond); */
  ND_BREAK,
  ND_CONTINUE,
  ND_RETURN,    /* lhs (may be NULL; a tuple for `return (a, b);`) */
  ND_FUNC,      /* func: a nested function definition */
  ND_EMPTY,     /* `;` */
} node_kind;

typedef struct ast_func ast_func;
typedef struct node node;

struct node {
  node_kind kind;
  tj_span span;            /* the whole construct */
  tj_span op_span;         /* the operator / keyword, for carets */
  ast_op op;
  node *lhs, *rhs, *cond, *then, *els, *init, *inc, *body;
  node **items;
  int nitems;
  name_id name;            /* ND_IDENT, ND_CALL callee, ND_MEMBER field */
  name_id kwname;          /* a call argument written `k=v` */
  name_id *names;          /* ND_DECL */
  tj_span *name_spans;
  int nnames;
  bool is_destructure;
  int64_t ival;
  double fval;
  const char *str;
  uint32_t strlen;
  ast_type type;           /* ND_DECL, ND_CAST */
  ast_func *func;          /* ND_FUNC */
};

typedef struct ast_param {
  name_id name;
  tj_span span;            /* the whole parameter */
  tj_span name_span;
  bool is_static;
  ast_type type;
  node *default_value;     /* `float scale = 2.0`: evaluated when a call omits it; else NULL */
} ast_param;

struct ast_func {
  name_id name;
  tj_span span;            /* whole definition */
  tj_span name_span;
  bool is_jit;             /* declared `jit` */
  ast_type ret;            /* return type as written (documentation only) */
  ast_param *params;
  int nparams;
  node *body;              /* ND_BLOCK */
  ast_func *parent;        /* enclosing function for nested ones, else NULL */
  uint32_t line;           /* 1-based line of the definition, for messages */
};

typedef struct ast_program {
  ast_func **funcs;        /* top-level functions in source order */
  int nfuncs;
  interner *names;
  const tj_source *src;
} ast_program;

/* Parses src into prog (allocated in a). On syntax errors adds diagnostics
 * to d and returns false. Never reads past src->len. */
bool parse_program(tj_arena *a, const tj_source *src, diag_list *d,
                   ast_program *prog);

/* Finds a top-level function by name; NULL if none. */
ast_func *ast_find_func(const ast_program *prog, name_id name);

#endif
