/* The C ceiling of scripts/bench/nats, built by it with cc (-lnats) into its
 * scratch folder: each mode does the work one of our tools does on NATS,
 * written directly against cnats, so the ratios say what our layers cost.
 * Lines are messages without their '\n'; output lines get it back.
 *
 *   nats_ceiling pub URL SUBJECT < LINES
 *       Publish every line, then flush (the server has them all): ipc-pub.
 *   nats_ceiling sub URL SUBJECT N READY > LINES
 *       Subscribe (sync, pending limits no count / 64 MiB as ipc-sub sets),
 *       flush, create the file READY, then print N messages. After 5 s
 *       without one it stops. Always ends with "received R dropped D" on
 *       stderr; exit 0 only when R = N.
 *   nats_ceiling serve URL NAME READY
 *       An echo responder: queue subscription to NAME in group "q" (as
 *       ipc-serve), each request's data published back to its reply subject.
 *       Creates READY once subscribed; runs until a signal ends it.
 *   nats_ceiling req URL NAME < LINES > REPLIES
 *       Pipelined requests: one subscription _INBOX.<nuid>.*, each line
 *       published to NAME with reply _INBOX.<nuid>.<id>, at most 16,384 in
 *       flight (ipc-req's limit), replies printed in request order.
 *   nats_ceiling request URL NAME DATA
 *       One request (natsConnection_Request), its reply printed: one-shot.
 *   nats_ceiling publish URL SUBJECT DATA
 *       Connect, publish one message, flush, disconnect: one-shot.
 *   nats_ceiling push URL NAME < LINES
 *       The queue's stream (IPCQ_NAME: work-queue, subjects _IPC.q.NAME and
 *       _IPC.dead.NAME, direct get, duplicates window 24 h, R1) made or
 *       found, every line js_PublishAsync'ed to _IPC.q.NAME, then
 *       js_PublishAsyncComplete: exit 0 only when every one has a PubAck.
 *   nats_ceiling pop URL NAME > LINES
 *       The durable pull consumer "ipc" on _IPC.q.NAME (explicit acks,
 *       AckWait 1 min: pop's default lease, MaxDeliver -1) made or found;
 *       fetches of up to 500 (NoWait, Expires 5 s) until the items ready at
 *       the start (NumPending) are taken: each batch printed, each message
 *       acked, one flush per batch.
 *   nats_ceiling version
 *       Print cnats' version.
 * NAME has no '.' here (the stream name would map it to ':').
 * Errors: one line on stderr, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    max_in_flight = 16384, /* ipc-req's reqrep::Pipeline limit. */
    pending_bytes = 64 * 1024 * 1024, /* ipc-sub's pending limit. */
    fetch_batch = 500, /* Two batches in flight stay within MaxAckPending's 1,000. */
};
static int64_t const wait_ms = 10000; /* Flushes, JetStream API calls. */
static int64_t const idle_ms = 5000; /* A subscriber that gets nothing for this long stops. */
static int64_t const minute_ns = 60LL * 1000 * 1000 * 1000;

static void fail(char const* what, natsStatus status)
{
    fprintf(stderr, "nats_ceiling: %s: %s\n", what, natsStatus_GetText(status));
    nats_PrintLastErrorStack(stderr);
    exit(1);
}

static void check(natsStatus status, char const* what)
{
    if (status != NATS_OK)
        fail(what, status);
}

static void check_js(natsStatus status, jsErrCode code, char const* what)
{
    if (status != NATS_OK) {
        fprintf(stderr, "nats_ceiling: %s: %s (JetStream error %d)\n", what,
            natsStatus_GetText(status), (int)code);
        exit(1);
    }
}

static natsConnection* connect_to(char const* url)
{
    natsConnection* connection = NULL;
    check(natsConnection_ConnectTo(&connection, url), url);
    return connection;
}

static void flush(natsConnection* connection)
{
    check(natsConnection_FlushTimeout(connection, wait_ms), "flush");
}

static void touch(char const* path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || close(fd) < 0) {
        perror(path);
        exit(1);
    }
}

