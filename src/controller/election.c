/* Kafka's leader election rules; see election.h. */
#include "controller/election.h"

int32_t kc_elect_offline_leader(const int32_t *replicas, int n_replicas, const int32_t *isr,
                                int n_isr, bool unclean, kc_live_fn live, void *arg,
                                bool *unclean_used)
{
    *unclean_used = false;
    for (int i = 0; i < n_replicas; i++)
        if (live(replicas[i], arg) && kc_ids_contain(isr, n_isr, replicas[i]))
            return replicas[i];
    if (!unclean)
        return -1;
    for (int i = 0; i < n_replicas; i++)
        if (live(replicas[i], arg)) {
            *unclean_used = true;
            return replicas[i];
        }
    return -1;
}

int kc_isr_keep_live(int32_t *isr, int n_isr, kc_live_fn live, void *arg)
{
    int n = 0;
    for (int i = 0; i < n_isr; i++)
        if (live(isr[i], arg))
            isr[n++] = isr[i];
    return n > 0 || n_isr == 0 ? n : 1; /* none live: isr[0] is still the first member */
}

int32_t kc_elect_controlled_shutdown_leader(const int32_t *replicas, int n_replicas,
                                            const int32_t *isr, int n_isr, kc_live_fn live,
                                            void *arg)
{
    for (int i = 0; i < n_replicas; i++)
        if (live(replicas[i], arg) && kc_ids_contain(isr, n_isr, replicas[i]))
            return replicas[i];
    return -1;
}

int32_t kc_elect_preferred_leader(const int32_t *replicas, int n_replicas, const int32_t *isr,
                                  int n_isr, kc_live_fn live, void *arg)
{
    if (n_replicas < 1 || !live(replicas[0], arg) || !kc_ids_contain(isr, n_isr, replicas[0]))
        return -1;
    return replicas[0];
}

int kc_isr_remove(int32_t *isr, int n_isr, int32_t id)
{
    if (n_isr <= 1)
        return n_isr;
    int n = 0;
    for (int i = 0; i < n_isr; i++)
        if (isr[i] != id)
            isr[n++] = isr[i];
    return n;
}

bool kc_leader_imbalanced(int n_not_led, int n_preferred, int32_t percentage)
{
    return n_preferred > 0 && (int64_t)n_not_led * 100 > (int64_t)percentage * n_preferred;
}

bool kc_alter_isr_valid(const int32_t *replicas, int n_replicas, const int32_t *new_isr,
                        int n_new_isr, int32_t leader, kc_live_fn live, void *arg)
{
    if (n_new_isr < 1 || !kc_ids_contain(new_isr, n_new_isr, leader))
        return false;
    for (int i = 0; i < n_new_isr; i++)
        if (!kc_ids_contain(replicas, n_replicas, new_isr[i]) || !live(new_isr[i], arg) ||
            kc_ids_contain(new_isr, i, new_isr[i]))
            return false;
    return true;
}
