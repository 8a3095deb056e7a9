#define _GNU_SOURCE
#include "cspawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

extern char **environ;

int vc_pipe_cloexec(int fds[2]) {
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

int vc_spawn(pid_t *pid, const char *path, char *const argv[], int out_fd, int err_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int error = posix_spawn_file_actions_init(&actions);
    if (error != 0) return error;
    if ((error = posix_spawnattr_init(&attributes)) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return error;
    }
    // The child starts with no signal blocked and every signal at its default: the server ignores SIGPIPE (so a
    // closed socket is an error, not a death), and a program like ffmpeg must not inherit that.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#if defined(__APPLE__)
    flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
#endif
    if ((error = posix_spawnattr_setsigmask(&attributes, &none)) == 0
        && (error = posix_spawnattr_setsigdefault(&attributes, &all)) == 0
        && (error = posix_spawnattr_setflags(&attributes, flags)) == 0
        && (error = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) == 0
        && (error = posix_spawn_file_actions_adddup2(&actions, out_fd, 1)) == 0
        && (error = posix_spawn_file_actions_adddup2(&actions, err_fd, 2)) == 0
#if defined(__linux__)
        && (error = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) == 0
#elif defined(__APPLE__)
        && (error = posix_spawn_file_actions_addinherit_np(&actions, 0)) == 0
        && (error = posix_spawn_file_actions_addinherit_np(&actions, 1)) == 0
        && (error = posix_spawn_file_actions_addinherit_np(&actions, 2)) == 0
#endif
    ) {
        error = posix_spawn(pid, path, &actions, &attributes, argv, environ);
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return error;
}