static void put_line(char const* data, int size)
{
    if (fwrite(data, 1, (size_t)size, stdout) != (size_t)size || putchar('\n') == EOF) {
        perror("nats_ceiling: stdout");
        exit(1);
    }
}

static void flush_stdout(void)
{
    if (fflush(stdout) == EOF) {
        perror("nats_ceiling: stdout");
        exit(1);
    }
}

/* Reads stdin a line at a time; the '\n' is not part of the line. */
struct lines {
    char* line;
    size_t capacity;
};

static int next_line(struct lines* lines)
{
    ssize_t size = getline(&lines->line, &lines->capacity, stdin);
    if (size < 0)
        return -1;
    if (size > 0 && lines->line[size - 1] == '\n')
        lines->line[--size] = '\0';
    return (int)size;
}

static void publish_lines(char const* url, char const* subject)
{
    natsConnection* connection = connect_to(url);
    struct lines lines = { 0 };
    int size;
    while ((size = next_line(&lines)) >= 0)
        check(natsConnection_Publish(connection, subject, lines.line, size), "publish");
    flush(connection);
    natsConnection_Destroy(connection);
}

static void subscribe_lines(char const* url, char const* subject, long n, char const* ready)
{
    natsConnection* connection = connect_to(url);
    natsSubscription* subscription = NULL;
    check(natsConnection_SubscribeSync(&subscription, connection, subject), "subscribe");
    check(natsSubscription_SetPendingLimits(subscription, -1, pending_bytes), "pending limits");
    flush(connection);
    touch(ready);
    long received = 0;
    while (received < n) {
        natsMsg* message = NULL;
        natsStatus status = natsSubscription_NextMsg(&message, subscription, idle_ms);
        if (status == NATS_SLOW_CONSUMER)
            continue; /* Messages were dropped: counted below. */
        if (status == NATS_TIMEOUT)
            break;
        check(status, "next message");
        put_line(natsMsg_GetData(message), natsMsg_GetDataLength(message));
        natsMsg_Destroy(message);
        received++;
    }
    flush_stdout();
    int64_t dropped = 0;
    check(natsSubscription_GetDropped(subscription, &dropped), "dropped");
    fprintf(stderr, "received %ld dropped %" PRId64 "\n", received, dropped);
    exit(received == n ? 0 : 1);
}

static _Noreturn void serve(char const* url, char const* name, char const* ready)
{
    natsConnection* connection = connect_to(url);
    natsSubscription* subscription = NULL;
    check(natsConnection_QueueSubscribeSync(&subscription, connection, name, "q"), "subscribe");
    check(natsSubscription_SetPendingLimits(subscription, -1, pending_bytes), "pending limits");
    flush(connection);
    touch(ready);
    for (;;) {
        natsMsg* request = NULL;
        natsStatus status = natsSubscription_NextMsg(&request, subscription, 60000);
        if (status == NATS_TIMEOUT)
            continue;
        check(status, "next request");
        char const* reply = natsMsg_GetReply(request);
        if (reply)
            check(natsConnection_Publish(connection, reply, natsMsg_GetData(request),
                      natsMsg_GetDataLength(request)),
                "reply");
        natsMsg_Destroy(request);
    }
}

