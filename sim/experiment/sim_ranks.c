/* sim_ranks: the MPI net of sim_pool. Rank 0 answers asks for tasks and takes results; the other ranks ask, send
 * and finish. Messages go on a communicator of their own, one tag per kind. */
#include "sim_ranks.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "map_error.h"

enum { S_TAG_ASK = 1, S_TAG_ANSWER, S_TAG_RESULT, S_TAG_FINISH };

/* A result's head, followed by the task's result bytes. */
typedef struct {
    uint64_t task;
    int32_t rc;
    char msg[1024];
} s_head_t;

struct sim_ranks_t {
    MPI_Comm comm;
    int rank, size;
    sim_pool_net_t net;
    void *buf;                 /* a result's message: head and bytes */
    size_t buf_len;
};

int
sim_ranks_launched (void)
{
    static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (getenv (names[i]))
            return 1;
    return 0;
}

static int
s_mpi_error (int code, const char *what, char *err, size_t errlen)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string (code, text, &len) != MPI_SUCCESS)
        snprintf (text, sizeof text, "error %d", code);
    return map_error (err, errlen, "MPI %s: %s", what, text);
}

/* The message buffer, grown to hold a head and len bytes. */
static int
s_reserve (sim_ranks_t *self, size_t len, char *err, size_t errlen)
{
    size_t need = sizeof (s_head_t) + len;
    if (need <= self->buf_len)
        return 0;
    void *buf = realloc (self->buf, need);
    if (!buf)
        return map_error (err, errlen, "out of memory for a result of %zu bytes", len);
    self->buf = buf;
    self->buf_len = need;
    return 0;
}

