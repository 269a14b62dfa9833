/*
 * The delayed-operation purgatory (src/broker/purgatory.h) on a real libevent base: operations
 * complete exactly once (ready on a check of one of their keys, expired by their timer, by
 * kc_purgatory_expire_all, or through their request's on_orphan), checks touch only the key
 * checked, and a completion may watch new operations or check again without being met twice.
 */
#include <criterion/criterion.h>

#include <event2/event.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/purgatory.h"
#include "net/conn.h"

static kc_broker broker;

static void setup(void)
{
    memset(&broker, 0, sizeof(broker));
    broker.base = event_base_new();
    cr_assert_not_null(broker.base);
    broker.purgatory = kc_purgatory_new(&broker);
    cr_assert_not_null(broker.purgatory);
}

/* Tests complete their own operations (they live on the test's stack); what is left here is
 * only what kc_purgatory_expire_all could not reach. */
static void teardown(void)
{
    if (broker.purgatory) {
        kc_purgatory_expire_all(broker.purgatory);
        kc_purgatory_free(broker.purgatory);
    }
    if (broker.base)
        event_base_free(broker.base);
    memset(&broker, 0, sizeof(broker));
}

TestSuite(purgatory, .init = setup, .fini = teardown, .timeout = 30);

/* ------------------------------------------------------------------ a test operation */

typedef struct op op;
struct op {
    bool ready;
    int ready_calls;
    int completed;
    bool expired;
    kc_broker *seen_broker;
    /* optional actions of the completion */
    op *watch_on_complete; /* watched under watch_key when this one completes */
    const void *watch_key;
    const void *check_on_complete; /* kc_purgatory_check()ed when this one completes */
};

static const kc_delayed_ops OPS;

static bool op_ready(kc_broker *b, void *arg)
{
    (void)b;
    op *o = arg;
    o->ready_calls++;
    return o->ready;
}

static void op_complete(kc_broker *b, void *arg, bool expired)
{
    op *o = arg;
    o->completed++;
    o->expired = expired;
    o->seen_broker = b;
    if (o->watch_on_complete) {
        op *n = o->watch_on_complete;
        o->watch_on_complete = NULL;
        kc_purgatory_watch(b->purgatory, &o->watch_key, 1, 60000, &OPS, n, NULL);
    }
    if (o->check_on_complete)
        kc_purgatory_check(b->purgatory, o->check_on_complete);
}

static const kc_delayed_ops OPS = {op_ready, op_complete};

static kc_delayed *watch1(const void *key, int64_t timeout_ms, op *o)
{
    return kc_purgatory_watch(broker.purgatory, &key, 1, timeout_ms, &OPS, o, NULL);
}

static int pending_events(void)
{
    return event_base_get_num_events(broker.base, EVENT_BASE_COUNT_ADDED);
}

/* keys are compared by identity */
static int key_a, key_b, key_c;

/* ------------------------------------------------------------------ ready on check */

Test(purgatory, completes_once_when_check_finds_it_ready)
{
    op o = {0};
    cr_assert_not_null(watch1(&key_a, 60000, &o));
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);
    cr_assert_eq(pending_events(), 1, "its timer is armed");

    o.ready = true;
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.completed, 1);
    cr_assert_not(o.expired, "completed because ready, not expired");
    cr_assert_eq(o.seen_broker, &broker);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 0);
    cr_assert_eq(pending_events(), 0, "its timer went with it");

    int calls = o.ready_calls;
    kc_purgatory_check(broker.purgatory, &key_a);
    kc_purgatory_expire_all(broker.purgatory);
    cr_assert_eq(o.completed, 1, "completed exactly once");
    cr_assert_eq(o.ready_calls, calls, "no longer asked once completed");
}

Test(purgatory, check_soon_runs_once_per_key_after_the_callbacks_due)
{
    op a = {0}, b = {0}, c = {0};
    watch1(&key_a, 60000, &a);
    watch1(&key_b, 60000, &b);
    watch1(&key_c, 60000, &c);
    a.ready = b.ready = true;
    kc_purgatory_check_soon(broker.purgatory, &key_a);
    kc_purgatory_check_soon(broker.purgatory, &key_a);
    kc_purgatory_check_soon(broker.purgatory, &key_b);
    kc_purgatory_check_soon(broker.purgatory, &key_a);
    static int unwatched;
    kc_purgatory_check_soon(broker.purgatory, &unwatched); /* nothing waits on it */
    cr_assert_eq(a.ready_calls + b.ready_calls + c.ready_calls, 0, "not now");
    cr_assert_eq(a.completed + b.completed, 0);

    event_base_loop(broker.base, EVLOOP_NONBLOCK);
    cr_assert_eq(a.ready_calls, 1, "one check however often it was asked for");
    cr_assert_eq(b.ready_calls, 1);
    cr_assert_eq(c.ready_calls, 0, "a key not asked for is not checked");
    cr_assert_eq(a.completed, 1);
    cr_assert_eq(b.completed, 1);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);

    /* due again after its pass */
    c.ready = true;
    kc_purgatory_check_soon(broker.purgatory, &key_c);
    event_base_loop(broker.base, EVLOOP_NONBLOCK);
    cr_assert_eq(c.completed, 1);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 0);
}

