#define _GNU_SOURCE
#include "cspawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

extern char **environ;

int vc_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int vc_spawn(pid_t *pid, const char *path, char *const argv[], int out_fd, int err_fd) {
    posix_spawn_file_actions_t actions;
    int error = posix_spawn_file_actions_init(&actions);
    if (error != 0) return error;
    if ((error = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) == 0
        && (error = posix_spawn_file_actions_adddup2(&actions, out_fd, 1)) == 0
        && (error = posix_spawn_file_actions_adddup2(&actions, err_fd, 2)) == 0
        && (error = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) == 0) {
        error = posix_spawn(pid, path, &actions, NULL, argv, environ);
    }
    posix_spawn_file_actions_destroy(&actions);
    return error;
}
