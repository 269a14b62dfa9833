/* One shared FIFO guarded by a mutex and a condition variable. */
#include "common/workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/log.h"

typedef struct job {
    struct job *next;
    kc_work_fn work, done;
    void *arg;
} job;

struct kc_workers {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    job *head, *tail;
    bool stopping;
    int n;
    pthread_t *threads;
    kc_mailbox *mb;
};

static void *worker_main(void *arg)
{
    kc_workers *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->cond, &w->lock);
        job *j = w->head;
        if (j) {
            w->head = j->next;
            if (!w->head)
                w->tail = NULL;
        }
        pthread_mutex_unlock(&w->lock);
        if (!j)
            return NULL; /* stopping and nothing left */
        j->work(j->arg);
        if (j->done)
            kc_mailbox_post(w->mb, j->done, j->arg);
        free(j);
    }
}

kc_workers *kc_workers_new(int n_threads, kc_mailbox *mb)
{
    kc_workers *w = calloc(1, sizeof(*w));
    if (!w || !(w->threads = calloc((size_t)n_threads, sizeof(pthread_t))))
        kc_fatal("workers: out of memory");
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->mb = mb;
    w->n = n_threads;
    for (int i = 0; i < n_threads; i++)
        if (pthread_create(&w->threads[i], NULL, worker_main, w))
            kc_fatal("workers: cannot start a thread");
    return w;
}

void kc_workers_submit(kc_workers *w, kc_work_fn work, kc_work_fn done, void *arg)
{
    job *j = malloc(sizeof(*j));
    if (!j)
        kc_fatal("workers: out of memory");
    j->next = NULL;
    j->work = work;
    j->done = done;
    j->arg = arg;
    pthread_mutex_lock(&w->lock);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void kc_workers_free(kc_workers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < w->n; i++)
        pthread_join(w->threads[i], NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w->threads);
    free(w);
}