static int
s_ask (void *arg, size_t *task, char *err, size_t errlen)
{
    sim_ranks_t *self = arg;
    uint64_t answer[2];
    int rc = MPI_Send (NULL, 0, MPI_BYTE, 0, S_TAG_ASK, self->comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Recv (answer, 2, MPI_UINT64_T, 0, S_TAG_ANSWER, self->comm, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS)
        return s_mpi_error (rc, "asking rank 0 for a task", err, errlen);
    *task = (size_t) answer[1];
    return answer[0] ? 1 : 0;
}

static int
s_send (void *arg, size_t task, int rc, const char *msg, const void *result, size_t len, char *err, size_t errlen)
{
    sim_ranks_t *self = arg;
    if (s_reserve (self, len, err, errlen) < 0)
        return -1;
    s_head_t head = {.task = task, .rc = rc};
    snprintf (head.msg, sizeof head.msg, "%s", msg);
    memcpy (self->buf, &head, sizeof head);
    memcpy ((char *) self->buf + sizeof head, result, len);
    int code = MPI_Send (self->buf, (int) (sizeof head + len), MPI_BYTE, 0, S_TAG_RESULT, self->comm);
    return code == MPI_SUCCESS ? 0 : s_mpi_error (code, "sending a result to rank 0", err, errlen);
}

static int
s_finish (void *arg, char *err, size_t errlen)
{
    sim_ranks_t *self = arg;
    int code = MPI_Send (NULL, 0, MPI_BYTE, 0, S_TAG_FINISH, self->comm);
    return code == MPI_SUCCESS ? 0 : s_mpi_error (code, "telling rank 0 this rank finished", err, errlen);
}

static int
s_wait (void *arg, sim_pool_msg_t *msg, void *result, size_t len, char *err, size_t errlen)
{
    sim_ranks_t *self = arg;
    MPI_Status st;
    /* MPI_Probe would spin a core for the whole sweep (Open MPI polls); a run takes seconds, so a look every
     * half millisecond loses nothing and leaves the core to the runs */
    int code, flag = 0;
    while ((code = MPI_Iprobe (MPI_ANY_SOURCE, MPI_ANY_TAG, self->comm, &flag, &st)) == MPI_SUCCESS && !flag)
        nanosleep (&(struct timespec) {0, 500000}, NULL);
    int count = 0;
    if (code == MPI_SUCCESS)
        code = MPI_Get_count (&st, MPI_BYTE, &count);
    if (code != MPI_SUCCESS)
        return s_mpi_error (code, "waiting for the other ranks", err, errlen);
    msg->from = st.MPI_SOURCE;
    if (st.MPI_TAG == S_TAG_RESULT) {
        if ((size_t) count != sizeof (s_head_t) + len)
            return map_error (err, errlen, "rank %d sent a result of %d bytes, not %zu", st.MPI_SOURCE, count,
                              sizeof (s_head_t) + len);
        if (s_reserve (self, len, err, errlen) < 0)
            return -1;
        code = MPI_Recv (self->buf, count, MPI_BYTE, st.MPI_SOURCE, S_TAG_RESULT, self->comm, MPI_STATUS_IGNORE);
        if (code != MPI_SUCCESS)
            return s_mpi_error (code, "receiving a result", err, errlen);
        s_head_t head;
        memcpy (&head, self->buf, sizeof head);
        memcpy (result, (char *) self->buf + sizeof head, len);
        msg->kind = SIM_POOL_RESULT;
        msg->task = (size_t) head.task;
        msg->rc = head.rc;
        memcpy (msg->msg, head.msg, sizeof msg->msg);
        msg->msg[sizeof msg->msg - 1] = '\0';
        return 0;
    }
    if ((st.MPI_TAG != S_TAG_ASK && st.MPI_TAG != S_TAG_FINISH) || count != 0)
        return map_error (err, errlen, "rank %d sent a message with tag %d of %d bytes", st.MPI_SOURCE, st.MPI_TAG,
                          count);
    code = MPI_Recv (NULL, 0, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, self->comm, MPI_STATUS_IGNORE);
    if (code != MPI_SUCCESS)
        return s_mpi_error (code, "receiving a message", err, errlen);
    msg->kind = st.MPI_TAG == S_TAG_ASK ? SIM_POOL_ASK : SIM_POOL_FINISH;
    return 0;
}

static int
s_answer (void *arg, int to, int has, size_t task, char *err, size_t errlen)
{
    sim_ranks_t *self = arg;
    uint64_t answer[2] = {has ? 1 : 0, task};
    int code = MPI_Send (answer, 2, MPI_UINT64_T, to, S_TAG_ANSWER, self->comm);
    return code == MPI_SUCCESS ? 0 : s_mpi_error (code, "answering a rank", err, errlen);
}

static int
s_share (void *arg, int rc)
{
    sim_ranks_t *self = arg;
    MPI_Bcast (&rc, 1, MPI_INT, 0, self->comm);
    return rc;
}

sim_ranks_t *
sim_ranks_open (int *argc, char ***argv, char *err, size_t errlen)
{
    int provided = 0;
    int code = MPI_Init_thread (argc, argv, MPI_THREAD_SERIALIZED, &provided);
    if (code != MPI_SUCCESS) {
        s_mpi_error (code, "start", err, errlen);
        return NULL;
    }
    if (provided < MPI_THREAD_SERIALIZED) {
        map_error (err, errlen, "MPI gives thread support level %d, below MPI_THREAD_SERIALIZED", provided);
        MPI_Finalize ();
        return NULL;
    }
    sim_ranks_t *self = calloc (1, sizeof *self);
    if (!self || MPI_Comm_dup (MPI_COMM_WORLD, &self->comm) != MPI_SUCCESS) {
        map_error (err, errlen, self ? "MPI: cannot make a communicator" : "out of memory");
        free (self);
        MPI_Finalize ();
        return NULL;
    }
    MPI_Comm_rank (self->comm, &self->rank);
    MPI_Comm_size (self->comm, &self->size);
    self->net = (sim_pool_net_t) {.self = self,
                                  .rank = self->rank,
                                  .size = self->size,
                                  .ask = s_ask,
                                  .send = s_send,
                                  .finish = s_finish,
                                  .wait = s_wait,
                                  .answer = s_answer,
                                  .share = s_share};
    return self;
}

void
sim_ranks_close (sim_ranks_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_ranks_t *self = *self_p;
    MPI_Comm_free (&self->comm);
    free (self->buf);
    free (self);
    MPI_Finalize ();
    *self_p = NULL;
}

int
sim_ranks_rank (const sim_ranks_t *self)
{
    return self->rank;
}

int
sim_ranks_size (const sim_ranks_t *self)
{
    return self->size;
}

const sim_pool_net_t *
sim_ranks_net (sim_ranks_t *self)
{
    return &self->net;
}

void
sim_ranks_abort (sim_ranks_t *self, int status)
{
    MPI_Abort (self->comm, status);
    exit (status);
}