Test(purgatory, check_soon_of_a_completed_key_is_harmless)
{
    op a = {0}, n = {0};
    watch1(&key_a, 60000, &a);
    kc_purgatory_check_soon(broker.purgatory, &key_a);
    a.ready = true;
    kc_purgatory_check(broker.purgatory, &key_a); /* its list goes before the pass */
    cr_assert_eq(a.completed, 1);
    watch1(&key_a, 60000, &n); /* a new list under the same key */
    event_base_loop(broker.base, EVLOOP_NONBLOCK);
    cr_assert_eq(a.completed, 1);
    cr_assert_eq(n.ready_calls, 1, "the pass still checks the key");
    cr_assert_eq(n.completed, 0);
    n.ready = true;
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(n.completed, 1);
}

Test(purgatory, not_ready_stays_watched)
{
    op o = {0};
    watch1(&key_a, 60000, &o);
    kc_purgatory_check(broker.purgatory, &key_a);
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.ready_calls, 2, "asked on every check of its key");
    cr_assert_eq(o.completed, 0);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);

    o.ready = true;
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.completed, 1);
    cr_assert_not(o.expired);
}

Test(purgatory, check_of_another_key_does_not_touch_it)
{
    op o = {.ready = true};
    watch1(&key_a, 60000, &o);
    kc_purgatory_check(broker.purgatory, &key_b);
    kc_purgatory_check(broker.purgatory, NULL);
    cr_assert_eq(o.ready_calls, 0, "a check of key b must not ask an operation on key a");
    cr_assert_eq(o.completed, 0);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);

    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.completed, 1);
}

Test(purgatory, several_keys_complete_once_and_leave_every_list)
{
    op o = {0}, other = {0};
    const void *keys[] = {&key_a, &key_b, &key_a /* duplicate */, &key_c};
    kc_purgatory_watch(broker.purgatory, keys, 4, 60000, &OPS, &o, NULL);
    watch1(&key_c, 60000, &other);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 2);

    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.ready_calls, 1, "a duplicate key is watched once");

    o.ready = true;
    kc_purgatory_check(broker.purgatory, &key_b);
    cr_assert_eq(o.completed, 1);
    cr_assert_not(o.expired);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1, "only the other operation remains");

    int calls = o.ready_calls;
    kc_purgatory_check(broker.purgatory, &key_a);
    kc_purgatory_check(broker.purgatory, &key_b);
    kc_purgatory_check(broker.purgatory, &key_c);
    cr_assert_eq(o.ready_calls, calls, "it left the lists of keys a, b and c");
    cr_assert_eq(o.completed, 1);
    cr_assert_eq(other.ready_calls, 1, "the operation sharing key c is still watched");

    other.ready = true;
    kc_purgatory_check(broker.purgatory, &key_c);
    cr_assert_eq(other.completed, 1);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 0);
}

Test(purgatory, check_completes_every_ready_operation_of_the_key)
{
    op ops[100];
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 100; i++) {
        ops[i].ready = i % 3 != 0; /* 66 ready: more than one walk's first batch */
        watch1(&key_a, 60000, &ops[i]);
    }
    kc_purgatory_check(broker.purgatory, &key_a);
    int done = 0;
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(ops[i].completed, ops[i].ready ? 1 : 0, "operation %d", i);
        done += ops[i].completed;
    }
    cr_assert_eq(done, 66);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 34);
    kc_purgatory_expire_all(broker.purgatory); /* before ops goes out of scope */
    for (int i = 0; i < 100; i++)
        cr_assert_eq(ops[i].completed, 1, "operation %d", i);
}

/* ------------------------------------------------------------------ timeout */

Test(purgatory, timeout_completes_it_as_expired)
{
    op o = {0}, later = {0};
    watch1(&key_a, 1, &o);
    watch1(&key_a, 60000, &later);
    for (int i = 0; i < 100 && !o.completed; i++)
        event_base_loop(broker.base, EVLOOP_ONCE);
    cr_assert_eq(o.completed, 1, "the 1 ms timer fired");
    cr_assert(o.expired);
    cr_assert_eq(later.completed, 0, "a 60 s operation is still waiting");
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);

    o.ready = true;
    later.ready = false;
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.completed, 1, "an expired operation left its key's list");
    cr_assert_eq(o.ready_calls, 0);
    kc_purgatory_expire_all(broker.purgatory);
    cr_assert_eq(later.completed, 1);
}

Test(purgatory, zero_timeout_expires_on_the_next_loop)
{
    op o = {0};
    watch1(&key_a, 0, &o);
    cr_assert_eq(o.completed, 0, "never completed from inside watch");
    for (int i = 0; i < 10 && !o.completed; i++)
        event_base_loop(broker.base, EVLOOP_ONCE);
    cr_assert_eq(o.completed, 1);
    cr_assert(o.expired);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 0);
}