static void requests(char const* url, char const* name)
{
    natsConnection* connection = connect_to(url);
    char prefix[64], wildcard[72], reply[96];
    natsInbox* inbox = NULL;
    check(natsInbox_Create(&inbox), "inbox");
    snprintf(prefix, sizeof prefix, "%s.", (char const*)inbox);
    snprintf(wildcard, sizeof wildcard, "%s*", prefix);
    natsSubscription* subscription = NULL;
    check(natsConnection_SubscribeSync(&subscription, connection, wildcard), "subscribe");
    check(natsSubscription_SetPendingLimits(subscription, -1, pending_bytes), "pending limits");
    size_t const prefix_size = strlen(prefix);
    static natsMsg* waiting[max_in_flight]; /* Replies by id % max_in_flight. */
    uint64_t sent = 0, printed = 0;
    struct lines lines = { 0 };
    int size = 0;
    int more = 1;
    while (more || printed < sent) {
        while (more && sent - printed < max_in_flight) {
            if ((size = next_line(&lines)) < 0) {
                more = 0;
                break;
            }
            snprintf(reply, sizeof reply, "%s%" PRIu64, prefix, sent);
            check(natsConnection_PublishRequest(connection, name, reply, lines.line, size),
                "request");
            sent++;
        }
        if (printed == sent)
            break;
        natsMsg* message = NULL;
        check(natsSubscription_NextMsg(&message, subscription, wait_ms), "next reply");
        char const* subject = natsMsg_GetSubject(message);
        char* end = NULL;
        uint64_t id = strtoull(subject + prefix_size, &end, 10);
        if (strncmp(subject, prefix, prefix_size) != 0 || *end || id < printed || id >= sent
            || waiting[id % max_in_flight]) {
            natsMsg_Destroy(message); /* Not ours, late or a duplicate. */
            continue;
        }
        waiting[id % max_in_flight] = message;
        while (printed < sent && waiting[printed % max_in_flight]) {
            natsMsg** slot = &waiting[printed % max_in_flight];
            put_line(natsMsg_GetData(*slot), natsMsg_GetDataLength(*slot));
            natsMsg_Destroy(*slot);
            *slot = NULL;
            printed++;
        }
    }
    flush_stdout();
}

static void request(char const* url, char const* name, char const* data)
{
    natsConnection* connection = connect_to(url);
    natsMsg* reply = NULL;
    check(natsConnection_RequestString(&reply, connection, name, data, wait_ms), "request");
    put_line(natsMsg_GetData(reply), natsMsg_GetDataLength(reply));
    flush_stdout();
    natsMsg_Destroy(reply);
    natsConnection_Destroy(connection);
}

static void publish(char const* url, char const* subject, char const* data)
{
    natsConnection* connection = connect_to(url);
    check(natsConnection_PublishString(connection, subject, data), "publish");
    flush(connection);
    natsConnection_Destroy(connection);
}

struct queue {
    char stream[256];
    char live[256];
    char dead[256];
};

static struct queue queue_of(char const* name)
{
    struct queue q;
    snprintf(q.stream, sizeof q.stream, "IPCQ_%s", name);
    snprintf(q.live, sizeof q.live, "_IPC.q.%s", name);
    snprintf(q.dead, sizeof q.dead, "_IPC.dead.%s", name);
    return q;
}

static long publish_errors;

static void on_publish_error(jsCtx* js, jsPubAckErr* error, void* closure)
{
    (void)js;
    (void)closure;
    if (publish_errors++ == 0)
        fprintf(stderr, "nats_ceiling: push: %s\n", error->ErrText);
}

static jsCtx* jetstream(natsConnection* connection)
{
    jsOptions options;
    check(jsOptions_Init(&options), "JetStream options");
    options.Wait = wait_ms;
    options.PublishAsync.ErrHandler = on_publish_error;
    jsCtx* js = NULL;
    check(natsConnection_JetStream(&js, connection, &options), "JetStream");
    return js;
}

