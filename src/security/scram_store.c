/* The credential store: an array of users, each with one slot per mechanism. A few thousand
 * users at most are expected, so a linear search keeps it simple. */
#include "security/scram_store.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "config/dynconf.h"

typedef struct user_creds {
    char *name;
    bool has[2];
    kc_scram_credential cred[2]; /* [mech - 1] */
} user_creds;

struct kc_scram_store {
    user_creds *users;
    int n, cap;
};

kc_scram_store *kc_scram_store_new(void)
{
    kc_scram_store *s = calloc(1, sizeof(*s));
    if (!s)
        kc_fatal("scram: out of memory");
    return s;
}

static void wipe(user_creds *u)
{
    OPENSSL_cleanse(u->cred, sizeof(u->cred));
    free(u->name);
}

void kc_scram_store_free(kc_scram_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        wipe(&s->users[i]);
    free(s->users);
    free(s);
}

static int find(const kc_scram_store *s, const char *user)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->users[i].name, user) == 0)
            return i;
    return -1;
}

int kc_scram_store_update(kc_scram_store *s, const char *user, const char *json, int len)
{
    user_creds u = {0};
    int rc = 0;
    kc_cfg_kvs kvs = {0};
    if (json && len > 0 && kc_cfg_kvs_parse(json, len, &kvs)) {
        kc_warn("SCRAM", "/config/users/%s is not a config object; the user has no credential",
                user);
        rc = -1;
    }
    for (int mech = KC_SCRAM_SHA_256; mech <= KC_SCRAM_SHA_512; mech++) {
        const char *v = kc_cfg_kvs_get(&kvs, kc_scram_mechanism_name(mech));
        if (!v)
            continue;
        if (kc_scram_credential_parse(mech, v, strlen(v), &u.cred[mech - 1])) {
            kc_warn("SCRAM", "/config/users/%s: malformed %s credential ignored", user,
                    kc_scram_mechanism_name(mech));
            rc = -1;
            continue;
        }
        u.has[mech - 1] = true;
    }
    kc_cfg_kvs_free(&kvs);
    int kept = u.has[0] + u.has[1];
    int at = find(s, user);
    if (at >= 0) {
        wipe(&s->users[at]);
        memmove(&s->users[at], &s->users[at + 1], sizeof(*s->users) * (size_t)(s->n - at - 1));
        s->n--;
    }
    if (kept) {
        if (s->n == s->cap) {
            int cap = s->cap ? 2 * s->cap : 16;
            user_creds *grown = realloc(s->users, sizeof(*grown) * (size_t)cap);
            if (!grown)
                kc_fatal("scram: out of memory");
            s->users = grown;
            s->cap = cap;
        }
        u.name = strdup(user);
        if (!u.name)
            kc_fatal("scram: out of memory");
        s->users[s->n++] = u;
    } else {
        OPENSSL_cleanse(&u, sizeof(u));
    }
    return rc < 0 ? rc : kept;
}

const kc_scram_credential *kc_scram_store_get(const kc_scram_store *s, const char *user, int mech)
{
    int at = find(s, user);
    if (at < 0 || (mech != KC_SCRAM_SHA_256 && mech != KC_SCRAM_SHA_512) ||
        !s->users[at].has[mech - 1])
        return NULL;
    return &s->users[at].cred[mech - 1];
}

int kc_scram_store_count(const kc_scram_store *s)
{
    return s->n;
}

const char *kc_scram_store_user(const kc_scram_store *s, int i)
{
    return s->users[i].name;
}
