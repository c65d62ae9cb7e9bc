/* disp_assign: exact minimum-cost assignment on a sparse bipartite graph (rows = riders, columns = vehicles, edges =
 * candidate pairs with an integer cost such as a pickup time). The answer is a matching of maximum cardinality and,
 * among those, of minimum total cost. Scratch space is owned by the solver and reused between problems. */
#ifndef DISP_ASSIGN_H
#define DISP_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

typedef struct disp_assign_t disp_assign_t;

/* A row left unmatched, or a column nobody took. */
#define DISP_ASSIGN_NONE UINT32_MAX

/* Largest number of rows, and of columns, of a problem. */
#define DISP_ASSIGN_MAX_SIZE (1u << 22)

/* Largest edge cost (2^38: about 8.7 years in milliseconds). With costs in [0, this] and at most
 * DISP_ASSIGN_MAX_SIZE rows and columns, every potential, distance and total the solver computes stays below 2^62. */
#define DISP_ASSIGN_COST_MAX (INT64_C (1) << 38)

/* A solver with an empty 0 x 0 problem. NULL when out of memory. */
disp_assign_t *disp_assign_new (void);

/* NULL-safe; sets *self_p to NULL. */
void disp_assign_destroy (disp_assign_t **self_p);

/* Starts a new problem of `rows` x `cols` with no edge, dropping the previous problem and its answer (scratch space
 * is kept). Returns 0, or -1 when rows or cols exceed DISP_ASSIGN_MAX_SIZE (the solver then holds a 0 x 0 problem).
 */
int disp_assign_reset (disp_assign_t *self, uint32_t rows, uint32_t cols);

/* Adds the candidate pair (row, col) at `cost`. When the pair was already given, the cheaper cost is kept. Returns 0,
 * or -1 (nothing added) when row or col is out of range, cost is not in [0, DISP_ASSIGN_COST_MAX], or out of memory.
 */
int disp_assign_add (disp_assign_t *self, uint32_t row, uint32_t col, int64_t cost);

/* Solves the current problem: a maximum-cardinality matching of minimum total cost over the edges added since the
 * reset. The answer depends only on the set of edges (not on the order they were added) and the same problem always
 * gives the same matching. Cannot fail: reset and add took all the memory it needs. */
void disp_assign_solve (disp_assign_t *self);

/* The answer of the last solve (before any: an empty matching). The column of `row`, or DISP_ASSIGN_NONE when row
 * is unmatched or out of range; *cost_out (may be NULL) gets the pair's cost. */
uint32_t disp_assign_col_of (const disp_assign_t *self, uint32_t row, int64_t *cost_out);

/* Number of matched pairs and their total cost, after the last solve. */
size_t disp_assign_matched (const disp_assign_t *self);
int64_t disp_assign_total (const disp_assign_t *self);

#endif
