/* A progress line on a terminal for work that takes a while (graph
 * layout, a long run): silent for its first second, then one line on
 * stderr, "tjit graph: laying out 3012 nodes... 4 s", rewritten in place
 * each second and erased at the end. Nothing at all when stderr is not a
 * terminal, so logs and tests stay clean; below a second it costs one
 * thread that sleeps. */
#ifndef TJ_CMD_PROGRESS_H
#define TJ_CMD_PROGRESS_H

struct cmd_progress;

/* Starts timing work of command (its name, "graph") described by what
 * ("laying out 12 nodes"); NULL (and nothing to do) when stderr is not a
 * terminal or the ticker cannot start. */
struct cmd_progress *cmd_progress_start(const char *command, const char *what);
/* A new description of the work under way (p may be NULL). */
void cmd_progress_say(struct cmd_progress *p, const char *what);
/* Stops the ticker, erases its line if it showed one, frees p (may be NULL). */
void cmd_progress_end(struct cmd_progress *p);

#endif