static void push(char const* url, char const* name)
{
    struct queue q = queue_of(name);
    natsConnection* connection = connect_to(url);
    jsCtx* js = jetstream(connection);

    char const* subjects[] = { q.live, q.dead };
    jsStreamConfig config;
    check(jsStreamConfig_Init(&config), "stream config");
    config.Name = q.stream;
    config.Subjects = subjects;
    config.SubjectsLen = 2;
    config.Retention = js_WorkQueuePolicy;
    config.AllowDirect = true;
    config.Duplicates = 24 * 60 * minute_ns;
    config.Replicas = 1;
    jsStreamInfo* info = NULL;
    jsErrCode code = 0;
    natsStatus status = js_AddStream(&info, js, &config, NULL, &code);
    if (status != NATS_OK && code == JSStreamNameExistErr)
        status = js_GetStreamInfo(&info, js, q.stream, NULL, &code);
    check_js(status, code, "stream");
    jsStreamInfo_Destroy(info);

    struct lines lines = { 0 };
    int size;
    while ((size = next_line(&lines)) >= 0)
        check(js_PublishAsync(js, q.live, lines.line, size, NULL), "push");
    jsPubOptions complete;
    check(jsPubOptions_Init(&complete), "publish options");
    complete.MaxWait = 30000;
    check(js_PublishAsyncComplete(js, &complete), "push: waiting for acks");
    if (publish_errors) {
        fprintf(stderr, "nats_ceiling: push: %ld items not stored\n", publish_errors);
        exit(1);
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
}

static void pop(char const* url, char const* name)
{
    struct queue q = queue_of(name);
    natsConnection* connection = connect_to(url);
    jsCtx* js = jetstream(connection);

    jsConsumerConfig config;
    check(jsConsumerConfig_Init(&config), "consumer config");
    config.Durable = "ipc";
    config.FilterSubject = q.live;
    config.AckPolicy = js_AckExplicit;
    config.AckWait = minute_ns;
    config.MaxDeliver = -1;
    jsConsumerInfo* info = NULL;
    jsErrCode code = 0;
    check_js(js_AddConsumer(&info, js, q.stream, &config, NULL, &code), code, "consumer");
    jsConsumerInfo_Destroy(info);

    jsSubOptions bind;
    check(jsSubOptions_Init(&bind), "subscribe options");
    bind.Stream = q.stream;
    bind.Consumer = "ipc";
    natsSubscription* subscription = NULL;
    check_js(js_PullSubscribe(&subscription, js, q.live, "ipc", NULL, &bind, &code), code,
        "pull subscribe");
    /* What is ready now: fetches of exactly that many end as soon as they
     * are full (cnats 3.4.1 waits out Expires for a NoWait fetch that the
     * server cannot fill). */
    jsConsumerInfo* ready = NULL;
    check_js(js_GetConsumerInfo(&ready, js, q.stream, "ipc", NULL, &code), code, "consumer info");
    uint64_t left = ready->NumPending;
    jsConsumerInfo_Destroy(ready);
    while (left > 0) {
        jsFetchRequest fetch;
        check(jsFetchRequest_Init(&fetch), "fetch request");
        fetch.Batch = left < fetch_batch ? (int)left : fetch_batch;
        fetch.NoWait = true;
        fetch.Expires = 5000LL * 1000 * 1000;
        natsMsgList list = { 0 };
        check(natsSubscription_FetchRequest(&list, subscription, &fetch), "fetch");
        for (int i = 0; i < list.Count; i++)
            put_line(natsMsg_GetData(list.Msgs[i]), natsMsg_GetDataLength(list.Msgs[i]));
        flush_stdout(); /* Written before it is acked: at least once. */
        for (int i = 0; i < list.Count; i++)
            check(natsMsg_Ack(list.Msgs[i], NULL), "ack");
        flush(connection);
        left -= (uint64_t)list.Count < left ? (uint64_t)list.Count : left;
        natsMsgList_Destroy(&list);
    }
    natsSubscription_Destroy(subscription);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
}

static _Noreturn void usage(void)
{
    fputs("usage: nats_ceiling pub|sub|serve|req|request|publish|push|pop URL NAME ...\n"
          "       nats_ceiling version\n"
          "  (see the comment at the top of scripts/bench/nats_ceiling.c)\n",
        stderr);
    exit(2);
}

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "version") == 0) {
        printf("cnats %s\n", nats_GetVersion());
        return 0;
    }
    if (argc < 4)
        usage();
    char const *mode = argv[1], *url = argv[2], *name = argv[3];
    if (strcmp(mode, "pub") == 0 && argc == 4)
        publish_lines(url, name);
    else if (strcmp(mode, "sub") == 0 && argc == 6)
        subscribe_lines(url, name, atol(argv[4]), argv[5]);
    else if (strcmp(mode, "serve") == 0 && argc == 5)
        serve(url, name, argv[4]);
    else if (strcmp(mode, "req") == 0 && argc == 4)
        requests(url, name);
    else if (strcmp(mode, "request") == 0 && argc == 5)
        request(url, name, argv[4]);
    else if (strcmp(mode, "publish") == 0 && argc == 5)
        publish(url, name, argv[4]);
    else if (strcmp(mode, "push") == 0 && argc == 4)
        push(url, name);
    else if (strcmp(mode, "pop") == 0 && argc == 4)
        pop(url, name);
    else
        usage();
    return 0;
}
