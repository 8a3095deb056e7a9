#ifndef VICTIMCARE_CSPAWN_H
#define VICTIMCARE_CSPAWN_H

#include <sys/types.h>

/// A pipe whose two ends close on exec. Returns 0, or -1 with errno set.
int vc_pipe_cloexec(int fds[2]);

/// Starts `path` with `argv` (NULL-terminated) and the caller's environment: standard input from /dev/null,
/// standard output to `out_fd`, standard error to `err_fd`, every other descriptor closed in the child.
/// Returns 0 and the child's pid, or an error number.
int vc_spawn(pid_t *pid, const char *path, char *const argv[], int out_fd, int err_fd);

#endif
