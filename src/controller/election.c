/* Kafka's leader election rules; see election.h. */
#include "controller/election.h"

bool kc_ids_contain(const int32_t *ids, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

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
