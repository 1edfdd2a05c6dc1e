/* The raw anchors of scripts/bench/reqrep, built by it with cc into its
 * scratch folder. Every exchange is checked: a reply that is not the request
 * echoed back ends the run with status 1.
 *
 *   pingpong serve PATH
 *       Listen on the Unix socket PATH; relay each connection, one at a time,
 *       through a pipe to an echo child and back: the floor for the two hops
 *       of ipc-req → ipc-serve --pipe -- cat.
 *   pingpong client PATH WARMUP N
 *       One connection; WARMUP then N lines, each sent when the last came
 *       back. Prints the mean round trip of the N in seconds.
 *   pingpong relay PATH
 *       Copy stdin to one connection and the replies to stdout: a client
 *       process, as ipc-req is one, for `drive`.
 *   pingpong drive WARMUP N CMD ARGS...
 *       Start CMD with pipes on its stdin and stdout; WARMUP then N lines one
 *       at a time, as `client` does. CMD must exit 0 when its stdin closes.
 *   pingpong connects PATH N K
 *       K processes make N connections in all, each sending one line, closing
 *       its sending side and reading the reply to the end. Prints seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "pingpong"
#include "bench.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Read from fd until the bytes read end with '\n'; return their count. */
static size_t read_line(int fd, char* buffer, size_t capacity)
{
    size_t got = 0;
    while (got == 0 || buffer[got - 1] != '\n') {
        ssize_t n = read(fd, buffer + got, capacity - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read");
        if (n == 0) {
            errno = 0;
            die("read: end of file before the reply");
        }
        got += (size_t)n;
        if (got == capacity) {
            errno = 0;
            die("read: reply too long");
        }
    }
    return got;
}

static int connect_to(char const* path)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    snprintf(address.sun_path, sizeof address.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr*)&address, sizeof address) < 0)
        die(path);
    return fd;
}

/* WARMUP + N round trips of numbered lines over out/in; returns the mean of
 * the N in seconds. */
static double ping(int out, int in, long warmup, long n)
{
    char line[64], reply[256];
    double start = 0;
    for (long i = 0; i < warmup + n; i++) {
        if (i == warmup)
            start = now();
        int size = snprintf(line, sizeof line, "%015ld\n", i);
        write_all(out, line, (size_t)size);
        size_t got = read_line(in, reply, sizeof reply);
        if (got != (size_t)size || memcmp(line, reply, got) != 0) {
            fprintf(stderr, "pingpong: request %ld: the reply is not the request\n", i);
            exit(1);
        }
    }
    return (now() - start) / (double)n;
}

static void echo_loop(int in, int out)
{
    char buffer[65536];
    ssize_t n;
    while ((n = read(in, buffer, sizeof buffer)) > 0)
        write_all(out, buffer, (size_t)n);
    exit(0);
}

/* Copy what a can give to b and back until either side ends. */
static void shuttle(int a_in, int a_out, int b_in, int b_out)
{
    char buffer[65536];
    struct pollfd fds[2] = { { .fd = a_in, .events = POLLIN }, { .fd = b_in, .events = POLLIN } };
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        for (int k = 0; k < 2; k++) {
            if (!fds[k].revents)
                continue;
            ssize_t n = read(fds[k].fd, buffer, sizeof buffer);
            if (n <= 0)
                return;
            write_all(k == 0 ? b_out : a_out, buffer, (size_t)n);
        }
    }
}

static _Noreturn void serve(char const* path)
{
    int to_echo[2], from_echo[2];
    if (pipe(to_echo) < 0 || pipe(from_echo) < 0)
        die("pipe");
    pid_t echo = fork();
    if (echo < 0)
        die("fork");
    if (echo == 0) {
        close(to_echo[1]);
        close(from_echo[0]);
        echo_loop(to_echo[0], from_echo[1]);
    }
    close(to_echo[0]);
    close(from_echo[1]);

    struct sockaddr_un address = { .sun_family = AF_UNIX };
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf(address.sun_path, sizeof address.sun_path, "%s", path);
    if (listener < 0 || bind(listener, (struct sockaddr*)&address, sizeof address) < 0
        || listen(listener, 16) < 0)
        die(path);
    for (;;) {
        int connection = accept(listener, NULL, NULL);
        if (connection < 0) {
            if (errno == EINTR)
                continue;
            die("accept");
        }
        shuttle(connection, connection, from_echo[0], to_echo[1]);
        close(connection);
    }
}

static int relay(char const* path)
{
    int fd = connect_to(path);
    shuttle(0, 1, fd, fd);
    return 0;
}

static int drive(long warmup, long n, char** command)
{
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(from_child, O_CLOEXEC) < 0)
        die("pipe");
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        execvp(command[0], command);
        die(command[0]);
    }
    close(to_child[0]);
    close(from_child[1]);
    double mean = ping(to_child[1], from_child[0], warmup, n);
    close(to_child[1]);
    int status;
    if (waitpid(child, &status, 0) < 0)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pingpong: %s did not exit 0 (wait status %d)\n", command[0], status);
        return 1;
    }
    printf("%.9f\n", mean);
    return 0;
}

static void one_connection(char const* path, long i)
{
    char line[64], reply[256];
    int fd = connect_to(path);
    int size = snprintf(line, sizeof line, "%015ld\n", i);
    write_all(fd, line, (size_t)size);
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, reply + got, sizeof reply - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read");
        if (n == 0 || (got += (size_t)n) == sizeof reply)
            break;
    }
    close(fd);
    if (got != (size_t)size || memcmp(line, reply, got) != 0) {
        fprintf(stderr, "pingpong: connection %ld: the reply is not the request\n", i);
        exit(1);
    }
}

static int connects(char const* path, long n, long k)
{
    double start = now();
    for (long w = 0; w < k; w++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            for (long i = w; i < n; i += k)
                one_connection(path, i);
            exit(0);
        }
    }
    int failed = 0, status;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    if (failed)
        return 1;
    printf("%.6f\n", now() - start);
    return 0;
}

int main(int argc, char** argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && strcmp(argv[1], "serve") == 0)
        serve(argv[2]);
    if (argc == 5 && strcmp(argv[1], "client") == 0) {
        int fd = connect_to(argv[2]);
        printf("%.9f\n", ping(fd, fd, atol(argv[3]), atol(argv[4])));
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "relay") == 0)
        return relay(argv[2]);
    if (argc >= 5 && strcmp(argv[1], "drive") == 0)
        return drive(atol(argv[2]), atol(argv[3]), argv + 4);
    if (argc == 5 && strcmp(argv[1], "connects") == 0)
        return connects(argv[2], atol(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: pingpong serve|client|relay|drive|connects ... (see the source)\n");
    return 2;
}
