// natsline: the smallest NATS client that the pub/sub benchmark needs, over
// the text protocol on a loopback port (no TLS, no auth). Built by
// scripts/bench/pubsub with cc.
//
//   natsline sub PORT SUBJECT N READY   subscribe; once the server confirmed
//                                        (PONG), create the file READY; print
//                                        the payload of N messages, one a line
//   natsline pub PORT SUBJECT           publish each line of stdin ('\n'
//                                        stripped), then wait for the server
//                                        to have read them all (PING/PONG)
//
// Exit status 0, or 1 with a message on stderr.

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROGRAM "natsline"
#include "bench.h"


// A read buffer over the socket, for lines and payloads.
static char in[1 << 20];
static size_t in_start, in_end;

static int fill(int fd)
{
    if (in_start > 0) {
        memmove(in, in + in_start, in_end - in_start);
        in_end -= in_start;
        in_start = 0;
    }
    if (in_end == sizeof in)
        die("line too long");
    ssize_t n;
    do
        n = read(fd, in + in_end, sizeof in - in_end);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die("read");
    if (n == 0)
        return 0;
    in_end += (size_t)n;
    return 1;
}

// The next line without its "\r\n"; NULL at the end of the stream.
static char* next_line(int fd, size_t* length)
{
    for (;;) {
        char* end = memchr(in + in_start, '\n', in_end - in_start);
        if (end) {
            char* line = in + in_start;
            *length = (size_t)(end - line);
            if (*length > 0 && line[*length - 1] == '\r')
                --*length;
            in_start = (size_t)(end - in) + 1;
            line[*length] = '\0';
            return line;
        }
        if (!fill(fd))
            return NULL;
    }
}

static int connect_to(char const* port)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof address) != 0)
        die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    size_t length;
    char* info = next_line(fd, &length); // INFO {...}
    if (!info || strncmp(info, "INFO ", 5) != 0)
        die("no INFO from the server");
    static char const hello[] = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    write_all(fd, hello, sizeof hello - 1);
    return fd;
}

// Reads until PONG, answering the server's PINGs.
static void await_pong(int fd)
{
    size_t length;
    char* line;
    while ((line = next_line(fd, &length))) {
        if (strcmp(line, "PONG") == 0)
            return;
        if (strcmp(line, "PING") == 0)
            write_all(fd, "PONG\r\n", 6);
        else if (strncmp(line, "-ERR", 4) == 0) {
            fprintf(stderr, "natsline: %s\n", line);
            exit(1);
        }
    }
    die("connection closed before PONG");
}

static int subscribe(char const* port, char const* subject, long count, char const* ready)
{
    int fd = connect_to(port);
    char command[512];
    int n = snprintf(command, sizeof command, "SUB %s 1\r\nPING\r\n", subject);
    write_all(fd, command, (size_t)n);
    await_pong(fd);
    int ready_fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (ready_fd < 0)
        die(ready);
    close(ready_fd);
    static char out[1 << 16];
    size_t out_used = 0;
    for (long got = 0; got < count;) {
        size_t length;
        char* line = next_line(fd, &length);
        if (!line)
            die("connection closed");
        if (strcmp(line, "PING") == 0) {
            write_all(fd, "PONG\r\n", 6);
            continue;
        }
        if (strncmp(line, "MSG ", 4) != 0)
            continue; // +OK, INFO updates
        char* last = strrchr(line, ' ');
        size_t size = (size_t)strtoul(last + 1, NULL, 10);
        while (in_end - in_start < size + 2)
            if (!fill(fd))
                die("connection closed in a message");
        if (out_used + size + 1 > sizeof out) {
            write_all(1, out, out_used);
            out_used = 0;
        }
        memcpy(out + out_used, in + in_start, size);
        out_used += size;
        out[out_used++] = '\n';
        in_start += size + 2;
        ++got;
    }
    write_all(1, out, out_used);
    return 0;
}

static int publish(char const* port, char const* subject)
{
    int fd = connect_to(port);
    static char out[1 << 16];
    size_t out_used = 0;
    char* line = NULL;
    size_t capacity = 0;
    ssize_t length;
    while ((length = getline(&line, &capacity, stdin)) > 0) {
        if (line[length - 1] == '\n')
            --length;
        if (out_used + (size_t)length + 300 > sizeof out) {
            write_all(fd, out, out_used);
            out_used = 0;
        }
        out_used += (size_t)sprintf(out + out_used, "PUB %s %zd\r\n", subject, length);
        memcpy(out + out_used, line, (size_t)length);
        out_used += (size_t)length;
        out[out_used++] = '\r';
        out[out_used++] = '\n';
    }
    memcpy(out + out_used, "PING\r\n", 6);
    write_all(fd, out, out_used + 6);
    await_pong(fd); // The server has taken every PUB before it.
    free(line);
    return 0;
}

int main(int argc, char** argv)
{
    if (argc == 6 && strcmp(argv[1], "sub") == 0)
        return subscribe(argv[2], argv[3], atol(argv[4]), argv[5]);
    if (argc == 4 && strcmp(argv[1], "pub") == 0)
        return publish(argv[2], argv[3]);
    fprintf(stderr, "usage: natsline sub PORT SUBJECT N READY | natsline pub PORT SUBJECT\n");
    return 2;
}