/* ------------------------------------------------------------------ shutdown */

Test(purgatory, expire_all_completes_everything_including_added_ones)
{
    op a = {0}, b2 = {0}, c = {0}, added = {0};
    const void *ab[] = {&key_a, &key_b};
    kc_purgatory_watch(broker.purgatory, ab, 2, 60000, &OPS, &a, NULL);
    watch1(&key_b, 60000, &b2);
    watch1(&key_c, 60000, &c);
    c.watch_on_complete = &added; /* a completion that watches a new operation */
    c.watch_key = &key_a;
    kc_purgatory_expire_all(broker.purgatory);
    op *all[] = {&a, &b2, &c, &added};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(all[i]->completed, 1, "operation %d completed once", i);
        cr_assert(all[i]->expired, "operation %d expired", i);
    }
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 0);
    cr_assert_eq(pending_events(), 0, "no timer left behind");
}

Test(purgatory, expire_all_completes_an_operation_watched_under_no_key)
{
    /* n_keys 0 is accepted by kc_purgatory_watch (a Fetch whose topics name no partition):
     * the operation waits for its timer only, and shutdown must still complete it */
    op o = {0};
    kc_purgatory_watch(broker.purgatory, NULL, 0, 60000, &OPS, &o, NULL);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);
    kc_purgatory_expire_all(broker.purgatory);
    cr_assert_eq(o.completed, 1, "expire_all must complete every operation");
    cr_assert(o.expired);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 0);
}

/* ------------------------------------------------------------------ re-entrant completions */

Test(purgatory, operation_watched_by_a_completion_is_not_completed_in_the_same_walk)
{
    op first = {.ready = true}, second = {0};
    first.watch_on_complete = &second;
    first.watch_key = &key_a;
    watch1(&key_a, 60000, &first);
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(first.completed, 1);
    cr_assert_eq(second.completed, 0, "the new operation is not ready: it waits");
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);

    second.ready = true;
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(second.completed, 1, "a later check completes it");
    cr_assert_not(second.expired);
    cr_assert_eq(first.completed, 1);
}

Test(purgatory, completion_that_checks_the_same_key_again_completes_each_once)
{
    op ops[5];
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 5; i++) {
        ops[i].ready = true;
        ops[i].check_on_complete = &key_a; /* e.g. a produce completion appending */
        watch1(&key_a, 60000, &ops[i]);
    }
    op bystander = {0};
    watch1(&key_a, 60000, &bystander);
    kc_purgatory_check(broker.purgatory, &key_a);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(ops[i].completed, 1, "operation %d", i);
        cr_assert_not(ops[i].expired);
    }
    cr_assert_eq(bystander.completed, 0);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 1);
    kc_purgatory_expire_all(broker.purgatory);
    cr_assert_eq(bystander.completed, 1);
}

/* ------------------------------------------------------------------ orphaned requests */

Test(purgatory, orphan_completes_as_expired_and_clears_on_orphan)
{
    kc_request req;
    memset(&req, 0, sizeof(req));
    op o = {0};
    kc_purgatory_watch(broker.purgatory, (const void *[]){&key_a}, 1, 60000, &OPS, &o, &req);
    cr_assert_not_null(req.on_orphan, "watch hooks the request's close");
    cr_assert_not_null(req.pending);

    req.on_orphan(&req); /* what the connection does when it closes */
    cr_assert_eq(o.completed, 1);
    cr_assert(o.expired);
    cr_assert_null(req.on_orphan);
    cr_assert_null(req.pending);
    cr_assert_eq(kc_purgatory_size(broker.purgatory), 0);
    cr_assert_eq(pending_events(), 0, "its timer went with it");

    o.ready = true;
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.completed, 1, "no second completion");
    cr_assert_eq(o.ready_calls, 0);
}

Test(purgatory, completion_by_check_unhooks_the_request)
{
    kc_request req;
    memset(&req, 0, sizeof(req));
    op o = {0};
    kc_purgatory_watch(broker.purgatory, (const void *[]){&key_a}, 1, 60000, &OPS, &o, &req);
    o.ready = true;
    kc_purgatory_check(broker.purgatory, &key_a);
    cr_assert_eq(o.completed, 1);
    cr_assert_null(req.on_orphan, "a closing connection must not reach a completed operation");
    cr_assert_null(req.pending);
}

Test(purgatory, expiry_by_timer_unhooks_the_request)
{
    kc_request req;
    memset(&req, 0, sizeof(req));
    op o = {0};
    kc_purgatory_watch(broker.purgatory, (const void *[]){&key_a}, 1, 1, &OPS, &o, &req);
    for (int i = 0; i < 100 && !o.completed; i++)
        event_base_loop(broker.base, EVLOOP_ONCE);
    cr_assert_eq(o.completed, 1);
    cr_assert(o.expired);
    cr_assert_null(req.on_orphan);
    cr_assert_null(req.pending);
}
