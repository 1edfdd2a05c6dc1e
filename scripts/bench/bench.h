/* What the C helpers of scripts/bench share: die() and write_all(). A
 * program defines PROGRAM, its name for messages, before including this. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(char const* what)
{
    fprintf(stderr, "%s: %s: %s\n", PROGRAM, what, errno ? strerror(errno) : "failed");
    exit(1);
}

static void write_all(int fd, char const* data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("write");
        data += n;
        size -= (size_t)n;
    }
}
