/* A mutex-protected FIFO plus one libevent event that is activated on every post. */
#include "common/mailbox.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/log.h"

typedef struct item {
    struct item *next;
    kc_mailbox_fn fn;
    void *arg;
} item;

struct kc_mailbox {
    pthread_mutex_t lock;
    item *head, *tail;
    struct event *ev;
};

static void mailbox_on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_mailbox_drain(arg);
}

kc_mailbox *kc_mailbox_new(struct event_base *base)
{
    kc_mailbox *mb = calloc(1, sizeof(*mb));
    if (!mb)
        kc_fatal("mailbox: out of memory");
    pthread_mutex_init(&mb->lock, NULL);
    mb->ev = event_new(base, -1, 0, mailbox_on_wake, mb);
    if (!mb->ev)
        kc_fatal("mailbox: event_new failed");
    return mb;
}

void kc_mailbox_post(kc_mailbox *mb, kc_mailbox_fn fn, void *arg)
{
    item *it = malloc(sizeof(*it));
    if (!it)
        kc_fatal("mailbox: out of memory");
    it->next = NULL;
    it->fn = fn;
    it->arg = arg;
    pthread_mutex_lock(&mb->lock);
    if (mb->tail)
        mb->tail->next = it;
    else
        mb->head = it;
    mb->tail = it;
    pthread_mutex_unlock(&mb->lock);
    event_active(mb->ev, 0, 0);
}

void kc_mailbox_drain(kc_mailbox *mb)
{
    for (;;) {
        pthread_mutex_lock(&mb->lock);
        item *it = mb->head;
        mb->head = mb->tail = NULL;
        pthread_mutex_unlock(&mb->lock);
        if (!it)
            return;
        while (it) {
            item *next = it->next;
            it->fn(it->arg);
            free(it);
            it = next;
        }
    }
}

void kc_mailbox_free(kc_mailbox *mb)
{
    if (!mb)
        return;
    item *it = mb->head;
    while (it) {
        item *next = it->next;
        free(it);
        it = next;
    }
    event_free(mb->ev);
    pthread_mutex_destroy(&mb->lock);
    free(mb);
}
