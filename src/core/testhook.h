/* testhook.h - ES_TEST_PAUSE_FILE: the fault tests hold a stream at a named point. Off unless set.
 */
#ifndef ES_TESTHOOK_H
#define ES_TESTHOOK_H

/* The environment variable, read once per process. Only the process's environment can set it:
   nothing a peer sends reaches this hook. Release builds (and -DES_TEST_HOOKS=OFF) ignore it. */
#define ES_TESTHOOK_ENV "ES_TEST_PAUSE_FILE"
/* The longest a stream stays paused, whatever the file says. */
#define ES_TESTHOOK_MAX_S 60.0

/* The file's path when ES_TEST_PAUSE_FILE is set (and not empty) and the hook is compiled in,
   else NULL; every other function here then returns at once. */
const char *es_testhook_path(void);

/* At a point of a stream's life: when the file names it, as "POINT" or as "POINT N" with N
   equal to n (a chunk number), logs "test hook: paused at POINT N" and waits while the file
   still names it (polled every 10 ms, at most ES_TESTHOOK_MAX_S), then logs "resumed". Without
   the variable it returns at once. Points: metadata, rows, chunk, half-closed, commit. */
void es_testhook_pause(const char *point, unsigned long long n);

/* The calling thread's stream (NULL: none): while paused, the hook asks gone(ctx) and logs
   "test hook: peer gone at POINT N" once it says the call has ended, so a test knows the server
   saw its fault before the stream goes on. */
void es_testhook_watch(int (*gone)(void *ctx), void *ctx);

#endif
